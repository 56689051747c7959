"""Retention sweep at volume: the work of a sweep follows what falls due, not what is stored.

Run: python -m benchmarks.retention [--items 20000,200000] [--due 400] [--cameras 200]

For each size it seeds, on in-process moto, that many reads (a quarter as many frames: image-outcome
records) across the cameras, of which the same number are due at every size: New Hampshire non-hit
reads, crops and frames kept 3 minutes, written 3 minutes and up to 30 s before the sweep (what fell
due since the previous sweep: the one-minute schedule sweeps twice a run), spread over every camera.
The rest is what a busy table holds: hit reads and their records kept 1 to 30 days, whose frames and
crops were already handled (out of the age index). Only the due items' crops and frames are put in
S3: the sweep deletes objects by the keys its items name and never lists the bucket, so objects it
does not name cost it nothing.

It then runs one sweep (the policy's 3-minute images and crops) and prints, per size, one line (the
last is the largest size; a contract):
items=N due=N deleted=N max_lateness_s=F sweep_s=F reads_scanned=N
  items: reads and image records stored; due / deleted: those past their expiry, and those the sweep
  deleted (then checked by a scan after the run, outside the timing); max_lateness_s: the latest any
  item was destroyed past its expiry (as the destruction log records it: when its batch was destroyed,
  objects included); reads_scanned: index entries the sweep read.

moto answers a GSI query by walking the whole table and copies the whole bucket on every version
listing, so sweep_s on moto grows with the table even though the items read do not; DynamoDB reads
only the queried hour's partition, and S3 lists only the key asked for.
"""

from __future__ import annotations

import argparse
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from plateguard.dal import tables
from plateguard.dal.holds import DynamoHoldStore
from plateguard.dal.sweeper_store import DynamoSweepStore, S3DestructionLog, S3SweepObjects
from plateguard.dal.tables import ImageItem, ReadItem, bind_tables
from plateguard.local.provision import provision
from plateguard.logic.holds import ActiveHolds
from plateguard.logic.sweeper import SweeperDependencies, sweep
from plateguard.models.sweep import FAST_SWEEP_INTERVAL_SECONDS, FAST_SWEEP_PASSES, SweepLimits

REGION = "us-west-2"
AGENCY = "nh-pd"
RETENTION = timedelta(minutes=3)  # New Hampshire: non-hit reads, crops and frames
# Between two sweeps at sub-day retention: the one-minute schedule, swept FAST_SWEEP_PASSES times a run.
SPACING = timedelta(seconds=FAST_SWEEP_INTERVAL_SECONDS / FAST_SWEEP_PASSES)
READS_PER_FRAME = 4


class Clock:
    """The benchmark's moment: the models stamp their index keys with it (tables.write_clock)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def epoch(self) -> float:
        return self.now.timestamp()


def _read(camera: str, frame_key: str, captured: datetime, expires: datetime, hit: bool, aged: bool) -> ReadItem:
    read_id = uuid.uuid4().hex[:24]
    plate = f"{random.randrange(36**6):06X}"
    item = ReadItem(
        f"{AGENCY}#{plate}",
        f"{captured.isoformat(timespec='milliseconds')}#{read_id}",
        camera_pk=f"{AGENCY}#{camera}",
        day_pk=f"{AGENCY}#{captured:%Y-%m-%d}",
        read_id=read_id,
        agency=AGENCY,
        camera_id=camera,
        captured_at=captured,
        plate=plate,
        raw_text=plate,
        confidence=0.95,
        box=[1, 2, 3, 4],
        crop_key=f"crops/{AGENCY}/{camera}/{read_id}.jpg",
        source_key=frame_key,
        lat=43.2,
        lon=-71.5,
        hit=hit,
        expires_at=int(expires.timestamp()),
    )
    if aged:  # its crop was handled by an earlier sweep: written with age keys, but out of the age index
        item.age_since = int(captured.timestamp())
    return item


def _frame(camera: str, frame_key: str, processed: datetime, expires: datetime, read_ids: list[str], aged: bool) -> Any:
    item = ImageItem(
        frame_key,
        outcome="reads_stored",
        processed_at=processed,
        agency=AGENCY,
        camera_id=camera,
        read_ids=read_ids,
        expires_at=int(expires.timestamp()),
    )
    if aged:
        item.age_since = int(processed.timestamp())
    return item


class TimedObjects:
    """The object store, timed and counted: moto's version listing copies the whole bucket on every call."""

    def __init__(self, inner: S3SweepObjects) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0

    def destroy(self, keys: list[str]) -> None:
        started = time.perf_counter()
        self.inner.destroy(keys)
        self.seconds += time.perf_counter() - started
        unique = len(set(keys))
        self.calls += unique + -(-unique // 1000)  # one version listing per key, one delete per 1,000


class CountedStore:
    """The sweep store, with its DynamoDB requests counted (one per query page, delete or update)."""

    def __init__(self, inner: DynamoSweepStore) -> None:
        self.inner = inner
        self.queries = 0
        self.writes = 0

    def due(self, source: str, bucket: str, now_epoch: int, limit: int, cursor: Any) -> Any:
        self.queries += 1
        return self.inner.due(source, bucket, now_epoch, limit, cursor)

    def aged(self, source: str, bucket: str, cutoff_epoch: int, limit: int, cursor: Any) -> Any:
        self.queries += 1
        return self.inner.aged(source, bucket, cutoff_epoch, limit, cursor)

    def delete(self, items: list[Any], now_epoch: int) -> Any:
        self.writes += len(items)
        return self.inner.delete(items, now_epoch)

    def done_aging(self, items: list[Any]) -> None:
        self.writes += len(items)
        self.inner.done_aging(items)


def run(items: int, due: int, cameras: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    random.seed(seed)
    frames = items // READS_PER_FRAME
    due_frames = due // READS_PER_FRAME
    with mock_aws():
        clients = {n: boto3.client(n, region_name=REGION) for n in ("dynamodb", "s3", "sqs", "sns")}
        resources = provision(clients, REGION, prefix=f"bench-{uuid.uuid4().hex[:6]}")
        bind_tables(resources.table_names, region=REGION, host=None)
        s3 = clients["s3"]
        sweep_at = datetime.now(UTC).replace(microsecond=0)
        clock = Clock(sweep_at)
        tables.write_clock = clock.epoch
        started = time.perf_counter()
        camera_ids = [f"cam-{n:03d}" for n in range(cameras)]
        due_keys: list[str] = []
        with ReadItem.batch_write() as read_batch, ImageItem.batch_write() as frame_batch:
            for n in range(frames):
                camera = camera_ids[n % cameras]
                is_due = n < due_frames
                if is_due:
                    # Written 3 minutes and up to one spacing before the sweep: due since the previous sweep.
                    written = sweep_at - RETENTION - timedelta(seconds=rng.uniform(0, SPACING.total_seconds()))
                    expires = written + RETENTION
                else:
                    written = sweep_at - timedelta(hours=rng.uniform(1, 72))
                    expires = sweep_at + timedelta(days=rng.uniform(1, 30))
                clock.now = written
                frame_key = f"incoming/{AGENCY}/{camera}/{written:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.jpg"
                reads = [
                    _read(camera, frame_key, written, expires, hit=not is_due, aged=not is_due)
                    for _ in range(READS_PER_FRAME)
                ]
                for read in reads:
                    read_batch.save(read)
                frame_batch.save(
                    _frame(camera, frame_key, written, expires, [r.read_id for r in reads], aged=not is_due)
                )
                if is_due:
                    due_keys += [frame_key, *(r.crop_key for r in reads)]
        for key in due_keys:
            s3.put_object(Bucket=resources.images_bucket, Key=key, Body=b"jpeg")
        seed_s = time.perf_counter() - started

        clock.now = sweep_at
        objects = TimedObjects(S3SweepObjects(s3, resources.images_bucket))
        started = time.perf_counter()
        store = CountedStore(DynamoSweepStore())
        deps = SweeperDependencies(
            store=store,
            objects=objects,
            holds=ActiveHolds(DynamoHoldStore()),
            log=S3DestructionLog(s3, resources.audit_bucket),
            limits=SweepLimits(images=RETENTION, crops=RETENTION),
            # The run starts at sweep_at and its clock runs on: lateness is taken when each batch is destroyed.
            clock=lambda: sweep_at + timedelta(seconds=time.perf_counter() - started),
        )
        report = sweep(deps)
        sweep_s = time.perf_counter() - started

        stored = frames * (READS_PER_FRAME + 1)
        due_items = due_frames * (READS_PER_FRAME + 1)
        remaining = ReadItem.count() + ImageItem.count()
        left_objects = sum(
            len(page.get("Contents", []))
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=resources.images_bucket)
        )
        deleted = sum(report.classes[c].deleted for c in ("non_hit_reads", "hit_reads", "image_records"))
        assert stored - remaining == deleted, (stored, remaining, deleted)
    return {
        "items": stored,
        "due": due_items,
        "deleted": deleted,
        "max_lateness_s": report.max_lateness_seconds,
        "s3_s": objects.seconds,
        "calls": f"{store.queries} DynamoDB queries, {store.writes} deletes/updates, {objects.calls} S3 requests",
        "sweep_s": sweep_s,
        "reads_scanned": report.items_read,
        "objects_left": left_objects,
        "seed_s": seed_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", default="20000,200000", help="reads to store, comma-separated sizes")
    parser.add_argument("--due", type=int, default=400, help="reads due at every size")
    parser.add_argument("--cameras", type=int, default=200)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    lines = []
    for size in (int(s) for s in args.items.split(",")):
        r = run(size, args.due, args.cameras, args.seed)
        print(
            f"# {size} reads: seeded in {r['seed_s']:.0f} s; of the sweep, {r['s3_s']:.1f} s destroying objects "
            f"(moto S3); due crops and frames left in S3: {r['objects_left']}; requests: {r['calls']}",
            flush=True,
        )
        line = (
            f"items={r['items']} due={r['due']} deleted={r['deleted']} max_lateness_s={r['max_lateness_s']:.1f} "
            f"sweep_s={r['sweep_s']:.2f} reads_scanned={r['reads_scanned']}"
        )
        lines.append(line)
        print(line, flush=True)


if __name__ == "__main__":
    main()
