"""Input validation on the ingest path: keys, metadata, events, images, plates, retention."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from plateguard.logic.events import MalformedNotification, s3_keys_from_message
from plateguard.logic.imaging import decode_image, encode_jpeg, probe_image
from plateguard.logic.keys import build_upload_key, parse_upload_key
from plateguard.logic.metadata import parse_capture_metadata
from plateguard.logic.retention import expires_at_epoch, is_expired
from plateguard.models.errors import RejectedImage
from plateguard.models.plates import is_valid_plate, normalize_plate
from plateguard.models.records import Camera

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CAMERA = Camera("demo-pd", "cam-1", "Main St", 37.0, -122.0)
UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("abc 123", "ABC123"), ("7-KDR-394", "7KDR394"), (" ca·5mnb217 ", "CA5MNB217"), ("", "")],
)
def test_normalize_plate_keeps_only_uppercase_letters_and_digits(raw: str, expected: str) -> None:
    assert normalize_plate(raw) == expected


def test_valid_plate_needs_one_to_ten_plate_characters() -> None:
    assert is_valid_plate("7KDR394")
    assert not is_valid_plate("")
    assert not is_valid_plate("ABCDEFGHIJK")
    assert not is_valid_plate("abc")


def test_upload_key_round_trips() -> None:
    # Given a key built the way cameras build them
    key = build_upload_key("demo-pd", "cam-1", NOW, UUID)
    # When it is parsed
    parsed = parse_upload_key(key)
    # Then every part comes back
    assert key == f"incoming/demo-pd/cam-1/20261124T120000Z-{UUID}.jpg"
    assert (parsed.agency, parsed.camera_id, parsed.key_time, parsed.upload_id) == ("demo-pd", "cam-1", NOW, UUID)


@pytest.mark.parametrize(
    "key",
    [
        "incoming/demo-pd/cam-1/photo.jpg",
        "incoming/demo-pd/20261124T120000Z-" + UUID + ".jpg",
        "other/demo-pd/cam-1/20261124T120000Z-" + UUID + ".jpg",
        "incoming/demo-pd/cam-1/20261124T120000Z-" + UUID + ".gif",
        "incoming/../cam-1/20261124T120000Z-" + UUID + ".jpg",
        "incoming/demo-pd/cam-1/20261341T120000Z-" + UUID + ".jpg",
    ],
)
def test_keys_outside_the_layout_are_rejected_as_malformed(key: str) -> None:
    with pytest.raises(RejectedImage) as raised:
        parse_upload_key(key)
    assert raised.value.reason == "malformed_key"


def test_metadata_parses_time_position_and_heading() -> None:
    meta = parse_capture_metadata(
        {"captured-at": "2026-11-24T11:59:00Z", "lat": "37.5", "lon": "-122.5", "heading": "90"}, CAMERA, NOW
    )
    assert meta.captured_at == datetime(2026, 11, 24, 11, 59, tzinfo=UTC)
    assert (meta.lat, meta.lon, meta.heading) == (37.5, -122.5, 90.0)


def test_metadata_without_position_falls_back_to_the_camera_location() -> None:
    meta = parse_capture_metadata({"captured-at": "2026-11-24T11:59:00+00:00"}, CAMERA, NOW)
    assert (meta.lat, meta.lon, meta.heading) == (CAMERA.lat, CAMERA.lon, None)


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ({}, "missing_metadata"),
        ({"captured-at": "yesterday"}, "invalid_metadata"),
        ({"captured-at": "2026-11-24T11:59:00"}, "invalid_metadata"),  # no time zone
        ({"captured-at": "2026-11-25T12:00:00Z"}, "invalid_metadata"),  # in the future
        ({"captured-at": "2026-11-24T11:59:00Z", "lat": "95", "lon": "0"}, "invalid_metadata"),
        ({"captured-at": "2026-11-24T11:59:00Z", "lat": "nan", "lon": "0"}, "invalid_metadata"),
        ({"captured-at": "2026-11-24T11:59:00Z", "lat": "37"}, "invalid_metadata"),
        ({"captured-at": "2026-11-24T11:59:00Z", "heading": "north"}, "invalid_metadata"),
    ],
)
def test_bad_metadata_is_rejected_with_a_reason(metadata: dict[str, str], reason: str) -> None:
    with pytest.raises(RejectedImage) as raised:
        parse_capture_metadata(metadata, CAMERA, NOW)
    assert raised.value.reason == reason


def test_s3_event_keys_are_url_decoded() -> None:
    body = json.dumps(
        {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "incoming/a+b/c%3Dd.jpg"}}}]}
    )
    assert s3_keys_from_message(body) == ["incoming/a b/c=d.jpg"]


def test_s3_test_event_and_non_create_events_yield_no_keys() -> None:
    assert s3_keys_from_message(json.dumps({"Event": "s3:TestEvent"})) == []
    removed = {"Records": [{"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "x"}}}]}
    assert s3_keys_from_message(json.dumps(removed)) == []


@pytest.mark.parametrize("body", ["not json", "[]", json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]})])
def test_malformed_notifications_fail_loudly(body: str) -> None:
    with pytest.raises(MalformedNotification):
        s3_keys_from_message(body)


def test_ttl_is_retention_days_after_capture_and_expiry_is_checked_in_code() -> None:
    expires = expires_at_epoch(NOW, 30)
    assert expires == int((NOW + timedelta(days=30)).timestamp())
    assert not is_expired(expires, NOW + timedelta(days=29, hours=23))
    assert is_expired(expires, NOW + timedelta(days=30))


def _jpeg(width: int = 64, height: int = 32) -> bytes:
    return encode_jpeg(np.full((height, width, 3), 127, dtype=np.uint8))


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * (3 * min(width, 4))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(row)) + chunk(b"IEND", b"")


def test_a_valid_jpeg_decodes_to_its_size() -> None:
    image = decode_image(_jpeg(64, 32), max_pixels=10_000)
    assert image.shape == (32, 64, 3)


def test_a_valid_png_decodes() -> None:
    ok, buffer = cv2.imencode(".png", np.zeros((10, 20, 3), dtype=np.uint8))
    assert ok
    assert decode_image(bytes(buffer), max_pixels=10_000).shape == (10, 20, 3)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty_object"),
        (b"GIF89a....", "not_an_image"),
        (b"%PDF-1.7", "not_an_image"),
        (_jpeg()[:200], "truncated_image"),
        (b"\xff\xd8\xff\xd9", "corrupt_image"),
    ],
)
def test_bad_image_bytes_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedImage) as raised:
        decode_image(data, max_pixels=10_000)
    assert raised.value.reason == reason


def test_a_decompression_bomb_is_rejected_from_its_header_before_decoding() -> None:
    # Given a small PNG whose header declares 100,000 x 100,000 pixels
    bomb = _png(100_000, 100_000)
    assert len(bomb) < 200
    # When it is probed and decoded under a 40 MP cap, Then it is refused as too many pixels
    assert probe_image(bomb).width == 100_000
    with pytest.raises(RejectedImage) as raised:
        decode_image(bomb, max_pixels=40_000_000)
    assert raised.value.reason == "too_many_pixels"
