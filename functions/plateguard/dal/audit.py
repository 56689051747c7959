"""Audit trail storage: the DynamoDB chain (conditional appends) and the S3 Object Lock archive."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError

from plateguard.dal.tables import AuditItem
from plateguard.logic.audit_chain import ChainEntry, format_seq
from plateguard.models.errors import AuditChainConflict


def _entry(item: AuditItem) -> ChainEntry:
    return ChainEntry(item.agency, int(item.seq), item.event_hash, item.previous_hash, item.record)


class DynamoAuditStore:
    def head(self, chain: str) -> ChainEntry | None:
        for item in AuditItem.query(chain, scan_index_forward=False, limit=1, consistent_read=True):
            return _entry(item)
        return None

    def append(self, entry: ChainEntry) -> None:
        item = AuditItem(
            entry.chain,
            format_seq(entry.seq),
            event_hash=entry.hash,
            previous_hash=entry.previous_hash,
            record=entry.body,
        )
        try:
            # The sort key is the chain position: only one writer can ever claim it.
            item.save(condition=AuditItem.seq.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise AuditChainConflict(f"{entry.chain} #{entry.seq} already written") from exc
            raise

    def entries(self, chain: str, newest_first: bool = False, after_seq: int | None = None) -> Iterator[ChainEntry]:
        condition = None
        if after_seq is not None:
            bound = format_seq(after_seq)
            condition = AuditItem.seq < bound if newest_first else AuditItem.seq > bound
        for item in AuditItem.query(
            chain, range_key_condition=condition, scan_index_forward=not newest_first, consistent_read=True
        ):
            yield _entry(item)

    def chains(self) -> list[str]:
        # A full scan of keys only: used by `plateguard audit verify`, never on the request path.
        return sorted({item.agency for item in AuditItem.scan(attributes_to_get=["agency", "seq"])})


class S3AuditArchive:
    """Write-once copies; the bucket's default retention (Object Lock, compliance mode) protects them."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, key: str, body: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body.encode("utf-8"),
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",  # Object Lock requires an integrity checksum on PUT
        )

    def keys(self, chain: str) -> Iterator[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"{chain}/"):
            for obj in page.get("Contents", []):
                yield str(obj["Key"])

    def get(self, key: str) -> str | None:
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return bytes(response["Body"].read()).decode("utf-8")
