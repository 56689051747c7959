"""S3 event notifications as delivered through SQS."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus


class MalformedNotification(ValueError):
    """The SQS body is not an S3 notification: the message fails and, after retries, lands in the DLQ."""


def s3_keys_from_message(body: str) -> list[str]:
    """Object keys created, URL-decoded (S3 sends `a+b%2Fc` for `a b/c`). A test event yields none."""
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
    keys = []
    for record in records:
        try:
            if not str(record["eventName"]).startswith("ObjectCreated"):
                continue
            keys.append(unquote_plus(record["s3"]["object"]["key"]))
        except (KeyError, TypeError) as exc:
            raise MalformedNotification(f"S3 record lacks {exc}") from exc
    return keys
