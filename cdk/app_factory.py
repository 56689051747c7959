"""Builds the CDK app the same way for `python app.py`, `npx cdk synth` and the infra tests."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App

from cdk.nag import apply_nag_checks
from cdk.packaging import REPO_ROOT
from cdk.stack import PlateGuardStack

CDK_JSON = REPO_ROOT / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """`cdk.json` context, which the CDK CLI passes in but a plain `python app.py` would not see."""
    return dict(json.loads(CDK_JSON.read_text()).get("context", {}))


def build_app(outdir: Path | str | None = None, context: Mapping[str, Any] | None = None) -> App:
    """The app with its one stack and the cdk-nag Aspects; call `.synth()` on it."""
    merged = cdk_json_context() | dict(context or {})
    # Under the CLI, CDK_CONTEXT_JSON already holds cdk.json + `-c` values, which take precedence.
    app = App(
        outdir=str(outdir) if outdir is not None else os.environ.get("CDK_OUTDIR") or str(REPO_ROOT / "cdk.out"),
        context=merged,
    )
    PlateGuardStack(
        app,
        description="PlateGuard: privacy-first ALPR backend (SB 34 / CJIS-like controls)",
        # Evidence and audit data live here: deleting the stack takes a deliberate extra step.
        termination_protection=True,
    )
    apply_nag_checks(app)
    return app
