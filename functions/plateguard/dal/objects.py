"""S3 access for ingest: fetch uploads, store crops, copy rejects to quarantine."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from plateguard.logic.ingest import StoredObject
from plateguard.schema import INCOMING_PREFIX, QUARANTINE_PREFIX


class S3ObjectStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def get(self, key: str) -> StoredObject | None:
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

        def body() -> bytes:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
            return bytes(response["Body"].read())

        return StoredObject(
            key=key,
            size=int(head["ContentLength"]),
            metadata={k.lower(): v for k, v in head.get("Metadata", {}).items()},
            body=body,
        )

    def put_crop(self, key: str, data: bytes) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType="image/jpeg")

    def quarantine(self, key: str, reason: str, detail: str) -> str:
        """Copy the object under quarantine/ with the reason in its metadata; return the new key.

        The original is left under incoming/: the ingest role may not delete objects (only the retention
        sweeper destroys images, each destruction in its WORM log), and both copies expire on the same
        clock (images lifecycle and the sweeper's age pass cover incoming/ and quarantine/ alike)."""
        relative = key[len(INCOMING_PREFIX) :] if key.startswith(INCOMING_PREFIX) else key
        target = f"{QUARANTINE_PREFIX}{relative}"
        self._s3.copy_object(
            Bucket=self._bucket,
            Key=target,
            CopySource={"Bucket": self._bucket, "Key": key},
            Metadata={"quarantine-reason": reason, "quarantine-detail": detail[:1000], "source-key": key},
            MetadataDirective="REPLACE",
        )
        return target
