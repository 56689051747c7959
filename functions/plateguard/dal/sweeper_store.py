"""Storage side of the retention sweeper: expired DynamoDB items, aged S3 objects, the destruction log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DeleteError
from pynamodb.models import Model

from plateguard.dal.tables import AlertItem, HotListItem, ImageItem, ReadItem
from plateguard.logic.sweeper import AgedObject, ExpiredItem
from plateguard.schema import CROPS_PREFIX, INCOMING_PREFIX, QUARANTINE_PREFIX

DESTRUCTION_LOG_PREFIX = "_destruction/"  # in the audit bucket, beside the per-agency audit chains
_MODELS: dict[str, type[Model]] = {
    "reads": ReadItem,
    "alerts": AlertItem,
    "hotlist_entries": HotListItem,
    "image_records": ImageItem,
}
_OBJECT_PREFIXES = {"images": (INCOMING_PREFIX, QUARANTINE_PREFIX), "crops": (CROPS_PREFIX,)}


def _expired_item(source: str, item: Any) -> ExpiredItem:
    expires_at = int(item.expires_at)
    if source == "reads":
        return ExpiredItem(
            source,
            "hit_reads" if item.hit else "non_hit_reads",
            (item.pk, item.sk),
            expires_at,
            read_ids=(item.read_id,),
            objects=(item.crop_key,),
        )
    if source == "alerts":
        return ExpiredItem(source, "alerts", (item.agency, item.alert_id), expires_at, read_ids=(item.read_id,))
    if source == "hotlist_entries":
        return ExpiredItem(source, "hotlist_entries", (item.agency, item.entry_key), expires_at)
    return ExpiredItem(source, "image_records", (item.source_key,), expires_at, read_ids=tuple(item.read_ids or ()))


class DynamoSweepStore:
    """Implements plateguard.logic.sweeper.SweepStore with pynamodb."""

    def expired(self, source: str, now_epoch: int, limit: int, cursor: Any) -> tuple[list[ExpiredItem], Any]:
        model = _MODELS[source]
        results = model.scan(
            model.expires_at <= now_epoch,  # type: ignore[attr-defined]
            limit=limit,
            page_size=limit,
            last_evaluated_key=cursor,
        )
        items = [_expired_item(source, item) for item in results]
        return items, results.last_evaluated_key

    def delete(self, items: list[ExpiredItem], now_epoch: int) -> list[ExpiredItem]:
        deleted: list[ExpiredItem] = []
        for item in items:
            model = _MODELS[item.source]
            try:
                # Conditional: an item whose expiry moved since the scan (a legal hold) is left alone.
                model(*item.key).delete(condition=model.expires_at <= now_epoch)  # type: ignore[attr-defined]
            except DeleteError as exc:
                if exc.cause_response_code == "ConditionalCheckFailedException":
                    continue
                raise
            deleted.append(item)
        return deleted

    def live_hit_read_ids(self, read_ids: Iterable[str], now_epoch: int) -> set[str]:
        live: set[str] = set()
        for read_id in read_ids:
            for item in ReadItem.by_id.query(read_id):
                if item.hit and int(item.expires_at) > now_epoch:
                    live.add(read_id)
        return live


def _crop_read_id(key: str) -> str | None:
    # crops/{agency}/{camera}/{read_id}.jpg (plateguard.logic.ingest)
    name = key.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] or None


class S3SweepObjects:
    """Implements plateguard.logic.sweeper.ObjectStore on the images bucket (versioned)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def aged(self, object_class: str, cutoff: datetime, limit: int, cursor: Any) -> tuple[list[AgedObject], Any]:
        prefixes = _OBJECT_PREFIXES[object_class]
        index, token = cursor or (0, None)
        args: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefixes[index], "MaxKeys": limit}
        if token:
            args["ContinuationToken"] = token
        page = self._s3.list_objects_v2(**args)
        found = [
            AgedObject(
                obj["Key"],
                obj["LastModified"],
                _crop_read_id(obj["Key"]) if object_class == "crops" else None,
            )
            for obj in page.get("Contents", [])
            if obj["LastModified"] <= cutoff
        ]
        if page.get("IsTruncated"):
            return found, (index, page["NextContinuationToken"])
        return found, ((index + 1, None) if index + 1 < len(prefixes) else None)

    def destroy(self, keys: list[str]) -> None:
        """Delete every version and delete marker, so a versioned bucket keeps nothing to restore."""
        for key in keys:
            targets: list[dict[str, str]] = []
            for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=self._bucket, Prefix=key):
                for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                    if version["Key"] == key:
                        targets.append({"Key": key, "VersionId": version["VersionId"]})
            if not targets:
                targets = [{"Key": key}]
            for start in range(0, len(targets), 1000):
                self._s3.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": targets[start : start + 1000], "Quiet": True}
                )


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
