"""`plateguard demo`: local mode + camera uploads + live reads and alerts + a summary line.

Frames are synthetic scenes with rendered plates (one on the demo hot list, one on an expired entry
that must not alert) plus deliberately bad uploads that must end in quarantine; or `--images DIR`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from plateguard import schema
from plateguard.commands.local import format_alert
from plateguard.local.runner import DEFAULT_STATE_DIR, AlreadyRunning, LocalEnvironment
from plateguard.local.seed import DEMO_AGENCY, DEMO_CAMERAS, DEMO_HOTLIST_PLATE
from plateguard.logic.keys import build_upload_key
from plateguard.models.records import ImageOutcome, Outcome

# The story the frames tell (see run_demo): an exact hit, its repeat within the dedup window, a read
# that misses one character of a listed plate (ambiguous), a plate on an expired entry, a plate added
# to a list only after it was read (historical hit), and a plate on no list.
AMBIGUOUS_READ = "MNB217"  # the listed plate is 5MNB217: the camera missed its first character
HISTORICAL_PLATE = "3HVW872"
# Work the demo runs in-process is recorded as the deployed function's (its role's) AWS calls.
SWEEPER_HANDLER = "plateguard.handlers.sweeper.handle_retention_sweep"
JOBS_HANDLER = "plateguard.handlers.jobs.handle_scheduled_job"
API_HANDLER = "plateguard.handlers.api.app.handle_api_request"
DEMO_PLATES = (DEMO_HOTLIST_PLATE, DEMO_HOTLIST_PLATE, AMBIGUOUS_READ, "8TRX660", "4XPL221", HISTORICAL_PLATE)
DEMO_HOTLIST_CSV = (
    "plate,state,reason,case_number\n"
    f"{DEMO_HOTLIST_PLATE},CA,Reported stolen 2026-11-20 grey sedan,DPD-2026-004417\n"
    "5MNB217,CA,Reported stolen 2026-11-22 blue van,DPD-2026-004502\n"
    "NOT A PLATE!,CA,,\n"
)


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
        camera = cameras[0] if i < 2 else cameras[i % len(cameras)]  # the repeat: same camera, a minute on
        frame = encode_jpeg(render_scene([plate], seed=i))
        when = now - timedelta(minutes=2) if i == 0 else now
        uploads.append(_upload(f"frame with plate {plate}", camera.camera_id, frame, when))
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


def run_demo(args: argparse.Namespace) -> int:
    from plateguard.commands.output import Progress

    progress = Progress(0)  # on a terminal: one bar redrawn in place; piped: nothing

    def show_alert(alert: dict[str, Any]) -> None:
        progress.clear()
        print(format_alert(alert), flush=True)

    environment = LocalEnvironment(
        state_dir=DEFAULT_STATE_DIR,
        on_alert=show_alert,
        record_aws_calls=True,  # .plateguard/aws-calls.json: the compliance report's unused-permission section
    )
    print("Starting PlateGuard local mode (moto server on 127.0.0.1, real handlers, ONNX reader)...", flush=True)
    try:
        environment.start()
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        return _run(environment, args, progress)
    finally:
        progress.clear()
        environment.stop()


def _run(environment: LocalEnvironment, args: argparse.Namespace, progress: Any = None) -> int:
    from plateguard.commands.output import Progress

    progress = progress or Progress(0)
    from plateguard.wiring import ingest as ingest_wiring

    print(f"Local AWS at {environment.endpoint_url}; officer API at {environment.state.get('api_url')}", flush=True)
    now = datetime.now(UTC)
    imported_hits = 0
    if args.images:
        if not args.images.is_dir():
            print(f"error: --images {args.images} is not a directory", file=sys.stderr)
            return 2
        uploads = directory_uploads(args.images, now)
        if not uploads:
            print(f"error: no .jpg/.jpeg/.png files in {args.images}", file=sys.stderr)
            return 2
    else:
        imported_hits = _import_demo_hotlist(environment)
        uploads = synthetic_uploads(now)

    s3 = environment.client("s3")
    bucket = environment.state["images_bucket"]
    for upload in uploads:  # as a camera would: PutObject with capture metadata
        s3.put_object(Bucket=bucket, Key=upload.key, Body=upload.body, Metadata=upload.metadata)
    print(f"Uploaded {len(uploads)} images to s3://{bucket}/incoming/{DEMO_AGENCY}/", flush=True)

    repository: Any = ingest_wiring.dependencies().repository
    pending = {u.key: u for u in uploads}
    outcomes: dict[str, ImageOutcome] = {}
    deadline = time.monotonic() + args.timeout
    progress.total = len(uploads)
    while pending and time.monotonic() < deadline:
        for key in list(pending):
            outcome = repository.get_outcome(key)
            if outcome is None:
                continue
            outcomes[key] = outcome
            progress.clear()
            _print_outcome(pending.pop(key), outcome, repository)
            progress.update(len(outcomes))
        time.sleep(0.2)

    progress.clear()
    expected_alerts = imported_hits + sum(len(o.alert_ids) for o in outcomes.values())
    if not args.images:
        expected_alerts += _historical_hit(environment)
    alert_deadline = time.monotonic() + 15
    while len(environment.alerts) < expected_alerts and time.monotonic() < alert_deadline:
        time.sleep(0.2)
    if not args.images:
        _show_payloads_and_dispositions(environment, repository)
        _sweep(environment)
        _oversight(environment)

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


def _api(
    environment: LocalEnvironment,
    user: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A SigV4-signed call as one of local mode's users, through the audited API."""
    from plateguard.commands.search import ApiTarget, signed_request
    from plateguard.local.sts import assume_local_role

    state = environment.state
    session = assume_local_role(state["users"][user], state["api_url"], state["region"])  # MFA role session
    target = ApiTarget(state["api_url"], state["region"], session)
    data = json.dumps(body).encode() if body is not None else None
    status, answer = signed_request(target, method, path, params=params, body=data)
    if status != 200:
        raise RuntimeError(f"{method} {path} as {user}: {status} {answer}")
    return dict(answer)


def _import_demo_hotlist(environment: LocalEnvironment) -> int:
    """Import the demo list; the stored reads of its plates (seeded for searches) raise historical alerts."""
    csv_path = environment.state_dir / "demo-hotlist.csv"
    csv_path.write_text(DEMO_HOTLIST_CSV)
    result = _api(
        environment, "supervisor", "POST", "/hotlists/stolen-vehicles/import", {"content": csv_path.read_text()}
    )
    print(
        f"hot list     imported {csv_path} into stolen-vehicles as sgt.chen: accepted={result['accepted']} "
        f"rejected={len(result['rejected'])}"
        + "".join(f" (line {r['row']}: {r['reason']})" for r in result["rejected"])
        + f"; historical hits: {result['historical_hits']}",
        flush=True,
    )
    return int(result["historical_hits"])


def _historical_hit(environment: LocalEnvironment) -> int:
    """An officer lists a plate the cameras already saw: the stored read raises a historical alert."""
    result = _api(
        environment,
        "officer",
        "POST",
        "/hotlists/bolo/entries",
        {"plate": HISTORICAL_PLATE, "reason": "Burglary suspect vehicle", "case_number": "DPD-2026-004610"},
    )
    print(
        f"hot list     officer.garcia added {HISTORICAL_PLATE} to bolo after it was read: "
        f"{len(result['historical_alerts'])} historical alert(s)",
        flush=True,
    )
    return len(result["historical_alerts"])


def _oversight(environment: LocalEnvironment) -> None:
    """Supervisors' side: searches audited, a dormant account disabled, a month's searches sampled and
    reviewed, and the compliance report for contract reviewers."""
    from plateguard.local.users import principal_arn
    from plateguard.logic.access import User, UserStatus
    from plateguard.logic.accounts import disable_lapsed_accounts
    from plateguard.logic.sampling import record_review, sample_searches, sign_off
    from plateguard.models.routes import Role
    from plateguard.wiring import jobs as jobs_wiring

    searches = (
        ("Locate stolen grey sedan reported 2026-11-20", "DPD-2026-004417"),
        ("Investigation", "DPD-2026-000001"),  # vague: the kind of purpose audits exist to catch
    )
    for purpose, case in searches:
        params = {"plate": DEMO_HOTLIST_PLATE, "purpose": purpose, "case_number": case}
        found = _api(environment, "officer", "GET", "/reads", params={**params, "offense_type": "stolen-vehicle"})
        print(
            f"search       officer.garcia searched {DEMO_HOTLIST_PLATE} ({purpose!r}): {found['count']} read(s), "
            "audited"
        )

    deps = jobs_wiring.dependencies()
    now = datetime.now(UTC)
    dormant = principal_arn(DEMO_AGENCY, "officer.dormant")
    deps.users.put(
        User(
            dormant,
            DEMO_AGENCY,
            "officer.dormant",
            Role.OFFICER,
            UserStatus.ACTIVE,
            now - timedelta(days=200),
            "sgt.chen",
            now - timedelta(days=400),
            now - timedelta(days=120),
        )
    )
    with environment.as_function(JOBS_HANDLER):
        changes = disable_lapsed_accounts(
            DEMO_AGENCY,
            users=deps.users,
            trail=deps.trail,
            notifier=deps.sampling.notifier,
            policy=deps.accounts,
            now=now,
        )
    for change in changes:
        summary = change.summary()
        print(f"accounts     {summary['username']}: {summary['action']} ({', '.join(summary['reasons'])}), audited")

    # The agency's records system exports its case numbers; the vague search's case is not among them.
    environment.client("s3").put_object(
        Bucket=environment.state["images_bucket"],
        Key=f"{schema.CASE_REGISTRY_PREFIX}{DEMO_AGENCY}.txt",
        Body=b"DPD-2026-004417\nDPD-2026-004502\nDPD-2026-004610\n",
    )
    # The monthly sampling job, run as it will run on the 1st of next month for this month's searches.
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=6, minute=0, second=0, microsecond=0)
    with environment.as_function(JOBS_HANDLER):
        result = sample_searches(DEMO_AGENCY, deps.sampling_for(DEMO_AGENCY), deps.sampling_policy, next_month)
    print(f"audit sample {result.batch.batch_id}: {len(result.reviews)} search(es) drawn, assigned for review")
    for signal in result.signals:
        print(f"  signal     {signal.kind.value}: {signal.explanation}")
    supervisor = deps.users.get(principal_arn(DEMO_AGENCY, "sgt.chen"))
    for review in result.reviews:
        if supervisor is None or review.assignee != supervisor.username:
            continue
        justified = review.search.get("purpose") != "Investigation"
        with environment.as_function(API_HANDLER):  # deployed, findings are recorded through the API
            done = record_review(
                supervisor,
                DEMO_AGENCY,
                review.review_id,
                justified,
                "purpose and case number match the case file" if justified else "purpose too vague to justify a search",
                reviews=deps.sampling.reviews,
                trail=deps.trail,
                policy=deps.sampling_policy,
                now=next_month,
            )
        verdict = "justified" if justified else "NOT justified"
        print(f"  review     {done.review_id} by {done.reviewed_by}: {verdict} ({review.search.get('purpose')!r})")
    if supervisor is not None and result.reviews:
        with environment.as_function(API_HANDLER):
            signed = sign_off(
                supervisor,
                DEMO_AGENCY,
                result.batch.batch_id,
                "monthly search audit complete",
                reviews=deps.sampling.reviews,
                trail=deps.trail,
                policy=deps.sampling_policy,
                now=next_month,
            )
        print(f"  sign-off   {signed.batch_id} by {signed.signed_off_by}, audited")
    _compliance_report(environment)


def _compliance_report(environment: LocalEnvironment) -> None:
    from plateguard.cli import main as plateguard_main

    out = environment.state_dir / "compliance"
    calls = environment.write_aws_calls()  # the AWS calls so far: the report lists grants none of them used
    print(f"compliance   plateguard report compliance --out {out}", flush=True)
    # The report synthesizes the CDK app (Node.js): a machine where that fails still finishes the demo.
    try:
        record = ["--aws-calls", str(calls)] if calls else []
        passed = plateguard_main(["report", "compliance", "--out", str(out), *record]) == 0
    except Exception as exc:  # shown, not hidden: the demo's other results still stand
        print(f"compliance   could not synthesize the stack: {exc}")
        passed = True
    if not passed:
        print("compliance   the report names failing controls or findings (see above)")
    policy = Path(__file__).resolve().parents[3] / "examples" / "policy" / "california.yaml"
    if policy.exists():  # the repository's example policy (a source checkout; not in a wheel)
        page = environment.state_dir / "transparency"
        print(f"transparency plateguard report transparency --policy {policy.name} --out {page}", flush=True)
        state = ["--state-dir", str(environment.state_dir)]
        plateguard_main(["report", "transparency", "--policy", str(policy), "--out", str(page), *state])


def _sweep(environment: LocalEnvironment) -> None:
    """One retention sweep: expired data goes now, not when DynamoDB TTL gets round to it."""
    from plateguard.dal.holds import DynamoHoldStore
    from plateguard.dal.sweeper_store import DynamoSweepStore, S3DestructionLog, S3SweepObjects
    from plateguard.logic.holds import ActiveHolds
    from plateguard.logic.sweeper import SweeperDependencies, SweepLimits, format_report, sweep

    s3 = environment.client("s3")
    with environment.as_function(SWEEPER_HANDLER):  # its AWS calls are recorded as the sweeper role's
        report = sweep(
            SweeperDependencies(
                store=DynamoSweepStore(),
                objects=S3SweepObjects(s3, environment.state["images_bucket"]),
                holds=ActiveHolds(DynamoHoldStore()),
                log=S3DestructionLog(s3, environment.state["audit_bucket"]),
                limits=SweepLimits(),
            )
        )
    print("retention    sweep destruction log (counts and lateness only, never plates):")
    for line in format_report(report).splitlines():
        print(f"  {line}")


def _show_payloads_and_dispositions(environment: LocalEnvironment, repository: Any) -> None:
    from plateguard.logic.alert_messages import build_sns_message

    alerts = sorted(environment.alerts, key=lambda a: a["captured_at"])
    if not alerts:
        return
    first = repository.get_alert(DEMO_AGENCY, alerts[0]["alert_id"])
    bodies = json.loads(build_sns_message(first))
    print(f"payloads     per protocol for alert {first.alert_id}:")
    print(f"  sms   ({len(bodies['sms'])} chars): {bodies['sms']}")
    print(f"  APNS  {bodies['APNS']}")
    print(f"  GCM   {bodies['GCM']}")
    verdicts = {"exact": "confirmed", "ambiguous": "misread"}
    for alert in alerts:
        verdict = verdicts.get(alert["match_quality"])
        if verdict is None or alert.get("historical"):
            continue
        path = f"/alerts/{alert['alert_id']}/disposition"
        _api(environment, "officer", "POST", path, {"disposition": "acknowledged"})
        done = _api(environment, "officer", "POST", path, {"disposition": verdict, "note": "checked against the crop"})
        print(f"disposition  officer.garcia: alert {done['alert_id']} ({done['plate']}) -> {done['disposition']}")
        verdicts.pop(alert["match_quality"])


def _print_outcome(upload: Upload, outcome: ImageOutcome, repository: Any) -> None:
    if outcome.outcome is Outcome.QUARANTINED:
        print(f"quarantined  {upload.label}: {outcome.reason} - {outcome.detail}")
    elif outcome.outcome is Outcome.NO_PLATE:
        print(f"no plate     {upload.label}: the reader found no plate (kept as a no-plate record)")
    else:
        for read in repository.reads_for_source(outcome.source_key, outcome.read_ids):
            flag = " LOW-CONFIDENCE" if read.low_confidence else ""
            hit = " HOT-LIST HIT" if read.hit else ""
            if read.hit and not outcome.alert_ids:
                hit += " (repeat within the dedup window: counted on the alert, not re-sent)"
            where = f"({upload.label}, {read.camera_id})"
            print(f"read         {read.plate:<10} conf={read.confidence:.2f}{flag}{hit}  {where}")
