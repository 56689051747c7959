"""Audit trail storage: the DynamoDB chains (conditional appends, an index by agency and time), the S3
Object Lock archive (records and signed digests, read version by version), and the KMS digest key."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError

from plateguard.dal.tables import AuditItem
from plateguard.logic.audit_chain import ArchivedVersion, ChainEntry, chain_agency, format_seq, is_chain_id
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
            audit_agency=chain_agency(entry.chain),
            audit_position=entry.position,
        )
        try:
            # The sort key is the chain position: only one writer can ever claim it.
            item.save(condition=AuditItem.seq.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise AuditChainConflict(f"{entry.chain} #{entry.seq} already written") from exc
            raise

    def entries(
        self, chain: str, newest_first: bool = False, after_seq: int | None = None, after: str | None = None
    ) -> Iterator[ChainEntry]:
        if not is_chain_id(chain):
            if after_seq is not None:
                raise ValueError("an agency's records are paged by position (after=), not by sequence number")
            yield from self._agency_entries(chain, newest_first, after)
            return
        condition = None
        if after_seq is not None:
            bound = format_seq(after_seq)
            condition = AuditItem.seq < bound if newest_first else AuditItem.seq > bound
        for item in AuditItem.query(
            chain, range_key_condition=condition, scan_index_forward=not newest_first, consistent_read=True
        ):
            yield _entry(item)

    def _agency_entries(self, agency: str, newest_first: bool, after: str | None) -> Iterator[ChainEntry]:
        # The index is eventually consistent (milliseconds): fine for lookups by time, while writers
        # and the verifier read the chains themselves with consistent reads.
        condition = None
        if after is not None:
            condition = AuditItem.audit_position < after if newest_first else AuditItem.audit_position > after
        for item in AuditItem.by_agency_time.query(
            agency, range_key_condition=condition, scan_index_forward=not newest_first
        ):
            yield _entry(item)

    def chains(self) -> list[str]:
        # A full scan of keys only: used by `plateguard audit verify` and a first digest, never on the request path.
        return sorted({item.agency for item in AuditItem.scan(attributes_to_get=["agency", "seq"])})

    def active_chains(self, agency: str, since: str) -> set[str]:
        """Chains of `agency` with a record positioned at or after `since` (an ISO time), from the index."""
        found: set[str] = set()
        for item in AuditItem.by_agency_time.query(
            agency, range_key_condition=AuditItem.audit_position >= since, attributes_to_get=["agency", "seq"]
        ):
            found.add(item.agency)
        return found


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

    def put_new(self, key: str, body: str) -> bool:
        """Write `key` only if no object is there (a digest is never replaced); False if one is."""
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body.encode("utf-8"),
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return False
            raise
        return True

    def keys(self, chain: str) -> Iterator[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"{chain}/"):
            for obj in page.get("Contents", []):
                yield str(obj["Key"])

    def versions(self, prefix: str) -> Iterator[ArchivedVersion]:
        """Every version and delete marker under `prefix`: what a plain listing hides, the verifier sees."""
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            for kind, marker in (("Versions", False), ("DeleteMarkers", True)):
                for obj in page.get(kind, []):
                    modified = obj.get("LastModified")
                    yield ArchivedVersion(
                        key=str(obj["Key"]),
                        version_id=None if obj.get("VersionId") in (None, "null") else str(obj["VersionId"]),
                        delete_marker=marker,
                        last_modified=modified if isinstance(modified, datetime) else None,
                    )

    def get(self, key: str, version_id: str | None = None) -> str | None:
        extra = {"VersionId": version_id} if version_id else {}
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key, **extra)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchVersion"):
                return None
            raise
        return bytes(response["Body"].read()).decode("utf-8")


# ECDSA over P-256: a small key and signature, the algorithm CloudTrail's digests use for the same job.
DIGEST_SIGNING_ALGORITHM = "ECDSA_SHA_256"


class KmsDigestSigner:
    """Signs digests with the asymmetric KMS key only the digest job's role may sign with."""

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self.key_id = key_id
        self.algorithm = DIGEST_SIGNING_ALGORITHM

    def sign(self, message: bytes) -> tuple[str, bytes]:
        """(the key's ARN, the signature)."""
        response = self._kms.sign(
            KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=self.algorithm
        )
        return str(response["KeyId"]), bytes(response["Signature"])


class KmsSignatureVerifier:
    """kms:Verify: the private key never leaves KMS, and the verifier needs no key material of its own."""

    def __init__(self, kms: Any) -> None:
        self._kms = kms

    def verify(self, key_id: str, message: bytes, signature: bytes, algorithm: str) -> bool:
        try:
            response = self._kms.verify(
                KeyId=key_id, Message=message, MessageType="RAW", Signature=signature, SigningAlgorithm=algorithm
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("KMSInvalidSignatureException", "ValidationException"):
                return False
            raise
        return bool(response.get("SignatureValid"))


def decode_signature(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None
