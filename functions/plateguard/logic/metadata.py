"""Capture metadata sent by cameras as S3 object metadata: captured-at, lat, lon, heading."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from plateguard.models.errors import RejectedImage
from plateguard.models.records import Camera, CaptureMetadata

# A camera clock may run a little ahead; anything further in the future is a bad timestamp.
MAX_CLOCK_SKEW = timedelta(minutes=5)


def parse_capture_metadata(metadata: dict[str, str], camera: Camera, now: datetime) -> CaptureMetadata:
    """Validate the metadata; lat/lon fall back to the registered camera location when absent."""
    raw_time = metadata.get("captured-at")
    if not raw_time:
        raise RejectedImage("missing_metadata", "object metadata 'captured-at' (ISO 8601) is required")
    try:
        captured_at = datetime.fromisoformat(raw_time.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RejectedImage("invalid_metadata", f"'captured-at' {raw_time!r} is not ISO 8601") from exc
    if captured_at.tzinfo is None:
        raise RejectedImage("invalid_metadata", f"'captured-at' {raw_time!r} has no time zone")
    captured_at = captured_at.astimezone(UTC)
    if captured_at > now + MAX_CLOCK_SKEW:
        raise RejectedImage("invalid_metadata", f"'captured-at' {raw_time} is in the future")

    has_lat, has_lon = "lat" in metadata, "lon" in metadata
    if has_lat != has_lon:
        raise RejectedImage("invalid_metadata", "'lat' and 'lon' must be given together")
    lat = _number(metadata, "lat", -90, 90) if has_lat else camera.lat
    lon = _number(metadata, "lon", -180, 180) if has_lon else camera.lon
    heading = _number(metadata, "heading", 0, 360) if "heading" in metadata else None
    return CaptureMetadata(captured_at=captured_at, lat=lat, lon=lon, heading=heading)


def _number(metadata: dict[str, str], name: str, low: float, high: float) -> float:
    try:
        value = float(metadata[name])
    except ValueError as exc:
        raise RejectedImage("invalid_metadata", f"'{name}' {metadata[name]!r} is not a number") from exc
    if not math.isfinite(value) or not low <= value <= high:
        raise RejectedImage("invalid_metadata", f"'{name}' {value} is outside [{low}, {high}]")
    return value
