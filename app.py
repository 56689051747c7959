#!/usr/bin/env python3
"""Synthesize PlateGuard: `python app.py` (offline, no credentials) or `npx cdk synth|deploy`.

Writes cdk.out/PlateGuard.template.json and the cdk-nag reports, and exits non-zero when any cdk-nag
finding is neither fixed nor suppressed with a reason. Builds the Lambda layers first if they are
missing (see layers/build.py; needs PyPI once).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]  # works from a fresh clone without `pip install -e`

from cdk.app_factory import build_app  # noqa: E402
from cdk.nag import unsuppressed_findings  # noqa: E402


def main() -> int:
    assembly = build_app().synth()
    findings = unsuppressed_findings(assembly)
    if findings:
        print(
            f"{len(findings)} unacknowledged cdk-nag finding(s); fix or suppress each with a reason:", file=sys.stderr
        )
        print("\n".join(f"  {finding}" for finding in findings), file=sys.stderr)
        return 1
    print(f"synthesized {', '.join(s.stack_name for s in assembly.stacks)} into {assembly.directory}: cdk-nag clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
