"""`plateguard report compliance --out DIR`: synthesize offline, evaluate, write the three files."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def add_compliance_command(report_subparsers: Any) -> None:
    parser = report_subparsers.add_parser(
        "compliance",
        help="compliance report for contract reviewers, computed from the synthesized CloudFormation",
        description="Synthesizes the stack offline (no AWS credentials), evaluates every control against the "
        "template, reads the cdk-nag reports and runs cfn-lint; writes compliance.md, compliance.html and "
        "controls.json. Exits 1 if a control is failing, a cdk-nag finding is unacknowledged or cfn-lint errors.",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write the report into")
    parser.add_argument(
        "--assembly",
        type=Path,
        help="use an existing cdk.out directory (with PlateGuard.template.json and *-NagReport.csv) instead of "
        "synthesizing",
    )
    parser.add_argument("--no-lint", action="store_true", help="skip cfn-lint (faster; the report says so)")
    parser.add_argument(
        "--aws-calls",
        type=Path,
        default=Path(".plateguard") / "aws-calls.json",
        help="AWS calls recorded by local mode, for the permissions-not-used section (default: %(default)s)",
    )
    parser.set_defaults(func=run_compliance_report)


def run_compliance_report(args: argparse.Namespace) -> int:
    from plateguard.compliance.report import STACK_NAME, build_report, synthesize, write_report

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="plateguard-compliance-") as scratch:
        if args.assembly:
            template = Path(args.assembly) / f"{STACK_NAME}.template.json"
            if not template.is_file():
                print(f"no {template.name} in {args.assembly}", file=sys.stderr)
                return 2
        else:
            print("synthesizing the stack offline ...", file=sys.stderr)
            template = synthesize(Path(scratch))
        aws_calls = getattr(args, "aws_calls", None)  # absent when called with a hand-built Namespace
        report = build_report(template, run_lint=not args.no_lint, aws_calls=aws_calls)
        paths = write_report(report, Path(args.out))
    counts = report.status_counts()
    print(", ".join(f"{n} {s}" for s, n in counts.items()) + f"; overall {'PASS' if report.passed else 'FAIL'}")
    for result in report.controls:
        if result.status == "failing":
            print(f"FAILING {result.control.id}: {'; '.join(result.problems)}", file=sys.stderr)
    print("wrote " + ", ".join(str(p) for p in paths) + f" in {time.monotonic() - started:.1f} s")
    return 0 if report.passed else 1
