"""`plateguard alerts [--follow]`: the alerts that reached the local device inbox;
`plateguard alerts summary`: the agency's alert outcomes and false-hit rates, through the audited API."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from plateguard.commands.local import format_alert
from plateguard.commands.search import add_target_arguments, call_api_ok
from plateguard.commands.state import DEFAULT_STATE_DIR, INBOX_FILE, read_state


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="alerts: the local device inbox, or the outcome summary (summary)",
        description="Without an action: the alerts delivered to the local device inbox.",
    )
    parser.add_argument("--follow", action="store_true", help="keep printing new alerts until Ctrl-C")
    parser.add_argument("--json", action="store_true", help="one JSON object per alert (= --output json)")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)
    parser.set_defaults(func=run_alerts)
    actions = parser.add_subparsers(dest="alerts_command", metavar="ACTION")
    summary = actions.add_parser(
        "summary", help="alert outcomes by disposition, false-hit rates per camera and per list (oversight)"
    )
    summary.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(summary, default_user="supervisor")
    summary.set_defaults(func=run_summary)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def run_summary(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "GET", "/alerts/summary")
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    outcomes = " ".join(f"{name}={count}" for name, count in sorted(body["by_disposition"].items()))
    print(f"alerts={body['alerts']} {outcomes}".rstrip())
    for kind, rows in (("camera", body["cameras"]), ("list", body["lists"])):
        for row in rows:
            print(
                f"{kind} {row[kind]}: verified={row['verified']} misread={row['misread']} "
                f"false_hit_rate={_rate(row['false_hit_rate'])}"
            )
    return 0


def run_alerts(args: argparse.Namespace) -> int:
    inbox = args.state_dir / INBOX_FILE
    if not inbox.exists() and read_state(args.state_dir) is None:
        print("error: no local device inbox: start `plateguard local` (or `plateguard demo`) first", file=sys.stderr)
        return 1
    position = 0
    try:
        while True:
            position = _print_new(inbox, position, args.json)
            if not args.follow:
                return 0
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0


def _print_new(inbox: Path, position: int, as_json: bool) -> int:
    if not inbox.exists():
        return position
    with inbox.open() as handle:
        handle.seek(position)
        for line in handle:
            if not line.endswith("\n"):
                break  # a line still being written: read it next time
            position += len(line.encode())
            alert = json.loads(line)
            print(json.dumps(alert) if as_json else format_alert(alert), flush=True)
    return position
