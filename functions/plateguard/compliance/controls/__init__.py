"""The control catalogue: CJIS-like controls and the auditor's contract findings, each evaluated
against the synthesized template.

A control's status is computed, never typed in:
- `failing`: a check found a property missing or wrong (the problems say which);
- `partial`: every check passed, but part of the control lives outside the template (the note says where);
- `enforced`: every check passed and the template is the whole control;
- `contract-only`: nothing in code can enforce it; the contract must (see `CONTRACT_ONLY`).

Controls are grouped by family: `audit`, `access`, `encryption`, `retention`, `operations`; `catalogue`
lists them (CONTROLS, CONTRACT_ONLY) and `evaluate` computes every row. `base` holds what they share.
"""

from __future__ import annotations

from plateguard.compliance.controls.base import Check, Control, ControlResult
from plateguard.compliance.controls.catalogue import CONTRACT_ONLY, CONTROLS, evaluate

__all__ = ["CONTRACT_ONLY", "CONTROLS", "Check", "Control", "ControlResult", "evaluate"]
