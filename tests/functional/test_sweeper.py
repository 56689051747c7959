"""Retention sweeper and legal holds against moto (mock_aws): expired data is destroyed on time, held data is not."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from plateguard.dal import tables
from plateguard.dal.holds import DynamoHoldStore
from plateguard.dal.repositories import DynamoIngestRepository
from plateguard.dal.sweeper_store import (
    DESTRUCTION_LOG_PREFIX,
    DynamoSweepStore,
    S3DestructionLog,
    S3SweepObjects,
    backfill_expiry_index,
)
from plateguard.dal.tables import AlertItem, HotListItem, ImageItem, ReadItem, bind_tables
from plateguard.local.provision import LocalResources, provision
from plateguard.logic.holds import ActiveHolds, HoldError, place_hold, release_hold
from plateguard.logic.retention import expires_at_epoch
from plateguard.logic.sweeper import SweeperDependencies, SweepLimits, sweep, sweep_run
from plateguard.models.records import Alert, HotListEntry, PlateReadRecord
from plateguard.schema import time_bucket

REGION = "us-west-2"
AGENCY = "demo-pd"
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class World:
    resources: LocalResources
    s3: Any
    repository: DynamoIngestRepository
    holds: DynamoHoldStore
    log: S3DestructionLog
    now: datetime = field(default=NOW)  # the scenario's moment: writes stamp their index keys with it

    def deps(self, now: datetime = NOW, **limits: Any) -> SweeperDependencies:
        self.now = now  # time only moves forward: whatever is written next is written then
        return SweeperDependencies(
            store=DynamoSweepStore(),
            objects=S3SweepObjects(self.s3, self.resources.images_bucket),
            holds=ActiveHolds(self.holds),
            log=self.log,
            limits=SweepLimits(**limits),
            clock=lambda: now,
        )

    def put_read(
        self,
        plate: str,
        captured_at: datetime,
        retention_days: float,
        hit: bool = False,
        camera: str = "cam-1",
        objects: bool = True,
    ) -> PlateReadRecord:
        read_id = uuid.uuid4().hex[:24]
        crop_key = f"crops/{AGENCY}/{camera}/{read_id}.jpg"
        source_key = f"incoming/{AGENCY}/{camera}/{captured_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4()}.jpg"
        record = PlateReadRecord(
            read_id=read_id,
            agency=AGENCY,
            camera_id="cam-1",
            captured_at=captured_at,
            plate=plate,
            raw_text=plate,
            confidence=0.97,
            char_confidences=(0.97,) * len(plate),
            alternatives=(),
            box=(10, 10, 80, 20),
            crop_key=crop_key,
            source_key=source_key,
            lat=37.0,
            lon=-122.0,
            heading=None,
            low_confidence=False,
            hit=hit,
            expires_at=expires_at_epoch(captured_at, retention_days),
        )
        self.repository.put_read(record)
        # As ingest does: the frame's outcome record, which the frame lives no longer than
        ImageItem(
            source_key,
            outcome="reads_stored",
            processed_at=self.now,
            agency=AGENCY,
            camera_id=camera,
            read_ids=[read_id],
            expires_at=record.expires_at,
        ).save()
        if not objects:
            return record
        bucket = self.resources.images_bucket
        for version in (b"crop-v1", b"crop-v2"):  # a versioned bucket: both versions must go
            self.s3.put_object(Bucket=bucket, Key=crop_key, Body=version)
        self.s3.put_object(Bucket=bucket, Key=source_key, Body=b"frame")
        return record

    def read_ids(self) -> set[str]:
        return {item.read_id for item in ReadItem.scan()}

    def versions(self, key: str) -> int:
        page = self.s3.list_object_versions(Bucket=self.resources.images_bucket, Prefix=key)
        return len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))

    def log_entries(self) -> list[dict[str, Any]]:
        return list(self.log.entries())


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    with mock_aws():
        clients = {n: boto3.client(n, region_name=REGION) for n in ("dynamodb", "s3", "sqs", "sns")}
        resources = provision(clients, REGION, prefix=f"pg-{uuid.uuid4().hex[:6]}")
        bind_tables(resources.table_names, region=REGION, host=None)
        s3 = clients["s3"]
        world = World(
            resources, s3, DynamoIngestRepository(), DynamoHoldStore(), S3DestructionLog(s3, resources.audit_bucket)
        )
        monkeypatch.setattr(tables, "write_clock", lambda: world.now.timestamp())
        yield world


def test_sweeper_deletes_exactly_the_expired_reads_and_their_crops_and_logs_them(world: World) -> None:
    # Given two non-hit reads past their 30-day retention (one 2 days late, one 1 day late), a hit read
    # inside its 365 days and a non-hit read inside its 30 days
    late2 = world.put_read("7ABC123", NOW - timedelta(days=32), 30)
    late1 = world.put_read("8XYZ987", NOW - timedelta(days=31), 30)
    hit = world.put_read("5HIT555", NOW - timedelta(days=40), 365, hit=True)
    fresh = world.put_read("6NEW666", NOW - timedelta(days=1), 30)
    # When the sweeper runs
    report = sweep(world.deps())
    # Then exactly the expired reads are gone, with every version of their crops
    assert world.read_ids() == {hit.read_id, fresh.read_id}
    assert world.versions(late2.crop_key) == 0 and world.versions(late1.crop_key) == 0
    assert world.versions(hit.crop_key) == 2 and world.versions(fresh.crop_key) == 2
    # And the destruction log counts them with the oldest item's lateness
    assert report.classes["non_hit_reads"].deleted == 2
    assert report.classes["hit_reads"].deleted == 0
    [entry] = world.log_entries()
    assert entry["classes"]["non_hit_reads"]["deleted"] == 2
    assert entry["classes"]["non_hit_reads"]["oldest_lateness_seconds"] == pytest.approx(2 * 86_400, abs=5)
    # And the log never names a plate or a read
    text = json.dumps(entry)
    for record in (late1, late2):
        assert record.plate not in text and record.read_id not in text


def test_held_reads_survive_the_sweeper_until_the_hold_is_released(world: World) -> None:
    # Given two reads that expire tomorrow, one of them under a legal hold for a case
    held = world.put_read("7HLD001", NOW - timedelta(days=29), 30)
    other = world.put_read("7FRE002", NOW - timedelta(days=29), 30)
    hold = place_hold(
        world.holds,
        agency=AGENCY,
        read_ids=[held.read_id],
        case_number="DPD-2026-004417",
        reason="Evidence in a homicide investigation",
        placed_by="Sgt. Ames",
        ends_at=NOW + timedelta(days=90),
        now=NOW,
    )
    # When the sweeper runs after both would have expired
    later = NOW + timedelta(days=1, hours=1)
    report = sweep(world.deps(later))
    # Then the held read and its crop survive, the other is destroyed
    assert world.read_ids() == {held.read_id}
    assert world.versions(held.crop_key) == 2 and world.versions(other.crop_key) == 0
    assert report.classes["non_hit_reads"].deleted == 1
    # And the hold is listed
    [listed] = world.holds.list_holds(AGENCY)
    assert (listed.hold_id, listed.case_number, listed.read_ids) == (hold.hold_id, "DPD-2026-004417", (held.read_id,))
    # When the hold is released, Then normal retention resumes: the next sweep destroys the read
    release_hold(world.holds, agency=AGENCY, hold_id=hold.hold_id, released_by="Lt. Cruz", now=later)
    sweep(world.deps(later))
    assert world.read_ids() == set()
    assert world.versions(held.crop_key) == 0
    assert world.holds.get_hold(AGENCY, hold.hold_id).released_by == "Lt. Cruz"  # type: ignore[union-attr]


def test_sweeper_skips_reads_of_an_active_hold_even_if_their_expiry_was_not_extended(world: World) -> None:
    # Given a read already past its expiry whose hold is recorded (e.g. the expiry update never happened)
    read = world.put_read("7OLD003", NOW - timedelta(days=31), 30)
    hold = place_hold(
        world.holds,
        agency=AGENCY,
        read_ids=[read.read_id],
        case_number="C-1",
        reason="Hit-and-run investigation",
        placed_by="Sgt. Ames",
        ends_at=NOW + timedelta(days=10),
        now=NOW - timedelta(days=3),
    )
    ReadItem(*next(iter([(i.pk, i.sk) for i in ReadItem.scan()]))).update(
        actions=[ReadItem.expires_at.set(read.expires_at), ReadItem.expiry_bucket.set(time_bucket(NOW.timestamp()))]
    )
    # When the sweeper runs / Then the read survives and the skip is counted
    report = sweep(world.deps())
    assert world.read_ids() == {read.read_id}
    assert report.classes["non_hit_reads"].held_skipped == 1
    assert hold.is_active(NOW)


def test_a_hold_that_ends_lets_normal_retention_resume(world: World) -> None:
    read = world.put_read("7END004", NOW - timedelta(days=29), 30)
    place_hold(
        world.holds,
        agency=AGENCY,
        read_ids=[read.read_id],
        case_number="C-2",
        reason="Robbery investigation",
        placed_by="Sgt. Ames",
        ends_at=NOW + timedelta(days=5),
        now=NOW,
    )
    sweep(world.deps(NOW + timedelta(days=4)))
    assert world.read_ids() == {read.read_id}
    sweep(world.deps(NOW + timedelta(days=5, hours=1)))
    assert world.read_ids() == set()


def test_holds_cannot_bring_back_expired_reads_or_lack_a_reason(world: World) -> None:
    expired = world.put_read("7EXP005", NOW - timedelta(days=31), 30)
    fresh = world.put_read("7FRS006", NOW, 30)
    common = {"agency": AGENCY, "case_number": "C-3", "placed_by": "Sgt. Ames", "now": NOW}
    with pytest.raises(HoldError, match="retention has already ended"):
        place_hold(
            world.holds, read_ids=[expired.read_id], reason="Burglary case", ends_at=NOW + timedelta(1), **common
        )
    with pytest.raises(HoldError, match="reason"):
        place_hold(world.holds, read_ids=[fresh.read_id], reason="case", ends_at=NOW + timedelta(1), **common)
    with pytest.raises(HoldError, match="future"):
        place_hold(world.holds, read_ids=[fresh.read_id], reason="Burglary case", ends_at=NOW, **common)
    with pytest.raises(HoldError, match="does not exist for other-pd"):
        place_hold(
            world.holds,
            read_ids=[fresh.read_id],
            reason="Burglary case",
            ends_at=NOW + timedelta(1),
            **{**common, "agency": "other-pd"},
        )


def test_sweeper_works_in_bounded_batches_and_finishes_on_the_next_run(world: World) -> None:
    # Given five expired reads and a sweeper bounded to 2 per batch and 1 batch per run
    for n in range(5):
        world.put_read(f"7BAT{n:03d}", NOW - timedelta(days=31), 30)
    # When it runs once / Then it deletes at most 2 and says more remain
    first = sweep(world.deps(batch_size=2, max_batches=1))
    assert first.classes["non_hit_reads"].deleted <= 2
    assert not first.classes["non_hit_reads"].complete
    assert len(world.read_ids()) >= 3
    # When it runs until complete / Then nothing expired remains
    for _ in range(10):
        if sweep(world.deps(batch_size=2, max_batches=1)).classes["non_hit_reads"].complete:
            break
    assert world.read_ids() == set()


def test_sweeper_destroys_expired_alerts_and_hotlist_entries(world: World) -> None:
    world.repository.put_hotlist_entry(
        HotListEntry(AGENCY, "stolen", "7OLD777", "stolen-vehicle", "high", "lapsed", "C-9", int(NOW.timestamp()) - 60)
    )
    world.repository.put_hotlist_entry(
        HotListEntry(
            AGENCY, "stolen", "7NEW888", "stolen-vehicle", "high", "active", "C-10", int(NOW.timestamp()) + 600
        )
    )
    alert = Alert(
        alert_id="a1",
        agency=AGENCY,
        read_id="r1",
        plate="7OLD777",
        list_name="stolen",
        list_type="stolen-vehicle",
        priority="high",
        reason="lapsed",
        case_number="C-9",
        camera_id="cam-1",
        camera_name="Main",
        captured_at=NOW - timedelta(days=400),
        confidence=0.9,
        match_quality="exact",
        crop_key="crops/x.jpg",
        created_at=NOW - timedelta(days=400),
        expires_at=int(NOW.timestamp()) - 3600,
    )
    world.repository.put_alert(alert)
    report = sweep(world.deps())
    assert [i.plate for i in HotListItem.scan()] == ["7NEW888"]
    assert list(AlertItem.scan()) == []
    assert report.classes["alerts"].deleted == 1 and report.classes["hotlist_entries"].deleted == 1


def test_object_pass_destroys_aged_images_and_crops_but_keeps_a_live_hit_reads_crop(world: World) -> None:
    # Given a hit read kept a year and a non-hit read kept 30 days, both with crops and frames
    hit = world.put_read("5HIT111", NOW, 365, hit=True)
    miss = world.put_read("5MIS222", NOW, 30)
    # When the sweeper runs a day and an hour later with images and crops kept 1 day
    sweep(world.deps(NOW + timedelta(days=1, hours=1), images=timedelta(days=1), crops=timedelta(days=1)))
    # Then frames are gone, the non-hit crop is gone, the live hit read keeps its crop
    assert world.versions(hit.source_key) == 0 and world.versions(miss.source_key) == 0
    assert world.versions(miss.crop_key) == 0
    assert world.versions(hit.crop_key) == 2
    [entry] = world.log_entries()
    assert entry["classes"]["images"]["deleted"] == 2 and entry["classes"]["crops"]["deleted"] == 1


def test_destruction_log_lands_in_the_audit_bucket(world: World) -> None:
    sweep(world.deps())
    keys = [o["Key"] for o in world.s3.list_objects_v2(Bucket=world.resources.audit_bucket)["Contents"]]
    assert len(keys) == 1 and keys[0].startswith(DESTRUCTION_LOG_PREFIX)


def test_a_sweep_reads_only_what_is_due_whatever_else_the_table_holds(world: World) -> None:
    # Given 200 hit reads kept 1 to 30 days (each with its frame's record) and 3 non-hit reads past expiry
    for n in range(200):
        world.put_read(f"4KEP{n:03d}", NOW, 1 + n % 30, hit=True, camera=f"cam-{n % 20}", objects=False)
    due = [world.put_read(f"9DUE{n:03d}", NOW - timedelta(days=31), 30) for n in range(3)]
    # When the sweeper runs
    report = sweep(world.deps())
    # Then the due reads and their records are gone, with their crops and frames, and everything else stays
    assert len(world.read_ids()) == 200 and not world.read_ids() & {r.read_id for r in due}
    assert all(world.versions(r.crop_key) == 0 and world.versions(r.source_key) == 0 for r in due)
    assert report.classes["non_hit_reads"].deleted == 3 and report.classes["image_records"].deleted == 3
    # And it read exactly the 6 due items from the indexes, none of the 400 others
    assert report.items_read == 6
    assert world.log_entries()[0]["items_read"] == 6


def test_an_old_frame_of_camera_b_behind_newer_frames_of_camera_a_is_deleted(world: World) -> None:
    # Given frames kept 3 minutes: camera B's frame from 5 minutes ago, behind 30 newer frames of camera A
    # (keys of camera A sort first: a listing from the start of incoming/ would reach B last)
    world.now = NOW - timedelta(minutes=5)
    old_b = world.put_read("2CAMB00", world.now, 30, camera="cam-b")
    world.now = NOW - timedelta(minutes=1)
    newer_a = [world.put_read(f"1CAMA{n:02d}", world.now, 30, camera="cam-a") for n in range(30)]
    # When a small-batch sweep runs with images and crops kept 3 minutes
    report = sweep(world.deps(NOW, images=timedelta(minutes=3), crops=timedelta(minutes=3), batch_size=5))
    # Then camera B's frame and crop are destroyed, 2 minutes late; camera A's are not due and stay
    assert world.versions(old_b.source_key) == 0 and world.versions(old_b.crop_key) == 0
    assert all(world.versions(r.source_key) == 1 and world.versions(r.crop_key) == 2 for r in newer_a)
    assert report.classes["images"].deleted == 1 and report.classes["crops"].deleted == 1
    assert report.classes["images"].oldest_lateness_seconds == pytest.approx(120, abs=5)
    # And it read only camera B's two entries (its frame's record and its read)
    assert report.items_read == 2


def test_lateness_is_reported_for_due_items_a_run_leaves_behind(world: World) -> None:
    # Given five reads an hour past expiry and a run bounded to 2
    for n in range(5):
        world.put_read(f"7LAT{n:03d}", NOW - timedelta(days=30, hours=1), 30, objects=False)
    # When it runs / Then the ones it could not reach are reported late, not 0
    report = sweep(world.deps(batch_size=2, max_batches=1))
    assert not report.classes["non_hit_reads"].complete
    assert report.classes["non_hit_reads"].remaining_lateness_seconds == pytest.approx(3600, abs=5)
    assert report.max_lateness_seconds >= 3600
    assert world.log_entries()[0]["classes"]["non_hit_reads"]["remaining_lateness_seconds"] >= 3600


def test_an_item_left_in_an_older_hour_is_found_deleted_and_reported_late(world: World) -> None:
    # Given a read that fell due 20 hours ago while no sweep ran (outside every run's lookback)
    world.now = NOW - timedelta(hours=20)
    stranded = world.put_read("7OUT001", world.now - timedelta(days=30), 30, objects=False)
    # When the sweeper passes every 30 s / Then a pass's sampled older hours reach it within 24 passes
    for step in range(24):
        report = sweep(world.deps(NOW + timedelta(seconds=30 * step)))
        if report.classes["non_hit_reads"].deleted:
            break
    assert stranded.read_id not in world.read_ids()
    # And that run logs how late it was: 20 hours, which the late-deletion alarm sees
    assert report.max_lateness_seconds >= 20 * 3600


def test_held_frames_and_crops_survive_the_age_pass(world: World) -> None:
    # Given two reads with frames and crops kept 3 minutes, written 5 minutes ago, one under a legal hold
    world.now = NOW - timedelta(minutes=5)
    held = world.put_read("7HLD010", world.now, 30)
    free = world.put_read("7FRE011", world.now, 30)
    place_hold(
        world.holds,
        agency=AGENCY,
        read_ids=[held.read_id],
        case_number="C-11",
        reason="Assault investigation",
        placed_by="Sgt. Ames",
        ends_at=NOW + timedelta(days=30),
        now=NOW,
    )
    # When the sweeper runs
    report = sweep(world.deps(NOW, images=timedelta(minutes=3), crops=timedelta(minutes=3)))
    # Then the held read's frame and crop stay, the other's go
    assert world.versions(held.source_key) == 1 and world.versions(held.crop_key) == 2
    assert world.versions(free.source_key) == 0 and world.versions(free.crop_key) == 0
    assert report.classes["images"].held_skipped == 1 and report.classes["crops"].held_skipped == 1


def test_a_one_minute_run_sweeps_twice_thirty_seconds_apart(world: World) -> None:
    sleeps: list[float] = []
    # Given the one-minute schedule and a run with time left / Then it sweeps twice, the second 30 s on
    reports = sweep_run(world.deps(), 60, sleep=sleeps.append, seconds_left=lambda: 55.0)
    assert len(reports) == 2 and sleeps == [pytest.approx(30, abs=1)]
    # And a run short of time, or on the 15-minute schedule, sweeps once
    assert len(sweep_run(world.deps(), 60, sleep=sleeps.append, seconds_left=lambda: 40.0)) == 1
    assert len(sweep_run(world.deps(), 900, sleep=sleeps.append, seconds_left=lambda: 300.0)) == 1


def test_items_written_before_the_index_join_it_with_the_one_off_backfill(world: World) -> None:
    # Given an expired read written before the upgrade: no expiry_bucket, so no sweep can see it
    read = world.put_read("7PRE001", NOW - timedelta(days=31), 30, objects=False)
    for item in [*ReadItem.scan(), *ImageItem.scan()]:
        type(item)(*([item.pk, item.sk] if isinstance(item, ReadItem) else [item.source_key])).update(
            actions=[type(item).expiry_bucket.remove()]
        )
    assert sweep(world.deps()).classes["non_hit_reads"].deleted == 0
    # When the backfill runs once / Then the next sweep finds and deletes it
    assert backfill_expiry_index(NOW.timestamp()) == {
        "reads": 1,
        "alerts": 0,
        "hotlist_entries": 0,
        "image_records": 1,
    }
    assert sweep(world.deps()).classes["non_hit_reads"].deleted == 1
    assert read.read_id not in world.read_ids()
