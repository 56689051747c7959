"""`plateguard report transparency`: the public transparency page (index.html, data.json, SVG charts)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from plateguard.commands.state import DEFAULT_STATE_DIR
from plateguard.compliance.cli import add_compliance_command


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("report", help="public reports generated from the running configuration")
    actions = parser.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    page = actions.add_parser("transparency", help="write the public transparency page")
    page.add_argument("--out", type=Path, required=True, help="output directory")
    page.add_argument("--policy", type=Path, help="policy file (default: $PLATEGUARD_POLICY, else ./policy.yaml)")
    page.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)
    page.set_defaults(func=run_transparency)
    add_compliance_command(actions)


def _policy_path(args: argparse.Namespace) -> Path | None:
    for candidate in (args.policy, os.environ.get("PLATEGUARD_POLICY"), "policy.yaml"):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


def run_transparency(args: argparse.Namespace) -> int:
    from plateguard.commands.retention import connect_local
    from plateguard.commands.search import TargetError
    from plateguard.policy.loader import PolicyError, load_policy
    from plateguard.policy.transparency import UsageStats, write_transparency

    path = _policy_path(args)
    if path is None:
        print("error: no policy file: pass --policy FILE (or set PLATEGUARD_POLICY)", file=sys.stderr)
        return 2
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        target = connect_local(args.state_dir)
    except TargetError:
        stats = UsageStats(source="policy file only")
        print("no local environment running: counts omitted, page generated from the policy file alone")
    else:
        from plateguard.dal.statistics import collect_stats

        stats = collect_stats(target.client("s3"), target.state["audit_bucket"])
        print(f"counts from the local environment at {target.endpoint}")
    for written in write_transparency(policy, stats, args.out):
        print(f"wrote {written}")
    return 0
