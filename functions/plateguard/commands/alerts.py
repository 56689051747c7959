"""`plateguard alerts [--follow]`: the alerts that reached the local device inbox."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from plateguard.commands.local import format_alert
from plateguard.local.runner import DEFAULT_STATE_DIR, INBOX_FILE, read_state


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("alerts", help="list the alerts delivered to the local device inbox")
    parser.add_argument("--follow", action="store_true", help="keep printing new alerts until Ctrl-C")
    parser.add_argument("--json", action="store_true", help="one JSON object per alert")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)
    parser.set_defaults(func=run_alerts)


def run_alerts(args: argparse.Namespace) -> int:
    inbox = args.state_dir / INBOX_FILE
    if not inbox.exists() and read_state(args.state_dir) is None:
        print("error: no local device inbox: start `plateguard local` (or `plateguard demo`) first")
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
