"""Ingest batches on moto's server, driven message by message: duplicates, bad input, failures, DLQ."""

from __future__ import annotations

import json
import time

from plateguard.local.runner import LocalEnvironment
from plateguard.local.seed import DEMO_HOTLIST_PLATE
from plateguard.logic.events import s3_keys_from_message
from plateguard.models.records import Outcome

from .conftest import repository, scene_jpeg, upload, wait_for


def _drain(env: LocalEnvironment, expected_messages: int, timeout: float = 30.0) -> None:
    handled = 0
    deadline = time.monotonic() + timeout
    while handled < expected_messages and time.monotonic() < deadline:
        handled += env.dispatcher.poll_once(wait_seconds=1)
    assert handled >= expected_messages, f"only {handled} of {expected_messages} messages arrived"


def test_a_duplicate_s3_notification_yields_one_read_and_one_alert(manual_env: LocalEnvironment) -> None:
    # Given a hot-listed frame processed once
    sqs = manual_env.client("sqs")
    queue_url = manual_env.state["ingest_queue_url"]
    key = upload(manual_env, scene_jpeg([DEMO_HOTLIST_PLATE], seed=5))
    _drain(manual_env, 1)
    first = repository().get_outcome(key)
    # When the same notification is delivered again (SQS is at-least-once)
    body = json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": key}}}]})
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    _drain(manual_env, 1)
    # Then the outcome, the reads and the alerts are unchanged: one read, one alert
    assert repository().get_outcome(key) == first
    reads = list(repository().reads_for_plate("demo-pd", DEMO_HOTLIST_PLATE))
    assert sum(r.source_key == key for r in reads) == 1
    assert len(first.alert_ids) == 1


def test_bad_uploads_are_quarantined_with_reasons_and_the_batch_goes_on(manual_env: LocalEnvironment) -> None:
    # Given one good frame and every kind of bad input in the same batch
    good = scene_jpeg(["5MNB217"], seed=6)
    keys = {
        "good": upload(manual_env, good),
        "not_an_image": upload(manual_env, b"this is a text file"),
        "empty_object": upload(manual_env, b""),
        "truncated_image": upload(manual_env, good[: len(good) // 3]),
        "unknown_camera": upload(manual_env, good, camera_id="cam-nobody"),
        "missing_metadata": upload(manual_env, good, metadata={}),
        "invalid_metadata": upload(manual_env, good, metadata={"captured-at": "2026-13-45"}),
        "malformed_key": upload(manual_env, good, key="incoming/demo-pd/cam-main-st/snapshot.jpg"),
    }
    # When the dispatcher hands them to the handler
    _drain(manual_env, len(keys))
    # Then each ends in exactly one recorded outcome, bad ones in quarantine with their reason
    bucket = manual_env.state["images_bucket"]
    s3 = manual_env.client("s3")
    for expected, key in keys.items():
        outcome = wait_for(lambda key=key: repository().get_outcome(key))
        if expected == "good":
            assert outcome.outcome is Outcome.READS_STORED
            continue
        assert (outcome.outcome, outcome.reason) == (Outcome.QUARANTINED, expected)
        s3.head_object(Bucket=bucket, Key=outcome.quarantine_key)  # moved, not lost
    assert manual_env.dispatcher_errors == []


def test_a_decompression_bomb_is_quarantined(manual_env: LocalEnvironment) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )
    key = upload(manual_env, bomb)
    _drain(manual_env, 1)
    assert repository().get_outcome(key).reason == "too_many_pixels"


def test_an_infrastructure_failure_fails_only_that_message_and_it_ends_in_the_dlq(manual_env: LocalEnvironment) -> None:
    # Given the reads table is unavailable
    dynamodb = manual_env.client("dynamodb")
    reads_table = manual_env.state["tables"]["ReadsTable"]
    description = dynamodb.describe_table(TableName=reads_table)["Table"]
    dynamodb.delete_table(TableName=reads_table)
    try:
        # When a readable frame and a bad upload arrive in the same batch
        failing = upload(manual_env, scene_jpeg(["8TRX660"], seed=8))
        fine = upload(manual_env, b"not an image")
        _drain(manual_env, 2)
        # Then the bad upload still ends in quarantine while the failing one has no outcome yet
        assert repository().get_outcome(fine).outcome is Outcome.QUARANTINED
        assert repository().get_outcome(failing) is None
        # And after the redrive limit SQS moves the failing message to the dead-letter queue
        sqs = manual_env.client("sqs")
        for _ in range(8):
            manual_env.dispatcher.poll_once(wait_seconds=3)
        dlq = sqs.receive_message(QueueUrl=manual_env.state["dead_letter_queue_url"], WaitTimeSeconds=1)
        dead_keys = [key for m in dlq.get("Messages", []) for key in s3_keys_from_message(m["Body"])]
        assert dead_keys == [failing]
    finally:
        dynamodb.create_table(
            TableName=reads_table,
            KeySchema=description["KeySchema"],
            AttributeDefinitions=description["AttributeDefinitions"],
            GlobalSecondaryIndexes=[
                {k: g[k] for k in ("IndexName", "KeySchema", "Projection")}
                for g in description["GlobalSecondaryIndexes"]
            ],
            BillingMode="PAY_PER_REQUEST",
        )
