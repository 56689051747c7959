"""The policy file's schema: one pydantic model, validated, with its JSON Schema published in docs.

Durations are written as text ("3 minutes", "21 days", "18 months"): a month counts as 30 days and a
year as 365, so "18 months" is 540 days wherever it is compared or enforced.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

POLICY_VERSION = 1

_UNITS = {
    "minute": 60,
    "hour": 3600,
    "day": 86_400,
    "week": 7 * 86_400,
    "month": 30 * 86_400,
    "year": 365 * 86_400,
}
_ALIASES = {"min": "minute", "mins": "minute", "h": "hour", "d": "day", "mo": "month", "y": "year", "yr": "year"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
DURATION_PATTERN = r"^\s*\d+(\.\d+)?\s*(minutes?|mins?|hours?|h|days?|d|weeks?|months?|mo|years?|yr|y)\s*$"


def parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a duration written as text, such as '21 days', '3 minutes' or '18 months'")
    match = _DURATION.match(value.lower())
    unit = match and _ALIASES.get(match.group(2), match.group(2).rstrip("s"))
    if not match or unit not in _UNITS:
        raise ValueError(
            f"{value!r} is not a duration: write a number and a unit (minutes, hours, days, months, years)"
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[str(unit)])


def format_duration(value: timedelta) -> str:
    """Readable and exact: "3 minutes", "30 days", "18 months" (540 days), "2 years"."""
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86_400)
    if rest == 0 and days:
        if days % 365 == 0:
            return _plural(days // 365, "year")
        if days > 90 and days % 30 == 0:
            return _plural(days // 30, "month")
        return _plural(days, "day")
    for unit in ("hour", "minute"):
        if seconds and seconds % _UNITS[unit] == 0:
            return _plural(seconds // _UNITS[unit], unit)
    return _plural(seconds, "second")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["3 minutes", "21 days", "18 months"]}),
]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class _Strict(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Custodian(_Strict):
    """SB 34 element 5: the official custodian responsible for the system."""

    title: Text
    name: Text
    contact: Text


class Agency(_Strict):
    id: Slug = Field(description="agency id as used in upload keys and the user registry")
    name: Text
    state: str = Field(pattern=r"^[A-Z]{2}$", description="two-letter state code of the operating agency")
    custodian: Custodian


class Purposes(_Strict):
    """SB 34 element 1: what the system may be used for."""

    authorized: list[Text] = Field(min_length=1)
    offense_types: list[Slug] = Field(min_length=1, description="a search must name one of these")
    prohibited: list[Text] = Field(default_factory=list)


class Permission(StrEnum):
    SEARCH_READS = "search-reads"
    RECEIVE_ALERTS = "receive-alerts"
    MANAGE_HOTLISTS = "manage-hotlists"
    REVIEW_AUDIT = "review-audit"
    MANAGE_USERS = "manage-users"
    PLACE_HOLDS = "place-holds"


class Training(_Strict):
    course: Text
    hours: float = Field(gt=0, le=200)
    refresh_months: int = Field(ge=1, le=60)


class Role(_Strict):
    """SB 34 element 2: who may access the system, and the training they need first."""

    name: Slug
    description: Text
    staff_type: Literal["staff", "contractor"] = "staff"
    permissions: list[Permission] = Field(min_length=1)
    training: Training


class RetentionClass(StrEnum):
    NON_HIT_READS = "non_hit_reads"
    HIT_READS = "hit_reads"
    IMAGES = "images"
    CROPS = "crops"
    ALERTS = "alerts"
    AUDIT_RECORDS = "audit_records"
    HOTLIST_ENTRIES = "hotlist_entries"


MIN_AUDIT_RETENTION = timedelta(days=365)  # CJIS: audit records kept at least one year


class Retention(_Strict):
    """SB 34 element 7: how long each class of data is kept."""

    non_hit_reads: Duration = Field(description="reads that matched no hot list (and their crops)")
    hit_reads: Duration = Field(description="reads that raised a hot-list alert")
    images: Duration = Field(description="full camera frames under incoming/")
    crops: Duration = Field(description="plate crops; a crop never outlives its read")
    alerts: Duration
    audit_records: Duration = Field(description="search audit records; at least 1 year")
    hotlist_entries: Duration = Field(description="the longest a hot-list entry may stay active")

    def of(self, retention_class: RetentionClass) -> timedelta:
        return timedelta(seconds=getattr(self, retention_class.value).total_seconds())

    @field_validator("*")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than zero")
        return value

    @field_validator("audit_records")
    @classmethod
    def _audit_year(cls, value: timedelta) -> timedelta:
        if value < MIN_AUDIT_RETENTION:
            raise ValueError(f"audit records must be kept at least 1 year (got {format_duration(value)})")
        return value

    @model_validator(mode="after")
    def _ordering(self) -> Retention:
        if self.hit_reads < self.non_hit_reads:
            raise ValueError("hit_reads must be at least as long as non_hit_reads")
        if self.images > self.hit_reads:
            raise ValueError("images may not be kept longer than hit_reads")
        return self


class AuditSampling(_Strict):
    """SB 34 element 3 (and the auditor's recommendation): a fixed schedule of search audits."""

    frequency: Literal["weekly", "monthly", "quarterly"]
    sample_size: int = Field(ge=1, le=10_000, description="searches sampled per period")
    auditor_role: Slug
    approver_role: Slug


class Accounts(_Strict):
    inactive_disable_days: int = Field(ge=1, le=365, description="accounts unused this long are disabled")
    supervisor_approval_required: bool = True
    mfa_required: bool = True


class RecipientType(StrEnum):
    CALIFORNIA_MUNICIPAL = "california-municipal-agency"
    CALIFORNIA_COUNTY = "california-county-agency"
    CALIFORNIA_STATE = "california-state-agency"
    IN_STATE = "in-state-agency"  # a public agency of the operating agency's own state (outside California)
    OUT_OF_STATE = "out-of-state-agency"
    FEDERAL = "federal-agency"
    PRIVATE = "private-entity"


CALIFORNIA_PUBLIC = frozenset(
    {RecipientType.CALIFORNIA_MUNICIPAL, RecipientType.CALIFORNIA_COUNTY, RecipientType.CALIFORNIA_STATE}
)


# What a grant lets the recipient do. Only scopes the code enforces belong here, since the register publishes
# them (ENFORCED_SCOPES in enforcement.py; `policy check` compares): `receive-hotlist-alerts` was removed
# because alerts never crossed agencies (docs/policy.md, "Sharing grants").
class Scope(StrEnum):
    SEARCH_READS = "search-reads"


class SharingGrant(_Strict):
    id: Slug
    granting_agency: Slug
    recipient_agency: Text
    recipient_agency_id: Slug | None = Field(
        default=None,
        description="the recipient's agency id as its users are registered in this deployment (e.g. other-pd); "
        "the officer API lets that agency's users search under this grant",
    )
    recipient_type: RecipientType
    scopes: list[Scope] = Field(min_length=1)
    purposes: list[Slug] = Field(min_length=1, description="offense types the recipient may search for")
    start: date
    end: date
    approved_by: Text = Field(description="the approving official (title and name)")

    @model_validator(mode="after")
    def _window(self) -> SharingGrant:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Sharing(_Strict):
    """SB 34 element 4: whether, why, how and with what limits data is shared; never sold."""

    sale_allowed: Literal[False] = Field(default=False, description="ALPR data is never sold")
    process: Text = Field(description="how a sharing request is reviewed and approved")
    review_frequency: Literal["monthly", "quarterly", "annually"]
    grants: list[SharingGrant] = Field(default_factory=list)


# A lower-case DNS name of two labels or more ("pd.example.gov"); its subdomains are included.
EndpointDomain = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")]


class AlertSettings(_Strict):
    min_confidence: float = Field(ge=0.5, le=1)
    visual_confirmation_required: Literal[True] = Field(
        default=True, description="a hit must be visually confirmed before any stop"
    )
    channels: list[Literal["sms", "push", "email"]] = Field(min_length=1)
    allowed_endpoint_domains: list[EndpointDomain] = Field(
        default_factory=list,
        description="domains (and their subdomains) where e-mail and HTTPS alert subscriptions may point; "
        "none: e-mail and HTTPS subscriptions are refused (SMS and push stay available)",
    )


class Accuracy(_Strict):
    """SB 34 element 6: how accuracy is ensured and errors are corrected."""

    measures: list[Text] = Field(min_length=1)
    error_correction: Text


class Policy(_Strict):
    version: Literal[1] = Field(description="policy file format version")
    extends: str | None = Field(default=None, description="jurisdiction preset this file builds on")
    policy_revision: Text = Field(description="the agency's own revision label, e.g. a date")
    agency: Agency
    purposes: Purposes
    roles: list[Role] = Field(min_length=1)
    retention: Retention
    audit: AuditSampling
    accounts: Accounts
    sharing: Sharing
    alerts: AlertSettings
    accuracy: Accuracy

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        roles = {role.name for role in self.roles}
        for field_name in ("auditor_role", "approver_role"):
            name = getattr(self.audit, field_name)
            if name not in roles:
                raise ValueError(f"audit.{field_name}: {name!r} is not one of the roles ({', '.join(sorted(roles))})")
        if len(roles) != len(self.roles):
            raise ValueError("roles: each role name may appear once")
        offenses = set(self.purposes.offense_types)
        ids = [grant.id for grant in self.sharing.grants]
        if len(set(ids)) != len(ids):
            raise ValueError("sharing.grants: each grant id may appear once")
        for grant in self.sharing.grants:
            unknown = sorted(set(grant.purposes) - offenses)
            if unknown:
                raise ValueError(
                    f"sharing.grants[{grant.id}].purposes: {', '.join(unknown)} not in purposes.offense_types"
                )
            if grant.granting_agency != self.agency.id:
                raise ValueError(
                    f"sharing.grants[{grant.id}].granting_agency: must be this agency ({self.agency.id!r})"
                )
        return self

    def role(self, name: str) -> Role:
        return next(role for role in self.roles if role.name == name)


def json_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "PlateGuard policy file"
    return schema
