"""Object key layout for camera uploads: incoming/{agency}/{camera_id}/{captured_at}-{uuid}.jpg."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from plateguard.models.errors import RejectedImage
from plateguard.schema import INCOMING_PREFIX

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_KEY = re.compile(
    rf"^{INCOMING_PREFIX}(?P<agency>{_SEGMENT})/(?P<camera_id>{_SEGMENT})/"
    r"(?P<stamp>\d{8}T\d{6}(?:\d{3})?Z)-(?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"\.(?P<ext>jpg|jpeg|png)$"
)


@dataclass(frozen=True)
class UploadKey:
    key: str
    agency: str
    camera_id: str
    key_time: datetime
    upload_id: str


def parse_upload_key(key: str) -> UploadKey:
    """Parse a camera upload key, or raise RejectedImage('malformed_key', ...)."""
    match = _KEY.match(key)
    if not match:
        raise RejectedImage(
            "malformed_key",
            f"key {key!r} does not follow incoming/{{agency}}/{{camera_id}}/{{YYYYMMDDTHHMMSSZ}}-{{uuid}}.jpg",
        )
    stamp = match["stamp"]
    try:
        fmt = "%Y%m%dT%H%M%S%fZ" if len(stamp) == 19 else "%Y%m%dT%H%M%SZ"
        key_time = datetime.strptime(stamp, fmt).replace(tzinfo=UTC)
    except ValueError as exc:
        raise RejectedImage("malformed_key", f"key timestamp {stamp!r} is not a valid time") from exc
    return UploadKey(key, match["agency"], match["camera_id"], key_time, match["uuid"].lower())


def build_upload_key(agency: str, camera_id: str, captured_at: datetime, upload_id: str, ext: str = "jpg") -> str:
    stamp = captured_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{INCOMING_PREFIX}{agency}/{camera_id}/{stamp}-{upload_id}.{ext}"
