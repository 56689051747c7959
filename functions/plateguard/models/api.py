"""Request and response models of the officer API (pydantic): validation rules and the OpenAPI shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from plateguard.models.errors import InvalidRequest
from plateguard.models.roles import Role

CASE_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,39}$"
CAMERA_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
READ_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$"
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
PRINCIPAL_ARN_PATTERN = r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/:-]{1,512}$"
MAX_PURPOSE_LENGTH = 500


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def validation_message(exc: ValidationError) -> str:
    """A short message naming the offending parameters (never echoes the rejected input back)."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ())) or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(validation_message(exc)) from exc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PurposeFields(_Strict):
    """Why the data is accessed: required on every search (SB 34; auditor's 'Investigation' finding)."""

    purpose: str = Field(min_length=10, max_length=MAX_PURPOSE_LENGTH)
    case_number: str = Field(pattern=CASE_NUMBER_PATTERN)
    offense_type: str = Field(min_length=1, max_length=64)

    @field_validator("purpose")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 for c in value):
            raise ValueError("purpose must be printable text")
        return value

    @field_validator("offense_type")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


AGENCY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


class SearchRequest(PurposeFields):
    # Another agency whose reads to search under its sharing grant; absent: the caller's own agency.
    agency: str | None = Field(default=None, pattern=AGENCY_PATTERN)
    plate: str | None = Field(default=None, max_length=40)
    camera: str | None = Field(default=None, pattern=CAMERA_PATTERN)
    since: datetime | None = None
    until: datetime | None = None
    min_lat: float | None = Field(default=None, ge=-90, le=90)
    max_lat: float | None = Field(default=None, ge=-90, le=90)
    min_lon: float | None = Field(default=None, ge=-180, le=180)
    max_lon: float | None = Field(default=None, ge=-180, le=180)
    limit: int | None = Field(default=None, ge=1, le=1000)
    next_token: str | None = Field(default=None, max_length=4096)

    @field_validator("since", "until")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)


class ReadRequest(PurposeFields):
    read_id: str = Field(pattern=READ_ID_PATTERN)
    agency: str | None = Field(default=None, pattern=AGENCY_PATTERN)  # another agency's read, under its grant


class AuditQueryRequest(_Strict):
    since: datetime
    until: datetime
    username: str | None = Field(default=None, max_length=600)
    agency: str | None = Field(default=None, pattern=AGENCY_PATTERN)  # the caller's agency in userIdentity
    plate: str | None = Field(default=None, max_length=40)
    case_number: str | None = Field(default=None, pattern=CASE_NUMBER_PATTERN)
    limit: int | None = Field(default=None, ge=1, le=1000)
    next_token: str | None = Field(default=None, max_length=4096)

    @field_validator("since", "until")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime | None:
        return _utc(value)


class PutUserRequest(_Strict):
    # Default: the IAM user of the same name in the admin's account (officers assume their role as it).
    principal_arn: str | None = Field(default=None, pattern=PRINCIPAL_ARN_PATTERN)
    role: Role
    status: str = Field(default="active", pattern=r"^(active|disabled)$")
    training_completed_at: datetime | None = None
    approved_by: str = Field(pattern=USERNAME_PATTERN)
    full_name: str | None = Field(default=None, min_length=2, max_length=120, pattern=r"^[^\x00-\x1f\x7f]+$")


class AccountActionRequest(_Strict):
    """Disable or separate an account: why, in a few words (recorded in the audit trail)."""

    reason: str = Field(min_length=5, max_length=500, pattern=r"^[^\x00-\x1f\x7f]+$")


class TrainingRequest(_Strict):
    completed_at: datetime


class AccountChangeOut(BaseModel):
    username: str
    action: str
    status: str


# -- responses ---------------------------------------------------------------------------------------


class ReadOut(BaseModel):
    read_id: str
    plate: str
    camera_id: str
    captured_at: datetime
    confidence: float
    low_confidence: bool
    hit: bool
    lat: float
    lon: float
    heading: float | None
    expires_at: datetime


class ReadDetail(ReadOut):
    raw_text: str
    char_confidences: list[float]
    alternatives: list[tuple[str, float]]
    crop_url: str
    crop_url_expires_at: datetime
    notice: str = "A plate read must be visually confirmed against the crop before any action is taken."


class SearchResponse(BaseModel):
    search_type: str  # exact | camera | partial | area
    reads: list[ReadOut]
    count: int
    next_token: str | None = None
    scanned_items: int


class AuditEventsResponse(BaseModel):
    events: list[dict[str, Any]]
    count: int
    next_token: str | None = None


class UserOut(BaseModel):
    principal_arn: str
    agency: str
    username: str
    role: Role
    status: str
    training_completed_at: datetime | None
    approved_by: str | None
    created_at: datetime
    last_activity_at: datetime | None
    full_name: str | None = None
    training_expires_at: datetime | None = None


class UsersResponse(BaseModel):
    users: list[UserOut]
    count: int


class ErrorResponse(BaseModel):
    """Every error answer of the officer API: a stable code and what to do about it."""

    error: str = Field(description="Stable error code, e.g. InvalidRequest, AccessDenied, NotFound")
    message: str


class OpenApiDocument(BaseModel):
    """GET /openapi.json: an OpenAPI 3 document (its sections kept as the resolver generates them)."""

    model_config = ConfigDict(extra="allow")

    openapi: str = Field(description="OpenAPI version of the document")
    info: dict[str, Any]
    paths: dict[str, Any]
