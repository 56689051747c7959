"""Domain records shared by the logic and the data-access layer (plain dataclasses, no AWS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class CameraStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"  # kept in the registry (its reads name it); uploads are quarantined camera_retired


@dataclass(frozen=True, slots=True)
class Camera:
    agency: str
    camera_id: str
    name: str
    lat: float
    lon: float
    active: bool = True  # ingest accepts uploads only from an active camera
    region: str = "unassigned"  # patrol district or area: alert subscriptions filter on it
    heading: float | None = None  # a fixed camera's direction (degrees); frames may send their own
    status: CameraStatus = CameraStatus.ACTIVE
    certificate_id: str | None = None  # the IoT certificate it uploads with (None: seeded, no identity)
    registered_at: datetime | None = None
    registered_by: str | None = None
    retired_at: datetime | None = None
    retired_by: str | None = None


@dataclass(frozen=True, slots=True)
class CaptureMetadata:
    captured_at: datetime
    lat: float
    lon: float
    heading: float | None


@dataclass(frozen=True, slots=True)
class PlateReadRecord:
    read_id: str
    agency: str
    camera_id: str
    captured_at: datetime
    plate: str
    raw_text: str
    confidence: float
    char_confidences: tuple[float, ...]
    alternatives: tuple[tuple[str, float], ...]
    box: tuple[int, int, int, int]
    crop_key: str
    source_key: str
    lat: float
    lon: float
    heading: float | None
    low_confidence: bool
    hit: bool
    expires_at: int


@dataclass(frozen=True, slots=True)
class HotListEntry:
    agency: str
    list_name: str
    plate: str
    list_type: str
    priority: str
    reason: str
    case_number: str
    expires_at: int
    state: str | None = None
    entered_by: str = ""
    entered_at: int = 0  # epoch seconds


class AlertStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet published: a retry publishes it
    # Claimed by one worker (conditional write) just before its SNS call: nobody else publishes it
    # unless the claim goes stale (the claimant died), which a retry then re-claims (logic/ingest.py).
    PUBLISHING = "publishing"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    agency: str
    read_id: str
    plate: str
    list_name: str
    list_type: str
    priority: str
    reason: str
    case_number: str
    camera_id: str
    camera_name: str
    captured_at: datetime
    confidence: float
    match_quality: str
    crop_key: str
    created_at: datetime
    expires_at: int
    status: AlertStatus = AlertStatus.PENDING
    differing_positions: tuple[int, ...] = ()
    listed_plate: str = ""  # the hot-list entry's plate; differs from `plate` on an ambiguous match
    suppressed_repeats: int = 0  # repeat reads inside the dedup window that raised no new alert
    historical: bool = False  # raised when a new hot-list entry matched a read already stored
    region: str = "unassigned"  # the camera's district, for subscription filter policies


class Outcome(StrEnum):
    READS_STORED = "reads_stored"
    NO_PLATE = "no_plate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class ImageOutcome:
    source_key: str
    outcome: Outcome
    processed_at: datetime
    expires_at: int
    agency: str | None = None
    camera_id: str | None = None
    reason: str | None = None
    detail: str | None = None
    quarantine_key: str | None = None
    read_ids: tuple[str, ...] = field(default_factory=tuple)
    alert_ids: tuple[str, ...] = field(default_factory=tuple)
    # The object version this outcome is for (None: the notification named no version), and its bucket:
    # a new version of the same key is a new frame with its own outcome.
    version_id: str | None = None
    bucket: str | None = None
