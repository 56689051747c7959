"""Request bodies of the officer API's hot-list, alert, subscription, hold, review and camera routes.

Here (not beside the routes) so the logic that serves each route takes the parsed request as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from plateguard.models.api import CAMERA_PATTERN, CASE_NUMBER_PATTERN, READ_ID_PATTERN
from plateguard.models.vocabulary import Disposition, ListType, Priority

MIN_HOLD_REASON_LENGTH = 10
MAX_READS_PER_HOLD = 100
MAX_REVIEW_NOTES = 2000
REGION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$"


class PutHotListRequest(BaseModel):
    list_type: ListType
    owner: str = Field(min_length=1, max_length=64)
    priority: Priority
    max_entry_days: int = Field(ge=1, le=365)
    description: str = Field(default="", max_length=500)


class AddEntryRequest(BaseModel):
    plate: str = Field(min_length=1, max_length=16)
    reason: str = Field(min_length=1, max_length=200)
    case_number: str = Field(min_length=3, max_length=32)
    state: str | None = Field(default=None, max_length=2)
    expires: datetime | None = None


class ImportRequest(BaseModel):
    format: str = Field(default="csv", pattern="^(csv|ncic)$")
    replace: bool = False
    content: str = Field(min_length=1, max_length=6 * 1024 * 1024)


class DispositionRequest(BaseModel):
    disposition: Disposition
    note: str = Field(default="", max_length=500)


class SubscriptionRequest(BaseModel):
    protocol: str = Field(pattern="^(sms|email|application|https)$")
    endpoint: str = Field(min_length=3, max_length=2048)
    cameras: list[str] = Field(default_factory=list, max_length=50)
    regions: list[str] = Field(default_factory=list, max_length=50)
    lists: list[str] = Field(default_factory=list, max_length=50)
    priorities: list[Priority] = Field(default_factory=list)


class PlaceHoldRequest(BaseModel):
    read_ids: list[Annotated[str, Field(pattern=READ_ID_PATTERN)]] = Field(min_length=1, max_length=MAX_READS_PER_HOLD)
    case_number: str = Field(pattern=CASE_NUMBER_PATTERN)
    reason: str = Field(min_length=MIN_HOLD_REASON_LENGTH, max_length=500)
    until: datetime = Field(description="end of the hold (ISO 8601; naive means UTC)")

    @field_validator("until")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ReviewRequest(BaseModel):
    justified: bool
    notes: str = Field(default="", max_length=MAX_REVIEW_NOTES)


class SignOffRequest(BaseModel):
    note: str = Field(default="", max_length=MAX_REVIEW_NOTES)


class RegisterCameraRequest(BaseModel):
    camera_id: str = Field(pattern=CAMERA_PATTERN, description="Camera id (also its IoT thing name)")
    name: str = Field(min_length=1, max_length=120, description="Where it is, for people: 'Main St & 1st Ave'")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    heading: float | None = Field(default=None, ge=0, le=360, description="Direction it faces (degrees)")
    region: str | None = Field(default=None, pattern=REGION_PATTERN, description="Patrol district or area")
