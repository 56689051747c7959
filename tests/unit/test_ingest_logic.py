"""Ingest logic with in-memory fakes: every upload ends in exactly one outcome."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime, timedelta

import pytest

from plateguard.logic.alert_messages import SMS_LIMIT, build_sns_message
from plateguard.logic.hotlist import HotListCache, HotListIndex
from plateguard.logic.ingest import IngestPolicy, StoredObject, process_upload
from plateguard.logic.keys import build_upload_key
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import (
    Alert,
    AlertStatus,
    Camera,
    HotListEntry,
    Outcome,
)
from tests.fakes.ingest import (
    GOOD_METADATA,
    HOT_ENTRY,
    KEY,
    NOW,
    FakeObjects,
    FakePublisher,
    jpeg,
    make_deps,
    plate,
)


def test_a_read_of_a_hot_listed_plate_is_stored_with_a_crop_and_raises_one_published_alert() -> None:
    # Given a registered camera's upload and a hot list with the plate
    deps, objects, repository, publisher = make_deps([plate("7KDR394")], [HOT_ENTRY])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    # When it is processed
    outcome = process_upload(KEY, deps)
    # Then one read with a crop and hit retention, one alert, published once
    assert outcome.outcome is Outcome.READS_STORED
    (read,) = repository.reads.values()
    assert read.plate == "7KDR394" and read.hit and read.crop_key in objects.crops
    assert read.expires_at == expires_at_epoch(NOW, 365)
    (alert,) = repository.alerts.values()
    assert alert.status is AlertStatus.PUBLISHED and len(publisher.messages) == 1
    assert publisher.messages[0][1]["priority"]["StringValue"] == "high"


def test_a_non_hit_read_gets_the_short_retention_and_no_alert() -> None:
    deps, objects, repository, publisher = make_deps([plate("5MNB217")], [HOT_ENTRY])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    process_upload(KEY, deps)
    (read,) = repository.reads.values()
    assert not read.hit and read.expires_at == expires_at_epoch(NOW, 30)
    assert publisher.messages == []


def test_a_duplicate_delivery_yields_one_read_and_one_alert() -> None:
    deps, objects, repository, publisher = make_deps([plate("7KDR394")], [HOT_ENTRY])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    first = process_upload(KEY, deps)
    second = process_upload(KEY, deps)
    assert first == second
    assert len(repository.reads) == 1 and len(repository.alerts) == 1 and len(publisher.messages) == 1


def test_a_publish_failure_propagates_and_the_retry_publishes_the_pending_alert_once() -> None:
    # Given SNS fails on the first attempt
    deps, objects, repository, publisher = make_deps([plate("7KDR394")], [HOT_ENTRY], FakePublisher(failures=1))
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    # When the first attempt fails (so SQS will retry) and the retry runs
    with pytest.raises(ConnectionError):
        process_upload(KEY, deps)
    assert KEY not in repository.outcomes
    process_upload(KEY, deps)
    # Then exactly one alert was published and the outcome is recorded
    assert len(publisher.messages) == 1 and repository.outcomes[KEY].outcome is Outcome.READS_STORED


def _upload_at(objects: FakeObjects, captured_at: datetime, camera_id: str = "cam-1") -> str:
    key = build_upload_key("demo-pd", camera_id, captured_at, str(uuid.uuid4()))
    objects.objects[key] = (jpeg(), {"captured-at": captured_at.isoformat()})
    return key


def test_repeat_reads_within_the_dedup_window_raise_one_alert_and_are_counted() -> None:
    # Given a hot-listed plate read three times by one camera within ten minutes
    deps, objects, repository, publisher = make_deps([plate("7KDR394")], [HOT_ENTRY])
    repository.cameras[("demo-pd", "cam-2")] = Camera("demo-pd", "cam-2", "Harbor", 37.1, -122.1)
    times = [NOW - timedelta(minutes=9), NOW - timedelta(minutes=5), NOW - timedelta(minutes=1)]
    outcomes = [process_upload(_upload_at(objects, t), deps) for t in times]
    # Then one alert was sent, counting two suppressed repeats
    assert len(publisher.messages) == 1
    (alert,) = repository.alerts.values()
    assert alert.suppressed_repeats == 2
    assert [len(o.alert_ids) for o in outcomes] == [1, 0, 0]
    # And a read by another camera is a new alert
    process_upload(_upload_at(objects, NOW, camera_id="cam-2"), deps)
    assert len(publisher.messages) == 2


def test_a_read_after_the_dedup_window_alerts_again() -> None:
    deps, objects, _, publisher = make_deps([plate("7KDR394")], [HOT_ENTRY])
    process_upload(_upload_at(objects, NOW - timedelta(minutes=25)), deps)
    process_upload(_upload_at(objects, NOW - timedelta(minutes=14)), deps)
    assert len(publisher.messages) == 2


def test_an_ambiguous_match_alerts_with_its_quality_and_positions() -> None:
    deps, objects, repository, publisher = make_deps([plate("7K0R394")], [HOT_ENTRY])
    process_upload(_upload_at(objects, NOW), deps)
    (alert,) = repository.alerts.values()
    assert (alert.match_quality, alert.differing_positions, alert.listed_plate) == ("ambiguous", (2,), "7KDR394")
    assert '"match_quality": "ambiguous"' in json.loads(publisher.messages[0][0])["default"]


def test_a_low_confidence_read_is_kept_flagged_and_never_alerts() -> None:
    deps, objects, repository, publisher = make_deps([plate("7KDR394", confidence=0.5)], [HOT_ENTRY])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    process_upload(KEY, deps)
    (read,) = repository.reads.values()
    assert read.low_confidence and not read.hit
    assert publisher.messages == []


def test_an_expired_hot_list_entry_never_matches() -> None:
    expired = dataclasses.replace(HOT_ENTRY, expires_at=expires_at_epoch(NOW - timedelta(days=20), 10))
    deps, objects, _, publisher = make_deps([plate("7KDR394")], [expired])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    process_upload(KEY, deps)
    assert publisher.messages == []


def test_an_image_without_plates_gets_a_no_plate_record() -> None:
    deps, objects, repository, _ = make_deps([])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    assert process_upload(KEY, deps).outcome is Outcome.NO_PLATE
    assert repository.reads == {}


@pytest.mark.parametrize(
    ("key", "data", "metadata", "reason"),
    [
        (KEY, b"", GOOD_METADATA, "empty_object"),
        (KEY, b"hello", GOOD_METADATA, "not_an_image"),
        (KEY, jpeg()[:300], GOOD_METADATA, "truncated_image"),
        (KEY, jpeg(), {}, "missing_metadata"),
        (KEY, jpeg(), {"captured-at": "soon"}, "invalid_metadata"),
        (KEY, jpeg(), {"captured-at": (NOW - timedelta(days=31)).isoformat()}, "expired_on_arrival"),
        (KEY.replace("cam-1", "cam-9"), jpeg(), GOOD_METADATA, "unknown_camera"),
        ("incoming/demo-pd/cam-1/picture.jpg", jpeg(), GOOD_METADATA, "malformed_key"),
    ],
)
def test_bad_uploads_are_quarantined_with_a_reason(
    key: str, data: bytes, metadata: dict[str, str], reason: str
) -> None:
    deps, objects, repository, _ = make_deps([plate("7KDR394")])
    objects.objects[key] = (data, metadata)
    outcome = process_upload(key, deps)
    assert outcome.outcome is Outcome.QUARANTINED and outcome.reason == reason
    assert objects.quarantined == {key: reason}
    assert repository.outcomes[key] == outcome and repository.reads == {}


def test_an_oversized_object_is_quarantined_without_being_downloaded() -> None:
    deps, objects, _, _ = make_deps([plate("7KDR394")])
    deps.policy = IngestPolicy(30, 365, 365, 10, 1_000_000, 0.8)

    def explode() -> bytes:
        raise AssertionError("must not download")

    objects.objects[KEY] = (b"x" * 11, GOOD_METADATA)
    objects.get = lambda key, **_: StoredObject(key, 11, GOOD_METADATA, explode)  # type: ignore[method-assign]
    objects.quarantine = lambda key, reason, detail, **_: "quarantine/x"  # type: ignore[method-assign]
    assert process_upload(KEY, deps).reason == "object_too_large"


def test_an_infrastructure_failure_propagates_and_records_no_outcome() -> None:
    deps, objects, repository, _ = make_deps([plate("7KDR394")])
    repository.fail_reads = True
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    with pytest.raises(ConnectionError):
        process_upload(KEY, deps)
    assert KEY not in repository.outcomes and KEY in objects.objects  # nothing lost: SQS retries it


def test_hot_list_cache_reloads_after_the_refresh_interval() -> None:
    loads: list[str] = []
    clock = [0.0]

    def loader(agency: str) -> list[HotListEntry]:
        loads.append(agency)
        return [HOT_ENTRY]

    cache = HotListCache(loader, refresh_seconds=60, clock=lambda: clock[0])
    cache.index_for("demo-pd")
    clock[0] = 59
    cache.index_for("demo-pd")
    assert loads == ["demo-pd"]
    clock[0] = 61
    cache.index_for("demo-pd")
    assert loads == ["demo-pd", "demo-pd"]
    assert len(HotListIndex([HOT_ENTRY])) == 1


def test_alert_payloads_fit_each_protocol_and_never_embed_the_crop() -> None:
    alert = Alert(
        "a1",
        "demo-pd",
        "r1",
        "7KDR394",
        "stolen",
        "stolen-vehicle",
        "high",
        "stolen sedan",
        "C-1",
        "cam-1",
        "A very long camera name " * 5,
        NOW,
        0.97,
        "exact",
        "crops/x.jpg",
        NOW,
        0,
    )
    bodies = json.loads(build_sns_message(alert))
    assert set(bodies) >= {"default", "sms", "email", "APNS", "GCM"}
    assert len(bodies["sms"]) <= SMS_LIMIT
    assert "crops/" not in bodies["APNS"] and "crops/" not in bodies["GCM"] and "crops/" not in bodies["sms"]
    assert "Visually confirm" in bodies["default"]
    assert json.loads(bodies["GCM"])["data"]["deep_link"] == "plateguard://alerts/a1"
