"""Issue 15 (parts 1 and 2): one outcome per object version, one SNS message per alert.

Each problem found by the hostile-camera run is a Given/When/Then case here: fakes where the point is
the logic (and the 100-trial loops, which must be fast), moto where the point is what S3 or DynamoDB
accept (non-ASCII metadata, object versions, conditional writes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from plateguard.dal.objects import S3ObjectStore, decode_metadata_value
from plateguard.dal.repositories import DynamoIngestRepository
from plateguard.dal.tables import bind_tables
from plateguard.local import dispatcher as dispatcher_module
from plateguard.local.dispatcher import QueueDispatcher
from plateguard.local.provision import provision
from plateguard.logic.events import S3ObjectRef, s3_objects_from_message
from plateguard.logic.imaging import encode_jpeg
from plateguard.logic.ingest import ALERT_CLAIM_STALE_AFTER, IngestDependencies, process_upload
from plateguard.models.errors import AlertPublishInFlight
from plateguard.models.records import AlertStatus, Outcome
from plateguard.recognition import RecognizedPlate
from tests.fakes.ingest import (
    CAMERA,
    GOOD_METADATA,
    HOT_ENTRY,
    KEY,
    NOW,
    FakePublisher,
    FakeRepository,
    jpeg,
    make_deps,
    plate,
)

REGION = "us-west-2"
TRIALS = 100


# -- images ------------------------------------------------------------------------------------------------


def _with_orientation(data: bytes, orientation: int) -> bytes:
    """The JPEG with an EXIF APP1 segment (big-endian TIFF, IFD0 holding only the orientation tag)."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += b"\x00\x00\x00\x00"
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    return data[:2] + app1 + data[2:]


def _wide_jpeg() -> bytes:
    """64x32 with a bright left half, so the orientation applied can be seen in the pixels."""
    image = np.zeros((32, 64, 3), dtype=np.uint8)
    image[:, :32] = 250
    return encode_jpeg(image)


class RecordingReader:
    """Returns the given plates and remembers the image shape it was handed."""

    def __init__(self, plates: list[RecognizedPlate]) -> None:
        self.plates = plates
        self.images: list[np.ndarray] = []

    def read(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:
        self.images.append(image_bgr)
        return self.plates


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_an_exif_rotated_jpeg_is_read_upright_not_quarantined_as_corrupt(orientation: int) -> None:
    # Given a 64x32 JPEG whose EXIF orientation (5-8) says it is displayed turned a quarter
    deps, objects, _, _ = make_deps([plate("7KDR394")])
    reader = RecordingReader([plate("7KDR394")])
    deps.reader = reader
    objects.objects[KEY] = (_with_orientation(_wide_jpeg(), orientation), GOOD_METADATA)
    # When it is ingested
    outcome = process_upload(KEY, deps)
    # Then its plate is read (not quarantined `corrupt_image`), from the upright 32x64 image
    assert outcome.outcome is Outcome.READS_STORED, outcome
    assert reader.images[0].shape[:2] == (64, 32)


def test_orientation_6_turns_the_image_a_quarter_clockwise() -> None:
    # Given the bright-left JPEG marked orientation 6 (stored turned 90 degrees counter-clockwise)
    deps, objects, _, _ = make_deps([])
    reader = RecordingReader([])
    deps.reader = reader
    objects.objects[KEY] = (_with_orientation(_wide_jpeg(), 6), GOOD_METADATA)
    # When it is ingested
    process_upload(KEY, deps)
    # Then the reader sees the bright half at the top, as the camera meant it
    upright = reader.images[0]
    assert upright[:24].mean() > 200 and upright[40:].mean() < 50


def test_bytes_after_the_jpeg_end_marker_are_accepted() -> None:
    # Given a complete JPEG followed by a camera's trailer bytes
    deps, objects, repository, _ = make_deps([plate("7KDR394")])
    objects.objects[KEY] = (jpeg() + b"CAMERA-TRAILER\x01\x02" * 20, GOOD_METADATA)
    # When it is ingested
    outcome = process_upload(KEY, deps)
    # Then it is read, not quarantined `truncated_image`
    assert outcome.outcome is Outcome.READS_STORED, outcome
    assert len(repository.reads) == 1


def test_a_jpeg_cut_short_is_still_truncated() -> None:
    # Given a JPEG missing its last half
    deps, objects, _, _ = make_deps([plate("7KDR394")])
    data = jpeg()
    objects.objects[KEY] = (data[: len(data) // 2], GOOD_METADATA)
    # When it is ingested, Then it is quarantined as truncated
    assert process_upload(KEY, deps).reason == "truncated_image"


def test_a_header_declaring_far_more_pixels_than_its_data_is_quarantined_with_that_reason() -> None:
    # Given a 16x16 JPEG whose frame header was rewritten to declare 4000x4000 (under the pixel cap)
    small = encode_jpeg(np.full((16, 16, 3), 90, dtype=np.uint8))
    sof = small.index(b"\xff\xc0")
    lying = small[: sof + 5] + struct.pack(">HH", 4000, 4000) + small[sof + 9 :]
    deps, objects, _, _ = make_deps([])
    deps.policy = dataclasses.replace(deps.policy, max_decoded_pixels=40_000_000)
    objects.objects[KEY] = (lying, GOOD_METADATA)
    # When it is ingested
    outcome = process_upload(KEY, deps)
    # Then it is quarantined for the lie (the decoder would pad it with grey and call it `no_plate`)
    assert outcome.outcome is Outcome.QUARANTINED
    assert outcome.reason == "size_exceeds_data"
    assert "4000x4000" in (outcome.detail or "")


def test_one_plate_read_twice_in_one_frame_is_stored_once() -> None:
    # Given a reader that reads one plate through two boxes side by side that barely overlap (split line)
    twice = [
        RecognizedPlate("7KDR394", "7KDR394", 0.95, (100, 50, 80, 20), (0.95,) * 7, ()),
        RecognizedPlate("7KDR39", "7KDR39", 0.90, (170, 52, 70, 20), (0.9,) * 6, ()),
        RecognizedPlate("5MNB217", "5MNB217", 0.93, (600, 300, 80, 20), (0.93,) * 7, ()),  # another car
    ]
    deps, objects, repository, publisher = make_deps(twice, [HOT_ENTRY])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    # When the frame is ingested
    outcome = process_upload(KEY, deps)
    # Then the listed plate is one read and one alert; the other car keeps its own read
    assert sorted(r.plate for r in repository.reads.values()) == ["5MNB217", "7KDR394"]
    assert len(outcome.alert_ids) == 1 and len(publisher.messages) == 1


def test_the_same_text_far_apart_is_two_plates() -> None:
    # Given the same text read at two places far apart in the frame (two different cars)
    apart = [
        RecognizedPlate("7KDR394", "7KDR394", 0.95, (10, 50, 80, 20), (0.95,) * 7, ()),
        RecognizedPlate("7KDR394", "7KDR394", 0.94, (500, 400, 80, 20), (0.94,) * 7, ()),
    ]
    deps, objects, repository, _ = make_deps(apart)
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    # When it is ingested, Then both reads are kept: geometry decides, not the text alone
    process_upload(KEY, deps)
    assert len(repository.reads) == 2


# -- notifications -----------------------------------------------------------------------------------------


def test_a_notification_names_the_object_version_and_a_unicode_key() -> None:
    # Given an S3 notification for a versioned object whose key has non-ASCII characters (URL-encoded UTF-8)
    body = json.dumps(
        {
            "Records": [
                {
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": "images"},
                        "object": {"key": "incoming/caf%C3%A9+%E6%97%A5.jpg", "versionId": "v2"},
                    },
                }
            ]
        }
    )
    # When it is parsed, Then the key is decoded and the version and bucket come with it
    assert s3_objects_from_message(body) == [S3ObjectRef("incoming/café 日.jpg", "v2", "images")]


# -- against moto: S3 versions, non-ASCII metadata, conditional writes -------------------------------------


@dataclass
class World:
    s3: Any
    bucket: str
    repository: DynamoIngestRepository

    def deps(self, plates: list[RecognizedPlate], publisher: FakePublisher | None = None) -> IngestDependencies:
        deps, _, _, _ = make_deps(plates, [HOT_ENTRY], publisher)
        deps.objects = S3ObjectStore(self.s3, self.bucket)
        deps.repository = self.repository
        return deps

    def upload(self, key: str, data: bytes) -> str:
        return str(self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, Metadata=GOOD_METADATA)["VersionId"])


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    with mock_aws():
        clients = {n: boto3.client(n, region_name=REGION) for n in ("dynamodb", "s3", "sqs", "sns")}
        resources = provision(clients, REGION, prefix=f"pg-{uuid.uuid4().hex[:6]}")
        bind_tables(resources.table_names, region=REGION, host=None)
        repository = DynamoIngestRepository()
        repository.put_camera(CAMERA)
        yield World(clients["s3"], resources.images_bucket, repository)


def test_a_key_with_any_unicode_is_quarantined_with_its_key_encoded_in_metadata(world: World) -> None:
    # Given an upload whose key holds non-ASCII characters (and so matches no camera layout)
    key = "incoming/demo-pd/cam-1/café-ü-日本-\U0001f697.jpg"
    version = world.upload(key, jpeg())
    # When it is ingested (S3 refuses non-ASCII metadata: it used to fail and go to the DLQ)
    outcome = process_upload(key, world.deps([]), version, world.bucket)
    # Then it has an outcome, and the quarantine copy carries the key in an encoded form that decodes back
    assert outcome.outcome is Outcome.QUARANTINED and outcome.reason
    head = world.s3.head_object(Bucket=world.bucket, Key=outcome.quarantine_key)
    assert all(v.isascii() for v in head["Metadata"].values())
    assert decode_metadata_value(head["Metadata"]["source-key"]) == key
    assert world.repository.get_outcome(key, version, world.bucket) == outcome


def test_a_camera_re_uploading_to_the_same_key_gets_the_new_version_processed(world: World) -> None:
    # Given a cut-short frame, quarantined, then the complete frame uploaded again to the same key
    cut = jpeg()[:300]
    first = world.upload(KEY, cut)
    deps = world.deps([plate("5MNB217")])
    assert process_upload(KEY, deps, first, world.bucket).reason == "truncated_image"
    second = world.upload(KEY, jpeg())
    # When the second version's notification is processed
    outcome = process_upload(KEY, deps, second, world.bucket)
    # Then it is read (not answered with the first version's outcome), and each version keeps its own
    assert outcome.outcome is Outcome.READS_STORED and len(outcome.read_ids) == 1
    assert world.repository.get_outcome(KEY, first, world.bucket).reason == "truncated_image"  # type: ignore[union-attr]
    assert world.repository.get_outcome(KEY, second, world.bucket) == outcome
    # And a reader that knows only the key sees the latest outcome
    assert world.repository.get_outcome(KEY).outcome is Outcome.READS_STORED  # type: ignore[union-attr]


def test_a_retry_after_the_outcome_write_failed_keeps_the_quarantine_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a non-image that was copied to quarantine, but whose outcome write then failed
    version = world.upload(KEY, b"not an image at all")
    deps = world.deps([])
    real_record = world.repository.record_outcome

    def failing(outcome: Any, reads: Any = ()) -> None:
        raise ConnectionError("DynamoDB unavailable")

    monkeypatch.setattr(world.repository, "record_outcome", failing)
    with pytest.raises(ConnectionError):
        process_upload(KEY, deps, version, world.bucket)
    monkeypatch.setattr(world.repository, "record_outcome", real_record)
    # And the original version is gone by the time of the retry
    world.s3.delete_object(Bucket=world.bucket, Key=KEY, VersionId=version)
    # When the message is retried
    outcome = process_upload(KEY, deps, version, world.bucket)
    # Then the outcome keeps the real reason, not `object_missing`
    assert outcome.reason == "not_an_image"
    assert outcome.quarantine_key and outcome.quarantine_key.startswith("quarantine/")


def test_without_version_ids_a_re_upload_is_told_apart_by_its_etag(world: World) -> None:
    # Given notifications that carry no version id (an unversioned bucket; moto in local mode), only an eTag
    def notified(data: bytes) -> S3ObjectRef:
        etag = world.s3.put_object(Bucket=world.bucket, Key=KEY, Body=data, Metadata=GOOD_METADATA)["ETag"]
        record = {"eventName": "ObjectCreated:Put", "s3": {"object": {"key": KEY, "eTag": etag.strip('"')}}}
        (ref,) = s3_objects_from_message(json.dumps({"Records": [record]}))
        return ref

    deps = world.deps([plate("5MNB217")])
    cut = notified(jpeg()[:300])
    # When the cut-short frame is processed after the full one replaced it, and then the full one
    full = notified(jpeg())
    late = process_upload(KEY, deps, cut.version_id)
    fresh = process_upload(KEY, deps, full.version_id)
    # Then the first names content the key no longer holds (never the second frame's bytes under its id),
    # and the second is read in its own right
    assert late.reason == "object_missing"
    assert fresh.outcome is Outcome.READS_STORED and len(fresh.read_ids) == 1, fresh


def test_the_same_notification_delivered_twice_at_once_publishes_once_against_dynamodb(world: World) -> None:
    # Given one frame of a listed plate, and its notification delivered twice at the same moment
    version = world.upload(KEY, jpeg())
    publisher = SlowPublisher()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def deliver() -> None:
        deps = world.deps([plate("7KDR394")], publisher)
        barrier.wait()
        try:
            process_upload(KEY, deps, version, world.bucket)
        except AlertPublishInFlight as exc:  # the loser is retried by SQS
            errors.append(exc)

    # When both deliveries run, and a loser (if any) is redelivered
    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        process_upload(KEY, world.deps([plate("7KDR394")], publisher), version, world.bucket)
    # Then exactly one SNS message went out and the alert is published
    assert len(publisher.messages) == 1
    (alert_id,) = world.repository.get_outcome(KEY, version, world.bucket).alert_ids  # type: ignore[union-attr]
    assert world.repository.get_alert("demo-pd", alert_id).status is AlertStatus.PUBLISHED  # type: ignore[union-attr]


def test_dynamodb_claims_let_one_worker_publish_until_the_claim_goes_stale(world: World) -> None:
    # Given an alert stored once, and a second worker storing the same alert id
    deps = world.deps([plate("7KDR394")])
    version = world.upload(KEY, jpeg())
    (alert_id,) = process_upload(KEY, deps, version, world.bucket).alert_ids
    stored = world.repository.get_alert("demo-pd", alert_id)
    assert stored is not None and stored.status is AlertStatus.PUBLISHED
    pending = dataclasses.replace(stored, alert_id="a-new-one", status=AlertStatus.PENDING)
    assert world.repository.create_alert(pending) == pending
    # When the second create finds it, Then it gets the stored alert back, not its own copy written
    assert world.repository.create_alert(dataclasses.replace(pending, read_id="other")).read_id == stored.read_id
    # And of two claims only the first wins, until the first is older than the bound
    stale_before = NOW - ALERT_CLAIM_STALE_AFTER
    assert world.repository.claim_publish("demo-pd", "a-new-one", NOW, stale_before)
    assert not world.repository.claim_publish("demo-pd", "a-new-one", NOW, stale_before)
    later = NOW + ALERT_CLAIM_STALE_AFTER + timedelta(seconds=1)
    assert world.repository.claim_publish("demo-pd", "a-new-one", later, later - ALERT_CLAIM_STALE_AFTER)
    # And a published alert is never claimed again
    world.repository.mark_published("demo-pd", "a-new-one")
    far = later + timedelta(days=1)
    assert not world.repository.claim_publish("demo-pd", "a-new-one", far, far - ALERT_CLAIM_STALE_AFTER)
    assert not world.repository.claim_publish("demo-pd", alert_id, far, far - ALERT_CLAIM_STALE_AFTER)


# -- alerts: claims, crashes and concurrency, 100 trials each on fakes ------------------------------------


class CrashAfterPublish(FakeRepository):
    """The worker dies after SNS accepted the message and before the mark is written."""

    def __init__(self) -> None:
        super().__init__(cameras={("demo-pd", "cam-1"): CAMERA})
        self.crash = True

    def mark_published(self, agency: str, alert_id: str) -> None:
        if self.crash:
            self.crash = False
            raise SystemExit("worker killed")  # not an Exception: nothing in the worker catches it
        super().mark_published(agency, alert_id)


def _deps_with(repository: FakeRepository, publisher: FakePublisher) -> IngestDependencies:
    deps, objects, _, _ = make_deps([plate("7KDR394")], [HOT_ENTRY], publisher)
    deps.repository = repository
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    return deps


def test_a_crash_between_publish_and_mark_sends_the_alert_once_over_100_trials() -> None:
    sent = []
    for _ in range(TRIALS):
        # Given a worker killed after SNS accepted the alert and before it was marked published
        repository, publisher = CrashAfterPublish(), FakePublisher()
        deps = _deps_with(repository, publisher)
        with pytest.raises(SystemExit):
            process_upload(KEY, deps)
        # When SQS redelivers the message (within the claim's bound), as often as it likes
        for _ in range(3):
            with contextlib.suppress(AlertPublishInFlight):
                process_upload(KEY, deps)
        sent.append(len(publisher.messages))
    # Then every trial sent exactly one message
    assert sent == [1] * TRIALS


def test_a_mark_that_fails_transiently_after_publishing_is_retried_in_place_not_resent() -> None:
    # Given a DynamoDB error on the first mark after a successful publish
    repository, publisher = FakeRepository(cameras={("demo-pd", "cam-1"): CAMERA}), FakePublisher()
    real_mark, calls = repository.mark_published, []

    def flaky(agency: str, alert_id: str) -> None:
        calls.append(alert_id)
        if len(calls) == 1:
            raise ConnectionError("throttled")
        real_mark(agency, alert_id)

    repository.mark_published = flaky  # type: ignore[method-assign]
    # When the frame is ingested
    outcome = process_upload(KEY, _deps_with(repository, publisher))
    # Then one message, and the alert is published
    assert len(publisher.messages) == 1
    assert repository.alerts[outcome.alert_ids[0]].status is AlertStatus.PUBLISHED


def test_a_claim_whose_publish_never_happened_is_published_after_the_bound_once_over_100_trials() -> None:
    sent = []
    for _ in range(TRIALS):
        # Given a worker killed after claiming the publish and before calling SNS
        repository, publisher = FakeRepository(cameras={("demo-pd", "cam-1"): CAMERA}), FakePublisher()
        deps = _deps_with(repository, publisher)
        real_publish = publisher.publish

        def killed(message: str, attributes: dict[str, dict[str, str]]) -> None:
            raise SystemExit("worker killed")

        publisher.publish = killed  # type: ignore[method-assign]
        with pytest.raises(SystemExit):
            process_upload(KEY, deps)
        publisher.publish = real_publish  # type: ignore[method-assign]
        # When a redelivery comes inside the bound (nothing sent: the claimant may still be alive),
        with pytest.raises(AlertPublishInFlight):
            process_upload(KEY, deps)
        # and another after it
        deps.clock = lambda: NOW + ALERT_CLAIM_STALE_AFTER + timedelta(seconds=1)
        process_upload(KEY, deps)
        process_upload(KEY, deps)
        sent.append(len(publisher.messages))
    # Then the alert went out, exactly once, in every trial
    assert sent == [1] * TRIALS


def test_an_sns_failure_hands_the_claim_back_so_the_retry_publishes_at_once() -> None:
    # Given SNS refusing the first publish
    repository, publisher = FakeRepository(cameras={("demo-pd", "cam-1"): CAMERA}), FakePublisher(failures=1)
    deps = _deps_with(repository, publisher)
    with pytest.raises(ConnectionError):
        process_upload(KEY, deps)
    # When the message is retried straight away, Then it is published once (not held for the bound)
    process_upload(KEY, deps)
    assert len(publisher.messages) == 1


class SlowPublisher(FakePublisher):
    """SNS takes a few milliseconds: long enough for a concurrent delivery to reach the same alert."""

    def publish(self, message: str, attributes: dict[str, dict[str, str]]) -> None:
        time.sleep(0.003)
        super().publish(message, attributes)


def test_the_same_notification_delivered_twice_at_once_publishes_once_over_100_trials() -> None:
    sent = []
    for _ in range(TRIALS):
        # Given one frame of a listed plate and two workers handed its notification at the same moment
        repository, publisher = FakeRepository(cameras={("demo-pd", "cam-1"): CAMERA}), SlowPublisher()
        barrier = threading.Barrier(2)
        retries: list[IngestDependencies] = []

        def deliver(
            repository: FakeRepository = repository,
            publisher: FakePublisher = publisher,
            barrier: threading.Barrier = barrier,
            retries: list[IngestDependencies] = retries,
        ) -> None:
            deps = _deps_with(repository, publisher)
            barrier.wait()
            try:
                process_upload(KEY, deps)
            except AlertPublishInFlight:
                retries.append(deps)

        # When both run, and SQS redelivers to a worker that found the publish in flight
        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for deps in retries:
            process_upload(KEY, deps)
        sent.append(len(publisher.messages))
        assert all(a.status is AlertStatus.PUBLISHED for a in repository.alerts.values())
    # Then each trial sent exactly one message
    assert sent == [1] * TRIALS


def test_a_delivery_that_read_no_alert_does_not_overwrite_one_stored_meanwhile() -> None:
    # Given a first delivery that stored and published the alert
    repository, publisher = FakeRepository(cameras={("demo-pd", "cam-1"): CAMERA}), FakePublisher()
    first = process_upload(KEY, _deps_with(repository, publisher))
    # And a concurrent delivery whose read of the alert happened before the first one stored it
    repository.outcomes.clear()  # it started before the first delivery's outcome existed, too
    real_get, stale = repository.get_alerts, [True]

    def get_alerts(agency: str, alert_ids: Any) -> Any:
        if stale:
            stale.clear()
            return {}
        return real_get(agency, alert_ids)

    repository.get_alerts = get_alerts  # type: ignore[method-assign]
    # When that second delivery stores "its" alert and publishes
    second = process_upload(KEY, _deps_with(repository, publisher))
    # Then the stored alert stays published (no fresh pending copy) and no second message is sent
    assert second.alert_ids == first.alert_ids
    assert len(publisher.messages) == 1
    assert repository.alerts[first.alert_ids[0]].status is AlertStatus.PUBLISHED


# -- local mode: failed messages are shown, DLQ arrivals counted -----------------------------------------


def test_local_mode_prints_each_failed_message_with_its_error_and_counts_dlq_arrivals(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a queue whose DLQ takes a message after 2 receives, and a handler that fails every record
    sqs = boto3.client("sqs", region_name=REGION)
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    queue = sqs.create_queue(QueueName="ingest", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="{}")
    monkeypatch.setattr(dispatcher_module, "LOCAL_RETRY_DELAY_SECONDS", 0)

    failed: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed[:] = [r["messageId"] for r in event["Records"]]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    def details() -> dict[str, str]:
        return dict.fromkeys(failed, "MalformedNotification: S3 notification has no Records list")

    dispatcher = QueueDispatcher(sqs, queue, "arn:queue", REGION, handler, failure_details=details, max_receives=2)
    # When it is delivered until SQS gives up on it
    for _ in range(3):
        dispatcher.poll_once(wait_seconds=0)
    # Then each failure was printed with its error, and the DLQ arrival counted
    printed = capsys.readouterr().err
    assert printed.count("MalformedNotification: S3 notification has no Records list") == 2
    assert "dead-letter queue (DLQ arrivals: 1)" in printed
    assert dispatcher.dlq_arrivals == 1 and len(dispatcher.failures) == 2
    assert "Messages" in sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=0)
