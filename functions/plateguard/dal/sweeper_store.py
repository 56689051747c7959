"""Storage side of the retention sweeper: the expiry and age indexes, object destruction, the destruction log.

Every read here is a Query of one hour of an index (plateguard.schema EXPIRY_INDEX, AGE_INDEX) for what
is due: nothing is scanned and no bucket is listed, so a sweep's cost follows what falls due.
"""

from __future__ import annotations

import contextvars
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.models import Model

from plateguard.dal.tables import AlertItem, HotListItem, ImageItem, ReadItem
from plateguard.logic.sweeper import AgedItem, ExpiredItem
from plateguard.schema import DESTRUCTION_LOG_PREFIX, time_bucket

LIST_CONCURRENCY = 16  # version listings in flight at once (a boto3 client is thread-safe)
_MODELS: dict[str, type[Model]] = {
    "reads": ReadItem,
    "alerts": AlertItem,
    "hotlist_entries": HotListItem,
    "image_records": ImageItem,
}


def _key(model: type[Model], item: Any) -> tuple[Any, ...]:
    """The item's primary key (whatever the table's key is: the index projects it)."""
    names = [model._hash_keyname, model._range_keyname]
    return tuple(getattr(item, name) for name in names if name)


def _frame_objects(item: Any) -> tuple[str, ...]:
    """The frame an image-outcome record is about (its object key) and its quarantine copy, if any."""
    frame = getattr(item, "object_key", None) or item.source_key
    return tuple(key for key in (frame, item.quarantine_key) if key)


def _expired_item(source: str, model: type[Model], item: Any) -> ExpiredItem:
    key, expires_at = _key(model, item), int(item.expires_at)
    if source == "reads":
        item_class = "hit_reads" if item.hit else "non_hit_reads"
        return ExpiredItem(source, item_class, key, expires_at, read_ids=(item.read_id,), objects=(item.crop_key,))
    if source == "alerts":
        return ExpiredItem(source, "alerts", key, expires_at, read_ids=(item.read_id,))
    if source == "hotlist_entries":
        return ExpiredItem(source, "hotlist_entries", key, expires_at)
    # A frame never outlives the record of what became of it: the record's deletion takes it too.
    read_ids = tuple(item.read_ids or ())
    return ExpiredItem(source, "image_records", key, expires_at, read_ids=read_ids, objects=_frame_objects(item))


def _aged_item(source: str, model: type[Model], item: Any) -> AgedItem:
    key, since = _key(model, item), int(item.age_since)
    if source == "reads":
        return AgedItem(source, key, since, (item.crop_key,), read_ids=(item.read_id,), hit=bool(item.hit))
    return AgedItem(source, key, since, _frame_objects(item), read_ids=tuple(item.read_ids or ()))


class DynamoSweepStore:
    """Implements plateguard.logic.sweeper.SweepStore with pynamodb, on the tables' sweeper indexes."""

    def due(self, source: str, bucket: str, now_epoch: int, limit: int, cursor: Any) -> tuple[list[ExpiredItem], Any]:
        model = _MODELS[source]
        results = model.by_expiry.query(  # type: ignore[attr-defined]
            bucket,
            model.expires_at <= now_epoch,  # type: ignore[attr-defined]
            limit=limit,
            page_size=limit,
            last_evaluated_key=cursor,
        )
        items = [_expired_item(source, model, item) for item in results]
        return items, results.last_evaluated_key

    def delete(self, items: list[ExpiredItem], now_epoch: int) -> list[ExpiredItem]:
        deleted: list[ExpiredItem] = []
        for item in items:
            model = _MODELS[item.source]
            try:
                # Conditional: an item whose expiry moved since the query (a legal hold) is left alone.
                model(*item.key).delete(condition=model.expires_at <= now_epoch)  # type: ignore[attr-defined]
            except DeleteError as exc:
                if exc.cause_response_code == "ConditionalCheckFailedException":
                    continue
                raise
            deleted.append(item)
        return deleted

    def aged(self, source: str, bucket: str, cutoff_epoch: int, limit: int, cursor: Any) -> tuple[list[AgedItem], Any]:
        model = _MODELS[source]
        results = model.by_age.query(  # type: ignore[attr-defined]
            bucket,
            model.age_since <= cutoff_epoch,  # type: ignore[attr-defined]
            limit=limit,
            page_size=limit,
            last_evaluated_key=cursor,
        )
        items = [_aged_item(source, model, item) for item in results]
        return items, results.last_evaluated_key

    def done_aging(self, items: list[AgedItem]) -> None:
        """Take each item out of the age index (its objects are gone, or go with it): the index is sparse."""
        for item in items:
            model = _MODELS[item.source]
            bucket = model.age_bucket  # type: ignore[attr-defined]
            try:
                # Conditional: never recreate an item the items pass deleted meanwhile.
                model(*item.key).update(actions=[bucket.remove()], condition=bucket.exists())
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise


def backfill_expiry_index(now_epoch: float) -> dict[str, int]:
    """Give every item written before the expiry index its `expiry_bucket` (a one-off after an upgrade:
    the only full scan here, never part of a sweep). Returns how many items of each source were updated."""
    updated: dict[str, int] = {}
    for source, model in _MODELS.items():
        bucket_attribute = model.expiry_bucket  # type: ignore[attr-defined]
        count = 0
        for item in model.scan(bucket_attribute.does_not_exist()):
            if item.expires_at is None:  # type: ignore[attr-defined]
                continue  # no expiry: nothing for the sweeper (readers refuse it)
            bucket = time_bucket(max(float(item.expires_at), now_epoch))  # type: ignore[attr-defined]
            try:
                model(*_key(model, item)).update(
                    actions=[bucket_attribute.set(bucket)],
                    condition=bucket_attribute.does_not_exist(),
                )
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
                continue
            count += 1
        updated[source] = count
    return updated


class S3SweepObjects:
    """Implements plateguard.logic.sweeper.ObjectStore on the images bucket (versioned), by key."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def destroy(self, keys: list[str]) -> None:
        """Delete every version and delete marker, so a versioned bucket keeps nothing to restore.

        Each key's versions are listed by the key itself (several at once: the calls wait on the network),
        then deleted 1,000 to a call."""
        unique = list(dict.fromkeys(keys))  # a frame several reads came from is named once
        # Each listing runs in a copy of this thread's context: a new thread starts with an empty one, and
        # what the context carries (local mode's record of who makes each AWS call) must follow the work.
        contexts = [contextvars.copy_context() for _ in unique]
        with ThreadPoolExecutor(max_workers=min(LIST_CONCURRENCY, len(unique) or 1)) as pool:
            found = pool.map(lambda context, key: context.run(self._versions, key), contexts, unique)
            targets = [target for versions in found for target in versions]
        # Nothing found: nothing to delete (a plain delete would only add a delete marker).
        for start in range(0, len(targets), 1000):
            self._s3.delete_objects(
                Bucket=self._bucket, Delete={"Objects": targets[start : start + 1000], "Quiet": True}
            )

    def _versions(self, key: str) -> list[dict[str, str]]:
        targets: list[dict[str, str]] = []
        for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=self._bucket, Prefix=key):
            for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if version["Key"] == key:
                    targets.append({"Key": key, "VersionId": version["VersionId"]})
        return targets


class S3DestructionLog:
    """Destruction log entries in the audit bucket (Object Lock: they cannot be altered or removed)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def write(self, entry: dict[str, Any]) -> None:
        stamp = str(entry.get("started_at", "")).replace(":", "")
        key = f"{DESTRUCTION_LOG_PREFIX}{stamp[:10]}/{stamp}-{uuid.uuid4().hex[:8]}.json"
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(entry, sort_keys=True).encode(),
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",  # Object Lock requires an integrity checksum on PUT
        )

    def entries(self) -> Iterator[dict[str, Any]]:
        for page in self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=DESTRUCTION_LOG_PREFIX
        ):
            for obj in page.get("Contents", []):
                body = self._s3.get_object(Bucket=self._bucket, Key=obj["Key"])["Body"].read()
                yield dict(json.loads(body))
