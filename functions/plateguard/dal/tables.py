"""pynamodb models: the item shapes of the tables defined in plateguard.schema.

Table names are bound at run time (`bind_tables`) from settings, never at import time.
"""

from __future__ import annotations

import time
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection, Projection
from pynamodb.models import Model

from plateguard import schema


class _Unbound:
    table_name = "unbound"
    region = "us-west-2"
    host: str | None = None


def _projection(spec: schema.TableSpec, index_name: str) -> Projection:
    index = next(i for i in spec.indexes if i.name == index_name)
    if index.include is None:
        return AllProjection()
    return IncludeProjection(list(index.include)) if index.include else KeysOnlyProjection()


def write_clock() -> float:
    """Seconds since the epoch at a write: the index keys' "now" (tests replace it with their clock)."""
    return time.time()


class _SweepIndexed:
    """Fills the retention sweeper's index keys (plateguard.schema EXPIRY_INDEX, AGE_INDEX) on every write,
    put or batch put, so no writer can forget them: the hour the item falls due (or the hour of writing,
    when its expiry has already passed), and for age-indexed tables the hour and second it was written."""

    _age_indexed = False

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        now = write_clock()
        expires = getattr(self, schema.TTL_ATTRIBUTE, None)
        if expires is not None:
            setattr(self, schema.EXPIRY_BUCKET, schema.time_bucket(max(float(expires), now)))
        if self._age_indexed and getattr(self, schema.AGE_SINCE, None) is None:
            setattr(self, schema.AGE_SINCE, int(now))
            setattr(self, schema.AGE_BUCKET, schema.time_bucket(now))
        result: dict[str, dict[str, Any]] = super().serialize(null_check)  # type: ignore[misc]
        return result


class ReadsByExpiry(GlobalSecondaryIndex["ReadItem"]):
    class Meta:
        index_name = schema.EXPIRY_INDEX
        projection = _projection(schema.READS, schema.EXPIRY_INDEX)

    expiry_bucket = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class ReadsByAge(GlobalSecondaryIndex["ReadItem"]):
    class Meta:
        index_name = schema.AGE_INDEX
        projection = _projection(schema.READS, schema.AGE_INDEX)

    age_bucket = UnicodeAttribute(hash_key=True)
    age_since = NumberAttribute(range_key=True)


class ReadsByCamera(GlobalSecondaryIndex["ReadItem"]):
    class Meta:
        index_name = schema.READS.indexes[0].name
        projection = AllProjection()

    camera_pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ReadsByDay(GlobalSecondaryIndex["ReadItem"]):
    class Meta:
        index_name = schema.READS.indexes[1].name
        projection = AllProjection()

    day_pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ReadsById(GlobalSecondaryIndex["ReadItem"]):
    class Meta:
        index_name = schema.READS.indexes[2].name
        projection = AllProjection()

    read_id = UnicodeAttribute(hash_key=True)


class ReadItem(_SweepIndexed, Model):
    class Meta(_Unbound):
        pass

    _age_indexed = True  # crops are kept by age

    pk = UnicodeAttribute(hash_key=True)  # AGENCY#PLATE
    sk = UnicodeAttribute(range_key=True)  # CAPTURED_AT#READ_ID
    camera_pk = UnicodeAttribute()  # AGENCY#CAMERA
    day_pk = UnicodeAttribute()  # AGENCY#YYYY-MM-DD
    read_id = UnicodeAttribute()
    agency = UnicodeAttribute()
    camera_id = UnicodeAttribute()
    captured_at = UTCDateTimeAttribute()
    plate = UnicodeAttribute()
    raw_text = UnicodeAttribute()
    confidence = NumberAttribute()
    char_confidences = ListAttribute(of=NumberAttribute, default=list)
    alternatives = JSONAttribute(default=list)
    box = ListAttribute(of=NumberAttribute)
    crop_key = UnicodeAttribute()
    source_key = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    heading = NumberAttribute(null=True)
    low_confidence = BooleanAttribute(default=False)
    hit = BooleanAttribute(default=False)
    expires_at = NumberAttribute()
    expiry_bucket = UnicodeAttribute(null=True)
    age_bucket = UnicodeAttribute(null=True)  # removed by the sweeper once the crop's age pass is done
    age_since = NumberAttribute(null=True)

    by_camera = ReadsByCamera()
    by_day = ReadsByDay()
    by_id = ReadsById()
    by_expiry = ReadsByExpiry()
    by_age = ReadsByAge()


class ImagesByExpiry(GlobalSecondaryIndex["ImageItem"]):
    class Meta:
        index_name = schema.EXPIRY_INDEX
        projection = _projection(schema.IMAGES, schema.EXPIRY_INDEX)

    expiry_bucket = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class ImagesByAge(GlobalSecondaryIndex["ImageItem"]):
    class Meta:
        index_name = schema.AGE_INDEX
        projection = _projection(schema.IMAGES, schema.AGE_INDEX)

    age_bucket = UnicodeAttribute(hash_key=True)
    age_since = NumberAttribute(range_key=True)


class ImageItem(_SweepIndexed, Model):
    class Meta(_Unbound):
        pass

    _age_indexed = True  # frames are kept by age

    # The outcome's id: `object_ref(bucket, key, version)` (dal/repositories.py) for one object version,
    # or the bare key for the key's latest outcome (a copy kept for readers that know only the key).
    source_key = UnicodeAttribute(hash_key=True)
    object_key = UnicodeAttribute(null=True)
    version_id = UnicodeAttribute(null=True)
    bucket = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute()
    processed_at = UTCDateTimeAttribute()
    agency = UnicodeAttribute(null=True)
    camera_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    quarantine_key = UnicodeAttribute(null=True)
    read_ids = ListAttribute(of=UnicodeAttribute, default=list)
    alert_ids = ListAttribute(of=UnicodeAttribute, default=list)
    expires_at = NumberAttribute()
    expiry_bucket = UnicodeAttribute(null=True)
    age_bucket = UnicodeAttribute(null=True)  # removed by the sweeper once the frame's age pass is done
    age_since = NumberAttribute(null=True)

    by_expiry = ImagesByExpiry()
    by_age = ImagesByAge()


class CameraItem(Model):
    class Meta(_Unbound):
        pass

    agency = UnicodeAttribute(hash_key=True)
    camera_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    active = BooleanAttribute(default=True)
    region = UnicodeAttribute(null=True)
    heading = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)  # CameraStatus; absent on cameras written before registration
    certificate_id = UnicodeAttribute(null=True)
    registered_at = UTCDateTimeAttribute(null=True)
    registered_by = UnicodeAttribute(null=True)
    retired_at = UTCDateTimeAttribute(null=True)
    retired_by = UnicodeAttribute(null=True)


class HotListByExpiry(GlobalSecondaryIndex["HotListItem"]):
    class Meta:
        index_name = schema.EXPIRY_INDEX
        projection = _projection(schema.HOTLIST, schema.EXPIRY_INDEX)

    expiry_bucket = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class HotListItem(_SweepIndexed, Model):
    class Meta(_Unbound):
        pass

    agency = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)  # LIST#PLATE
    list_name = UnicodeAttribute()
    plate = UnicodeAttribute()
    list_type = UnicodeAttribute()
    priority = UnicodeAttribute()
    reason = UnicodeAttribute()
    case_number = UnicodeAttribute()
    state = UnicodeAttribute(null=True)
    entered_by = UnicodeAttribute(null=True)
    entered_at = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    expiry_bucket = UnicodeAttribute(null=True)

    by_expiry = HotListByExpiry()


class AlertsByExpiry(GlobalSecondaryIndex["AlertItem"]):
    class Meta:
        index_name = schema.EXPIRY_INDEX
        projection = _projection(schema.ALERTS, schema.EXPIRY_INDEX)

    expiry_bucket = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class AlertItem(_SweepIndexed, Model):
    class Meta(_Unbound):
        pass

    agency = UnicodeAttribute(hash_key=True)
    alert_id = UnicodeAttribute(range_key=True)
    read_id = UnicodeAttribute()
    plate = UnicodeAttribute()
    list_name = UnicodeAttribute()
    list_type = UnicodeAttribute()
    priority = UnicodeAttribute()
    reason = UnicodeAttribute()
    case_number = UnicodeAttribute()
    camera_id = UnicodeAttribute()
    camera_name = UnicodeAttribute()
    captured_at = UTCDateTimeAttribute()
    confidence = NumberAttribute()
    match_quality = UnicodeAttribute()
    crop_key = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    differing_positions = ListAttribute(of=NumberAttribute, default=list)
    listed_plate = UnicodeAttribute(null=True)
    suppressed_repeats = NumberAttribute(default=0)
    historical = BooleanAttribute(default=False)
    region = UnicodeAttribute(null=True)
    dispositions = JSONAttribute(default=list)  # [{disposition, by, at, note}], oldest first
    disposition_version = NumberAttribute(default=0)  # optimistic lock: one writer per change
    last_repeat_read_id = UnicodeAttribute(null=True)
    publish_claimed_at = NumberAttribute(null=True)  # epoch seconds of the publish claim (status publishing)
    expires_at = NumberAttribute()
    expiry_bucket = UnicodeAttribute(null=True)

    by_expiry = AlertsByExpiry()


class UsersByAgency(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = schema.USERS.indexes[0].name
        projection = AllProjection()

    agency = UnicodeAttribute(hash_key=True)
    principal_arn = UnicodeAttribute(range_key=True)


class UserItem(Model):
    class Meta(_Unbound):
        pass

    principal_arn = UnicodeAttribute(hash_key=True)
    agency = UnicodeAttribute()
    username = UnicodeAttribute()
    role = UnicodeAttribute()
    status = UnicodeAttribute()
    training_completed_at = UTCDateTimeAttribute(null=True)
    approved_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    last_activity_at = UTCDateTimeAttribute(null=True)
    full_name = UnicodeAttribute(null=True)

    by_agency = UsersByAgency()


class AuditByAgencyTime(GlobalSecondaryIndex["AuditItem"]):
    class Meta:
        index_name = schema.AUDIT.indexes[0].name
        projection = AllProjection()

    audit_agency = UnicodeAttribute(hash_key=True)
    audit_position = UnicodeAttribute(range_key=True)


class AuditItem(Model):
    class Meta(_Unbound):
        pass

    agency = UnicodeAttribute(hash_key=True)  # the chain: "{agency}/{writer}" ("_unregistered/..." too)
    seq = UnicodeAttribute(range_key=True)  # zero-padded so string order is numeric order
    event_hash = UnicodeAttribute()
    previous_hash = UnicodeAttribute()
    record = UnicodeAttribute()  # canonical JSON whose SHA-256 is event_hash
    audit_agency = UnicodeAttribute(null=True)  # the agency the chain belongs to (index key)
    audit_position = UnicodeAttribute(null=True)  # "{eventTime}#{chain}#{seq}": time order across chains
    by_agency_time = AuditByAgencyTime()


class HotListsItem(Model):
    class Meta(_Unbound):
        pass

    agency = UnicodeAttribute(hash_key=True)
    list_name = UnicodeAttribute(range_key=True)
    list_type = UnicodeAttribute()
    owner = UnicodeAttribute()
    priority = UnicodeAttribute()
    max_entry_days = NumberAttribute()
    description = UnicodeAttribute(default="")
    retired_at = UTCDateTimeAttribute(null=True)  # a deleted list is retired: kept as a record, never matched


# Model class for each table spec; tests check the keys agree with plateguard.schema.
MODELS_BY_TABLE: dict[str, type[Model]] = {
    schema.READS.logical_id: ReadItem,
    schema.IMAGES.logical_id: ImageItem,
    schema.CAMERAS.logical_id: CameraItem,
    schema.HOTLIST.logical_id: HotListItem,
    schema.ALERTS.logical_id: AlertItem,
    schema.HOTLISTS.logical_id: HotListsItem,
    schema.USERS.logical_id: UserItem,
    schema.AUDIT.logical_id: AuditItem,
}


def bind_tables(table_names: dict[str, str], region: str, host: str | None) -> None:
    """Point each model at its table (logical id -> physical name) and endpoint."""
    for logical_id, model in MODELS_BY_TABLE.items():
        if logical_id not in table_names:
            continue
        model.Meta.table_name = table_names[logical_id]
        model.Meta.region = region
        model.Meta.host = host
        model._connection = None  # drop a connection cached for a previous binding


class HoldItem(Model):
    class Meta(_Unbound):
        pass

    agency = UnicodeAttribute(hash_key=True)
    hold_id = UnicodeAttribute(range_key=True)
    case_number = UnicodeAttribute()
    reason = UnicodeAttribute()
    placed_by = UnicodeAttribute()
    placed_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    read_ids = ListAttribute(of=UnicodeAttribute, default=list)
    object_keys = ListAttribute(of=UnicodeAttribute, default=list)  # crops and images of the held reads
    original_expiry = JSONAttribute(default=dict)  # read_id -> expires_at before the hold, restored on release
    status = UnicodeAttribute()  # active | released
    released_at = UTCDateTimeAttribute(null=True)
    released_by = UnicodeAttribute(null=True)


MODELS_BY_TABLE[schema.HOLDS.logical_id] = HoldItem


class ReviewItem(Model):
    """A search-audit batch or one sampled search (see plateguard.dal.reviews for the body)."""

    class Meta(_Unbound):
        pass

    agency = UnicodeAttribute(hash_key=True)
    review_key = UnicodeAttribute(range_key=True)  # BATCH#<period> | ITEM#<period>#<nnnn>
    kind = UnicodeAttribute()  # batch | item
    batch_id = UnicodeAttribute()
    status = UnicodeAttribute(null=True)  # items: pending | justified | unjustified
    assignee = UnicodeAttribute(null=True)
    due_at = UTCDateTimeAttribute(null=True)
    body = JSONAttribute()  # the whole Batch / Review, ISO datetimes


MODELS_BY_TABLE[schema.REVIEWS.logical_id] = ReviewItem


class SubscriptionItem(Model):
    """An alert subscription and its owner (plateguard.dal.subscriptions)."""

    class Meta(_Unbound):
        pass

    agency = UnicodeAttribute(hash_key=True)
    subscription_id = UnicodeAttribute(range_key=True)
    subscription_arn = UnicodeAttribute()
    owner_arn = UnicodeAttribute()
    owner_username = UnicodeAttribute()
    protocol = UnicodeAttribute()
    endpoint = UnicodeAttribute()
    filter_policy = JSONAttribute(default=dict)
    created_at = UTCDateTimeAttribute()


MODELS_BY_TABLE[schema.SUBSCRIPTIONS.logical_id] = SubscriptionItem
