"""S3 event notifications as delivered through SQS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote_plus

ETAG_VERSION_PREFIX = "etag-"


class MalformedNotification(ValueError):
    """The SQS body is not an S3 notification: the message fails and, after retries, lands in the DLQ."""


@dataclass(frozen=True)
class S3ObjectRef:
    """One created object version, as the notification names it."""

    key: str
    # S3's version id; where the notification has none (an unversioned bucket, or moto in local mode),
    # `etag-<ETag>`: the content it announced, so a re-upload to the same key is still a new frame.
    version_id: str | None = None
    bucket: str | None = None


def s3_keys_from_message(body: str) -> list[str]:
    """Object keys created, URL-decoded (S3 sends `a+b%2Fc` for `a b/c`). A test event yields none."""
    return [ref.key for ref in s3_objects_from_message(body)]


def s3_objects_from_message(body: str) -> list[S3ObjectRef]:
    """Object versions created (key URL-decoded, with the version id and bucket). A test event yields none."""
    try:
        message = json.loads(body)
    except json.JSONDecodeError as exc:
        raise MalformedNotification(f"SQS body is not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise MalformedNotification("SQS body is not a JSON object")
    if message.get("Event") == "s3:TestEvent":
        return []
    records = message.get("Records")
    if not isinstance(records, list):
        raise MalformedNotification("S3 notification has no Records list")
    refs = []
    for record in records:
        try:
            if not str(record["eventName"]).startswith("ObjectCreated"):
                continue
            s3 = record["s3"]
            version = s3["object"].get("versionId")
            if not version and s3["object"].get("eTag"):
                version = f"{ETAG_VERSION_PREFIX}{s3['object']['eTag']}"
            bucket = (s3.get("bucket") or {}).get("name")
            refs.append(
                S3ObjectRef(
                    unquote_plus(s3["object"]["key"]),
                    str(version) if version else None,
                    str(bucket) if bucket else None,
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedNotification(f"S3 record lacks {exc}") from exc
    return refs
