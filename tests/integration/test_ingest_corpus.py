"""The odd objects a hostile camera uploads, through local mode end to end: one correct outcome per object
version, nothing in the DLQ, nothing failed (issue 15, part 1)."""

from __future__ import annotations

import struct
import time
import uuid
from datetime import UTC, datetime

import cv2
import numpy as np

from plateguard.dal.objects import decode_metadata_value
from plateguard.local.runner import LocalEnvironment
from plateguard.logic.imaging import encode_jpeg
from plateguard.logic.keys import build_upload_key
from plateguard.models.records import Outcome

from .conftest import repository, scene_jpeg, upload


def _drain(env: LocalEnvironment, expected_messages: int, timeout: float = 30.0) -> None:
    handled = 0
    deadline = time.monotonic() + timeout
    while handled < expected_messages and time.monotonic() < deadline:
        handled += env.dispatcher.poll_once(wait_seconds=1)
    assert handled >= expected_messages, f"only {handled} of {expected_messages} messages arrived"


def _exif_rotated(plates: list[str], orientation_6_seed: int) -> bytes:
    """A scene stored turned a quarter counter-clockwise, with EXIF orientation 6 to turn it back."""
    scene = cv2.imdecode(np.frombuffer(scene_jpeg(plates, seed=orientation_6_seed), np.uint8), cv2.IMREAD_COLOR)
    stored = encode_jpeg(np.ascontiguousarray(np.rot90(scene, 1)))
    tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01" + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + b"\x00" * 4
    app1 = b"\xff\xe1" + struct.pack(">H", 8 + len(tiff)) + b"Exif\x00\x00" + tiff
    return stored[:2] + app1 + stored[2:]


def _lying_header() -> bytes:
    small = encode_jpeg(np.full((16, 16, 3), 90, dtype=np.uint8))
    sof = small.index(b"\xff\xc0")
    return small[: sof + 5] + struct.pack(">HH", 4000, 4000) + small[sof + 9 :]


def test_the_hostile_corpus_ends_with_one_correct_outcome_each_and_nothing_in_the_dlq(
    manual_env: LocalEnvironment,
) -> None:
    # Given the odd uploads the issue found lost or misjudged
    now = datetime.now(UTC)
    unicode_key = f"incoming/demo-pd/cam-main-st/café-日本-{uuid.uuid4()}.jpg"
    keys = {
        "unicode": upload(manual_env, scene_jpeg(["5MNB217"], seed=11), key=unicode_key),
        "exif": upload(manual_env, _exif_rotated(["5MNB217"], 12)),
        "trailer": upload(manual_env, scene_jpeg(["5MNB217"], seed=13) + b"\x00TRAILER" * 16),
        "lying": upload(manual_env, _lying_header()),
    }
    # When local mode delivers them
    _drain(manual_env, len(keys))
    # Then each has its outcome: the Unicode key quarantined (its key encoded in the copy's metadata),
    # the rotated and trailed frames read, the lying header quarantined for the lie
    outcomes = {name: repository().get_outcome(key) for name, key in keys.items()}
    assert (outcomes["unicode"].outcome, outcomes["unicode"].reason) == (Outcome.QUARANTINED, "malformed_key")
    head = manual_env.client("s3").head_object(
        Bucket=manual_env.state["images_bucket"], Key=outcomes["unicode"].quarantine_key
    )
    assert decode_metadata_value(head["Metadata"]["source-key"]) == unicode_key
    assert outcomes["exif"].outcome is Outcome.READS_STORED, outcomes["exif"]
    assert outcomes["trailer"].outcome is Outcome.READS_STORED, outcomes["trailer"]
    assert outcomes["lying"].reason == "size_exceeds_data"

    # Given a camera that uploads a cut-short frame, then the complete frame to the same key
    key = build_upload_key("demo-pd", "cam-main-st", now, str(uuid.uuid4()))
    full = scene_jpeg(["5MNB217"], seed=14)
    upload(manual_env, full[: len(full) // 3], key=key)
    _drain(manual_env, 1)
    assert repository().get_outcome(key).reason == "truncated_image"
    upload(manual_env, full, key=key)
    _drain(manual_env, 1)
    # Then the new version is processed in its own right
    assert repository().get_outcome(key).outcome is Outcome.READS_STORED

    # And nothing failed, nothing reached the dead-letter queue
    assert manual_env.dispatcher.failures == [] and manual_env.dispatcher.dlq_arrivals == 0
    dlq = manual_env.client("sqs").receive_message(QueueUrl=manual_env.state["dead_letter_queue_url"])
    assert not dlq.get("Messages")
