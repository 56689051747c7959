"""S3 access for ingest: fetch uploads, store crops, copy rejects to quarantine."""

from __future__ import annotations

import contextlib
import string
from typing import Any
from urllib.parse import quote, unquote

from botocore.exceptions import ClientError

from plateguard.logic.events import ETAG_VERSION_PREFIX
from plateguard.logic.ingest import StoredObject
from plateguard.schema import INCOMING_PREFIX, QUARANTINE_PREFIX

# S3 user metadata is ASCII only (botocore refuses anything else), and keys may hold any Unicode: values
# are percent-encoded (UTF-8; printable ASCII other than '%' kept as is) and marked so readers decode them.
_METADATA_SAFE = "".join(c for c in string.printable if c not in "%\t\n\r\x0b\x0c")
METADATA_ENCODING = "percent-utf8"


def encode_metadata_value(value: str) -> str:
    return quote(value, safe=_METADATA_SAFE)


def decode_metadata_value(value: str) -> str:
    return unquote(value)


def _not_found(exc: ClientError) -> bool:
    # 412: the key no longer holds the content the notification announced (a later upload replaced it).
    codes = ("404", "NoSuchKey", "NotFound", "NoSuchVersion", "412", "PreconditionFailed")
    return exc.response.get("Error", {}).get("Code") in codes


def quarantine_key_for(key: str) -> str:
    relative = key[len(INCOMING_PREFIX) :] if key.startswith(INCOMING_PREFIX) else key
    return f"{QUARANTINE_PREFIX}{relative}"


class S3ObjectStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    def _version(self, version_id: str | None, prefix: str = "") -> dict[str, str]:
        # "null" is the version of an object written while versioning was off: the plain key reads it.
        # An `etag-` version names content, not a version: read the key only while it still holds it.
        if not version_id or version_id == "null":
            return {}
        if version_id.startswith(ETAG_VERSION_PREFIX):
            etag = version_id[len(ETAG_VERSION_PREFIX) :].strip('"')
            return {f"{prefix}IfMatch": f'"{etag}"'}  # quoted, as HTTP writes entity tags
        return {"VersionId": version_id}

    def get(self, key: str, version_id: str | None = None) -> StoredObject | None:
        """The object version the notification named (a later upload to the same key is its own frame).

        One GET, no HEAD: its headers give the size and metadata, and the body is streamed only when read,
        so an object over the size limit is refused without being downloaded (the stream is closed)."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key, **self._version(version_id))
        except ClientError as exc:
            if _not_found(exc):
                return None
            raise
        stream = response["Body"]

        def body() -> bytes:
            with contextlib.closing(stream):
                return bytes(stream.read())

        return StoredObject(
            key=key,
            size=int(response["ContentLength"]),
            metadata={k.lower(): v for k, v in response.get("Metadata", {}).items()},
            body=body,
            discard=stream.close,
        )

    def put_crop(self, key: str, data: bytes) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType="image/jpeg")

    def quarantine_target(self, key: str) -> str:
        return quarantine_key_for(key)

    def quarantine(self, key: str, reason: str, detail: str, version_id: str | None = None) -> str:
        """Copy the object under quarantine/ with the reason in its metadata; return the new key.

        The original is left under incoming/: the ingest role may not delete objects (only the retention
        sweeper destroys images, each destruction in its WORM log), and both copies expire on the same
        clock (images lifecycle and the sweeper's age pass cover incoming/ and quarantine/ alike)."""
        target = quarantine_key_for(key)
        source = {"Bucket": self._bucket, "Key": key}
        version = self._version(version_id, prefix="CopySource")
        if "VersionId" in version:
            source["VersionId"] = version.pop("VersionId")
        self._s3.copy_object(
            Bucket=self._bucket,
            Key=target,
            CopySource=source,
            **version,
            Metadata={
                "quarantine-reason": encode_metadata_value(reason),
                "quarantine-detail": encode_metadata_value(detail[:1000]),
                "source-key": encode_metadata_value(key),
                "source-version": encode_metadata_value(version_id or "null"),
                "metadata-encoding": METADATA_ENCODING,
            },
            MetadataDirective="REPLACE",
        )
        return target
