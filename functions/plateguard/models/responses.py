"""Response bodies of the officer API's hot-list, alert, subscription, hold, review and camera routes.

Each model's `model_dump(mode="json", by_alias=True)` (what Powertools sends) is exactly the JSON these
routes answered before they were typed: the same keys, the same order, the same values. So:
- times are written with `datetime.isoformat()` (`+00:00`), not pydantic's `Z` (`Timestamp`);
- a key that is a Python builtin (`list`) is an alias of a descriptive field name;
- a key the body carries only when it has a value (`s3_endpoint_url`) is left out when it is None.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from plateguard.models.vocabulary import ListType, Priority

# A time as the API has always written it: ISO 8601 with a numeric offset (`2026-11-02T10:00:00+00:00`).
Timestamp = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]


class _Response(BaseModel):
    # Aliased fields are filled by name in code; the JSON key is the alias.
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)


# -- hot lists ----------------------------------------------------------------------------------------


class HotListOut(_Response):
    name: str
    list_type: ListType
    owner: str
    priority: Priority
    max_entry_days: int
    description: str


class HotListsResponse(_Response):
    hotlists: list[HotListOut]
    count: int


class HotListRetired(_Response):
    retired: str  # the list's name
    entries_removed: int


class HotListEntryOut(_Response):
    plate: str
    state: str | None
    reason: str
    case_number: str
    entered_by: str
    entered_at: Timestamp | None
    expires_at: Timestamp


class HotListEntriesResponse(_Response):
    list_name: str = Field(alias="list")
    entries: list[HotListEntryOut]
    count: int


class EntryAdded(_Response):
    entry: HotListEntryOut
    historical_alerts: list[str]  # ids of the alerts raised (or found) on stored reads


class EntryRemoved(_Response):
    removed: str  # the plate


class RejectedRow(_Response):
    row: int
    reason: str


class HotListImported(_Response):
    accepted: int
    rejected: list[RejectedRow]
    removed: int
    historical_hits: int  # alerts this import raised on stored reads


# -- alerts -------------------------------------------------------------------------------------------


class DispositionOut(_Response):
    disposition: str
    by: str
    at: Timestamp


class AlertOut(_Response):
    alert_id: str
    plate: str
    listed_plate: str
    list_name: str = Field(alias="list")
    list_type: str
    priority: str
    camera_id: str
    camera_name: str
    captured_at: Timestamp
    confidence: float
    match_quality: str
    differing_positions: list[int]
    historical: bool
    suppressed_repeats: int
    read_id: str
    disposition: str
    history: list[DispositionOut]


class AlertsResponse(_Response):
    alerts: list[AlertOut]
    count: int


class CameraFalseHits(_Response):
    camera: str
    verified: int
    misread: int
    false_hit_rate: float | None


class ListFalseHits(_Response):
    list_name: str = Field(alias="list")
    verified: int
    misread: int
    false_hit_rate: float | None


class AlertSummary(_Response):
    alerts: int
    by_disposition: dict[str, int]
    cameras: list[CameraFalseHits]
    lists: list[ListFalseHits]


# -- subscriptions ------------------------------------------------------------------------------------


class SubscriptionOut(_Response):
    subscription_id: str
    subscription_arn: str
    username: str
    protocol: str
    endpoint: str
    filter_policy: dict[str, list[str]]
    created_at: Timestamp


class SubscriptionCreated(_Response):
    subscription_id: str
    subscription_arn: str
    filter_policy: dict[str, list[str]]
    username: str


class SubscriptionsResponse(_Response):
    subscriptions: list[SubscriptionOut]
    count: int


class SubscriptionRemoved(_Response):
    removed: SubscriptionOut


# -- legal holds --------------------------------------------------------------------------------------


class HoldOut(_Response):
    hold_id: str
    case_number: str
    reason: str
    placed_by: str
    placed_at: Timestamp
    until: Timestamp
    read_ids: list[str]
    state: str  # active | released | ended
    released_at: Timestamp | None
    released_by: str | None


class HoldsResponse(_Response):
    holds: list[HoldOut]
    count: int


# -- search-audit reviews -----------------------------------------------------------------------------


class ReviewOut(_Response):
    review_id: str
    batch_id: str
    item: int
    audit_event_id: str
    searcher: str
    search: dict[str, Any]  # the terms as audited
    strata: list[str]
    signals: list[str]
    assignee: str | None
    assigned_at: Timestamp
    due_at: Timestamp
    escalated_at: Timestamp | None
    status: str
    reviewed_by: str | None
    reviewed_at: Timestamp | None
    notes: str | None


class BatchOut(_Response):
    batch_id: str
    period_start: Timestamp
    period_end: Timestamp
    seed: str
    searches_in_period: int
    items: int
    pending: int
    unjustified: int
    strata_counts: dict[str, int]
    signed_off_by: str | None
    signed_off_at: Timestamp | None
    sign_off_note: str | None


class ReviewsResponse(_Response):
    reviews: list[ReviewOut]
    count: int
    mine: bool
    batches: list[BatchOut]


# -- cameras ------------------------------------------------------------------------------------------


class CameraOut(_Response):
    camera_id: str
    agency: str
    name: str
    lat: float
    lon: float
    heading: float | None
    region: str
    status: str
    active: bool
    certificate_id: str | None
    registered_at: Timestamp | None
    registered_by: str | None
    retired_at: Timestamp | None
    retired_by: str | None


class CamerasResponse(_Response):
    cameras: list[CameraOut]
    count: int


class CameraRetired(CameraOut):
    deactivated_certificates: list[str]


class UploadIdentity(_Response):
    """What a camera needs to upload (written by `plateguard cameras add --out DIR`)."""

    thing_name: str
    agency: str
    certificate_id: str
    certificate_arn: str
    certificate_pem: str
    private_key: str  # returned once; never stored or audited
    bucket: str
    prefix: str
    region: str
    credentials_endpoint: str
    role_alias: str
    credential_duration_seconds: int
    # Local mode's S3 only: absent from the body in AWS.
    s3_endpoint_url: str | None = Field(default=None, exclude_if=lambda value: value is None)


class CameraRegistered(_Response):
    camera: CameraOut
    credentials: UploadIdentity


class CredentialsRotated(_Response):
    camera: CameraOut
    credentials: UploadIdentity
    deactivated_certificates: list[str]
