"""`plateguard demo`: local mode + camera uploads + live reads and alerts + a summary line.

Frames are synthetic scenes with rendered plates (one on the demo hot list, one on an expired entry
that must not alert) plus deliberately bad uploads that must end in quarantine; or `--images DIR`.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plateguard.commands.local import format_alert
from plateguard.local.runner import DEFAULT_STATE_DIR, AlreadyRunning, LocalEnvironment
from plateguard.local.seed import DEMO_AGENCY, DEMO_CAMERAS, DEMO_HOTLIST_PLATE
from plateguard.logic.keys import build_upload_key
from plateguard.models.records import ImageOutcome, Outcome

DEMO_PLATES = (DEMO_HOTLIST_PLATE, "5MNB217", "8TRX660", "4XPL221", "6LQZ105")


@dataclass(frozen=True)
class Upload:
    label: str
    key: str
    body: bytes
    metadata: dict[str, str]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="start local mode, upload camera frames, print reads and alerts")
    parser.add_argument("--images", type=Path, help="upload the JPEG/PNG files in DIR instead of synthetic frames")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for every outcome")
    parser.set_defaults(func=run_demo)


def synthetic_uploads(now: datetime) -> list[Upload]:
    from plateguard.logic.imaging import encode_jpeg
    from plateguard.recognition.synth import render_scene

    cameras = [c for c in DEMO_CAMERAS if c.agency == DEMO_AGENCY]
    uploads = []
    for i, plate in enumerate(DEMO_PLATES):
        camera = cameras[i % len(cameras)]
        frame = encode_jpeg(render_scene([plate], seed=i))
        uploads.append(_upload(f"frame with plate {plate}", camera.camera_id, frame, now))
    blank = encode_jpeg(render_scene([], seed=99))
    uploads.append(_upload("frame with no vehicle", cameras[0].camera_id, blank, now))
    # Deliberately bad uploads: each must end in quarantine with a reason, never be lost.
    whole = encode_jpeg(render_scene(["2BAD404"], seed=7))
    uploads.append(_upload("truncated upload (bad input)", cameras[0].camera_id, whole[: len(whole) // 2], now))
    uploads.append(_upload("unregistered camera (bad input)", "cam-unregistered", whole, now))
    uploads.append(_upload("not an image (bad input)", cameras[1].camera_id, b"GIF89a this is not a camera frame", now))
    return uploads


def directory_uploads(directory: Path, now: datetime) -> list[Upload]:
    cameras = [c for c in DEMO_CAMERAS if c.agency == DEMO_AGENCY]
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    return [
        _upload(path.name, cameras[i % len(cameras)].camera_id, path.read_bytes(), now, ext=path.suffix.lower()[1:])
        for i, path in enumerate(files)
    ]


def _upload(label: str, camera_id: str, body: bytes, now: datetime, ext: str = "jpg") -> Upload:
    camera = next((c for c in DEMO_CAMERAS if c.camera_id == camera_id), DEMO_CAMERAS[0])
    key = build_upload_key(DEMO_AGENCY, camera_id, now, str(uuid.uuid4()), "jpg" if ext == "jpeg" else ext)
    metadata = {"captured-at": now.isoformat(), "lat": str(camera.lat), "lon": str(camera.lon), "heading": "90"}
    return Upload(label, key, body, metadata)


def _progress(done: int, total: int) -> str:
    width = 30
    filled = int(width * done / total) if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def run_demo(args: argparse.Namespace) -> int:
    environment = LocalEnvironment(state_dir=DEFAULT_STATE_DIR, on_alert=lambda a: print(format_alert(a), flush=True))
    print("Starting PlateGuard local mode (moto server on 127.0.0.1, real handlers, ONNX reader)...", flush=True)
    try:
        environment.start()
    except AlreadyRunning as exc:
        print(f"error: {exc}")
        return 1
    try:
        return _run(environment, args)
    finally:
        environment.stop()


def _run(environment: LocalEnvironment, args: argparse.Namespace) -> int:
    from plateguard.handlers.ingest import get_ingest_dependencies

    print(f"Local AWS at {environment.endpoint_url}; demo hot list has {DEMO_HOTLIST_PLATE}.", flush=True)
    now = datetime.now(UTC)
    if args.images:
        if not args.images.is_dir():
            print(f"error: --images {args.images} is not a directory")
            return 2
        uploads = directory_uploads(args.images, now)
        if not uploads:
            print(f"error: no .jpg/.jpeg/.png files in {args.images}")
            return 2
    else:
        uploads = synthetic_uploads(now)

    s3 = environment.client("s3")
    bucket = environment.state["images_bucket"]
    for upload in uploads:  # as a camera would: PutObject with capture metadata
        s3.put_object(Bucket=bucket, Key=upload.key, Body=upload.body, Metadata=upload.metadata)
    print(f"Uploaded {len(uploads)} images to s3://{bucket}/incoming/{DEMO_AGENCY}/", flush=True)

    repository: Any = get_ingest_dependencies().repository
    pending = {u.key: u for u in uploads}
    outcomes: dict[str, ImageOutcome] = {}
    deadline = time.monotonic() + args.timeout
    while pending and time.monotonic() < deadline:
        for key in list(pending):
            outcome = repository.get_outcome(key)
            if outcome is None:
                continue
            outcomes[key] = outcome
            _print_outcome(pending.pop(key), outcome, repository)
            print(_progress(len(outcomes), len(uploads)), flush=True)
        time.sleep(0.2)

    expected_alerts = sum(len(o.alert_ids) for o in outcomes.values())
    alert_deadline = time.monotonic() + 15
    while len(environment.alerts) < expected_alerts and time.monotonic() < alert_deadline:
        time.sleep(0.2)

    reads = sum(len(o.read_ids) for o in outcomes.values())
    quarantined = sum(o.outcome is Outcome.QUARANTINED for o in outcomes.values())
    no_plate = sum(o.outcome is Outcome.NO_PLATE for o in outcomes.values())
    for key, upload in pending.items():
        print(f"NOT PROCESSED in {args.timeout:.0f}s: {upload.label} ({key})")
    for error in environment.dispatcher_errors:
        print(f"dispatcher error: {error}", file=sys.stderr)
    print(
        f"images={len(uploads)} reads={reads} alerts={len(environment.alerts)} "
        f"quarantined={quarantined} no_plate={no_plate}",
        flush=True,
    )
    return 1 if pending else 0


def _print_outcome(upload: Upload, outcome: ImageOutcome, repository: Any) -> None:
    if outcome.outcome is Outcome.QUARANTINED:
        print(f"quarantined  {upload.label}: {outcome.reason} - {outcome.detail}")
    elif outcome.outcome is Outcome.NO_PLATE:
        print(f"no plate     {upload.label}: the reader found no plate (kept as a no-plate record)")
    else:
        for read in repository.reads_for_source(outcome.source_key, outcome.read_ids):
            flag = " LOW-CONFIDENCE" if read.low_confidence else ""
            hit = " HOT-LIST HIT" if read.hit else ""
            where = f"({upload.label}, {read.camera_id})"
            print(f"read         {read.plate:<10} conf={read.confidence:.2f}{flag}{hit}  {where}")
