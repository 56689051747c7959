"""Read-side queries for the officer API (implements plateguard.logic.search.ReadSource)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from plateguard.dal.repositories import camera_pk, read_pk, readable_read
from plateguard.dal.tables import ReadItem
from plateguard.logic.search import Partition
from plateguard.models.records import PlateReadRecord

_PAGE_SIZE = 200


def _sk_bound(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class DynamoReadSource:
    def query(
        self,
        agency: str,
        partition: Partition,
        since: datetime | None,
        until: datetime | None,
        start_key: dict[str, str] | None,
    ) -> Iterator[tuple[PlateReadRecord, dict[str, str]]]:
        # sk = CAPTURED_AT#READ_ID, so [since, until) is a range on the sort key of every access path.
        condition = None
        if since is not None and until is not None:
            condition = ReadItem.sk.between(_sk_bound(since), _sk_bound(until))
        last_key = {name: {"S": value} for name, value in start_key.items()} if start_key else None
        options: dict[str, Any] = {
            "range_key_condition": condition,
            "scan_index_forward": False,
            "last_evaluated_key": last_key,
            "page_size": _PAGE_SIZE,
        }
        if partition.kind == "plate":
            items = ReadItem.query(read_pk(agency, partition.value), **options)
            key_names: tuple[str, ...] = ("pk", "sk")
        elif partition.kind == "camera":
            items = ReadItem.by_camera.query(camera_pk(agency, partition.value), **options)
            key_names = ("camera_pk", "sk", "pk")
        else:
            items = ReadItem.by_day.query(f"{agency}#{partition.value}", **options)
            key_names = ("day_pk", "sk", "pk")
        for item in items:
            read = readable_read(item)  # an item without expiry is skipped (logged), never returned
            if read is not None:
                # The resume key is this item's own key: a later page starts right after it.
                yield read, {name: str(getattr(item, name)) for name in key_names}

    def by_id(self, read_id: str) -> list[PlateReadRecord]:
        return [read for item in ReadItem.by_id.query(read_id) if (read := readable_read(item)) is not None]


class S3CropUrls:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def presign(self, key: str, expires_seconds: int) -> str:
        return str(
            self._s3.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_seconds
            )
        )


class KmsMacKey:
    """Derives the pagination-token key from a KMS HMAC key: one GenerateMac per container."""

    LABEL = b"plateguard/pagination-token/v1"

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    def derive(self) -> bytes:
        response = self._kms.generate_mac(KeyId=self._key_id, Message=self.LABEL, MacAlgorithm="HMAC_SHA_256")
        return bytes(response["Mac"])
