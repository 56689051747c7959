"""`plateguard retention sweep|hold`: run the retention sweeper once, and manage legal holds.

`sweep` targets the running local mode (`.plateguard/local.json`: endpoint, region, table and bucket
names). `hold place|list|release` go through the officer API, SigV4-signed (local mode's supervisor by
default, or `--api-url` with the standard AWS credential chain), so every hold change is authorized
against the user registry and audited; the hold's agency and author are the caller's.
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
from urllib.parse import quote

from plateguard.commands.search import TargetError, add_target_arguments, call_api_ok
from plateguard.commands.state import DEFAULT_STATE_DIR, read_state


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

    reindex = actions.add_parser(
        "reindex", help="once after an upgrade: put items written before the expiry index into it"
    )
    reindex.set_defaults(func=run_reindex)

    hold = actions.add_parser("hold", help="place, list and release legal holds").add_subparsers(
        dest="hold_command", metavar="HOLD_ACTION", required=True
    )
    place = hold.add_parser("place", help="keep specific reads for a case until released or the end date")
    place.add_argument("--read", dest="read_ids", action="append", required=True, help="read id (repeatable)")
    place.add_argument("--case", dest="case_number", required=True, help="case number")
    place.add_argument("--reason", required=True, help="why (at least 10 characters)")
    place.add_argument("--until", required=True, help="end date (YYYY-MM-DD, end of day UTC) or ISO time")
    place.add_argument("--json", action="store_true", help="print the API's JSON response")
    add_target_arguments(place, default_user="supervisor", state_dir=False)
    place.set_defaults(func=run_hold_place)

    listing = hold.add_parser("list", help="list your agency's holds")
    listing.add_argument("--all", action="store_true", help="include released and ended holds")
    listing.add_argument("--json", action="store_true", help="print the API's JSON response")
    add_target_arguments(listing, default_user="supervisor", state_dir=False)
    listing.set_defaults(func=run_hold_list)

    release = hold.add_parser("release", help="release a hold: normal retention resumes")
    release.add_argument("--hold", dest="hold_id", required=True, help="the hold id `retention hold list` shows")
    release.add_argument("--json", action="store_true", help="print the API's JSON response")
    add_target_arguments(release, default_user="supervisor", state_dir=False)
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
    from plateguard.logic.sweeper import SweeperDependencies, format_report, sweep
    from plateguard.models.sweep import SWEEP_INTERVAL_SECONDS, SweepLimits
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


def run_reindex(args: argparse.Namespace) -> int:
    from plateguard.dal.sweeper_store import backfill_expiry_index

    try:
        connect_local(args.state_dir)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for source, count in backfill_expiry_index(time_module.time()).items():
        print(f"{source}: {count} item(s) added to the expiry index")
    return 0


def _hold_line(h: dict[str, Any]) -> str:
    return (
        f"{h['hold_id']}  case={h['case_number']}  reads={len(h['read_ids'])}  {h['state']}  "
        f"until={h['until'][:10]}  by={h['placed_by']}  reason={h['reason']}"
    )


def run_hold_place(args: argparse.Namespace) -> int:
    try:
        until = _parse_until(args.until)
    except ValueError as exc:
        print(f"error: --until: {exc}", file=sys.stderr)
        return 2
    body = {"read_ids": args.read_ids, "case_number": args.case_number, "reason": args.reason}
    hold, code = call_api_ok(args, "POST", "/holds", body={**body, "until": until.isoformat()})
    if hold is None:
        return code
    if args.json:
        print(json.dumps(hold, indent=2))
    else:
        print(
            f"hold {hold['hold_id']} placed on {len(hold['read_ids'])} read(s) for case {hold['case_number']} "
            f"until {datetime.fromisoformat(hold['until']):%Y-%m-%d %H:%M} UTC by {hold['placed_by']}"
        )
    return 0


def run_hold_list(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "GET", "/holds", {"include_ended": "true"} if args.all else None)
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    for h in body["holds"]:
        print(_hold_line(h))
    print(f"{body['count']} hold(s)")
    return 0


def run_hold_release(args: argparse.Namespace) -> int:
    hold, code = call_api_ok(args, "DELETE", f"/holds/{quote(args.hold_id, safe='')}")
    if hold is None:
        return code
    if args.json:
        print(json.dumps(hold, indent=2))
    else:
        print(f"hold {hold['hold_id']} released; normal retention resumes for {len(hold['read_ids'])} read(s)")
    return 0
