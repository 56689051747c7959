"""`plateguard retention sweep|hold`: run the retention sweeper once, and manage legal holds.

Target: the running local mode (`.plateguard/local.json`: endpoint, region, table and bucket names).
"""

from __future__ import annotations

import argparse
import json
import sys
import time as time_module
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from plateguard.local.runner import DEFAULT_STATE_DIR, read_state


class TargetError(RuntimeError):
    pass


@dataclass(frozen=True)
class LocalTarget:
    state: dict[str, Any]
    session: Any

    @property
    def endpoint(self) -> str:
        return str(self.state["aws_endpoint_url"])

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)


def connect_local(state_dir: Path) -> LocalTarget:
    """Bind every pynamodb model to the running local mode's tables, signing as its fake identity."""
    import boto3

    from plateguard.dal.tables import MODELS_BY_TABLE, bind_tables
    from plateguard.local.runner import _LOCAL_ENV  # local mode's fixed fake credentials for moto

    state = read_state(state_dir)
    if not state:
        raise TargetError(f"plateguard local is not running here (no {state_dir / 'local.json'}); start it first")
    region = str(state["region"])
    bind_tables(dict(state["tables"]), region=region, host=str(state["aws_endpoint_url"]))
    for model in MODELS_BY_TABLE.values():
        model.Meta.aws_access_key_id = _LOCAL_ENV["AWS_ACCESS_KEY_ID"]
        model.Meta.aws_secret_access_key = _LOCAL_ENV["AWS_SECRET_ACCESS_KEY"]
        model._connection = None
    session = boto3.Session(
        aws_access_key_id=_LOCAL_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=_LOCAL_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=region,
    )
    return LocalTarget(state, session)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("retention", help="retention sweeper and legal holds (local mode)")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)
    actions = parser.add_subparsers(dest="retention_command", metavar="ACTION", required=True)

    sweep = actions.add_parser("sweep", help="run the retention sweeper once and print the destruction log")
    sweep.add_argument("--policy", type=Path, help="policy file: also destroys images and crops by age")
    sweep.add_argument("--json", action="store_true", help="print the destruction log entry as JSON")
    sweep.add_argument(
        "--repeat", action="store_true", help="keep sweeping on the policy's schedule (as the deployed one does)"
    )
    sweep.set_defaults(func=run_sweep)

    hold = actions.add_parser("hold", help="place, list and release legal holds").add_subparsers(
        dest="hold_command", metavar="HOLD_ACTION", required=True
    )
    place = hold.add_parser("place", help="keep specific reads for a case until released or the end date")
    place.add_argument("--agency", required=True)
    place.add_argument("--read", dest="read_ids", action="append", required=True, help="read id (repeatable)")
    place.add_argument("--case", dest="case_number", required=True, help="case number")
    place.add_argument("--reason", required=True)
    place.add_argument("--until", required=True, help="end date (YYYY-MM-DD, end of day UTC) or ISO time")
    place.add_argument("--by", dest="actor", required=True, help="the supervisor placing the hold")
    place.set_defaults(func=run_hold_place)

    listing = hold.add_parser("list", help="list holds")
    listing.add_argument("--agency")
    listing.add_argument("--all", action="store_true", help="include released and ended holds")
    listing.set_defaults(func=run_hold_list)

    release = hold.add_parser("release", help="release a hold: normal retention resumes")
    release.add_argument("--agency", required=True)
    release.add_argument("--hold", dest="hold_id", required=True)
    release.add_argument("--by", dest="actor", required=True, help="the supervisor releasing the hold")
    release.set_defaults(func=run_hold_release)


def _parse_until(text: str) -> datetime:
    if len(text) == 10:
        return datetime.combine(datetime.fromisoformat(text).date(), time.max, tzinfo=UTC)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run_sweep(args: argparse.Namespace) -> int:
    from plateguard.dal.holds import DynamoHoldStore
    from plateguard.dal.sweeper_store import DynamoSweepStore, S3DestructionLog, S3SweepObjects
    from plateguard.logic.holds import ActiveHolds
    from plateguard.logic.sweeper import (
        SWEEP_INTERVAL_SECONDS,
        SweeperDependencies,
        SweepLimits,
        format_report,
        sweep,
    )
    from plateguard.policy.enforcement import sweep_interval, sweep_limits
    from plateguard.policy.loader import PolicyError, load_policy

    try:
        limits = sweep_limits(load_policy(args.policy)) if args.policy else SweepLimits()
        target = connect_local(args.state_dir)
    except (PolicyError, TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    s3 = target.client("s3")
    deps = SweeperDependencies(
        store=DynamoSweepStore(),
        objects=S3SweepObjects(s3, target.state["images_bucket"]),
        holds=ActiveHolds(DynamoHoldStore()),
        log=S3DestructionLog(s3, target.state["audit_bucket"]),
        limits=limits,
    )
    interval = sweep_interval(load_policy(args.policy)) if args.policy else SWEEP_INTERVAL_SECONDS
    try:
        while True:
            report = sweep(deps)
            print(json.dumps(report.to_log(), indent=2) if args.json else format_report(report), flush=True)
            if not args.repeat:
                return 0
            time_module.sleep(interval)
    except KeyboardInterrupt:
        return 0


def _holds(args: argparse.Namespace) -> Any:
    from plateguard.dal.holds import DynamoHoldStore

    connect_local(args.state_dir)
    return DynamoHoldStore()


def run_hold_place(args: argparse.Namespace) -> int:
    from plateguard.logic.holds import HoldError, place_hold

    try:
        hold = place_hold(
            _holds(args),
            agency=args.agency,
            read_ids=args.read_ids,
            case_number=args.case_number,
            reason=args.reason,
            placed_by=args.actor,
            ends_at=_parse_until(args.until),
            now=datetime.now(UTC),
        )
    except (HoldError, TargetError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"hold {hold.hold_id} placed on {len(hold.read_ids)} read(s) for case {hold.case_number} "
        f"until {hold.ends_at:%Y-%m-%d %H:%M} UTC"
    )
    return 0


def run_hold_list(args: argparse.Namespace) -> int:
    try:
        holds = _holds(args).list_holds(args.agency)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    shown = [h for h in holds if args.all or h.is_active(now)]
    for h in shown:
        state = "active" if h.is_active(now) else ("released" if h.released_at else "ended")
        print(
            f"{h.hold_id}  {h.agency}  case={h.case_number}  reads={len(h.read_ids)}  {state}  "
            f"until={h.ends_at:%Y-%m-%d}  by={h.placed_by}  reason={h.reason}"
        )
    print(f"{len(shown)} hold(s)")
    return 0


def run_hold_release(args: argparse.Namespace) -> int:
    from plateguard.logic.holds import HoldError, release_hold

    try:
        hold = release_hold(
            _holds(args), agency=args.agency, hold_id=args.hold_id, released_by=args.actor, now=datetime.now(UTC)
        )
    except (HoldError, TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"hold {hold.hold_id} released; normal retention resumes for {len(hold.read_ids)} read(s)")
    return 0
