"""The layering in docs/architecture.md ("Layers") holds: every import-linter contract in .importlinter is kept.

`make lint` runs `lint-imports` as the gate; this test makes `pytest tests/unit` say the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_every_import_contract_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    # Given the contracts file at the repository root
    config = ROOT / ".importlinter"

    # When import-linter checks the whole import graph (no cache: the code as it is now)
    exit_code = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)

    # Then no contract is broken (the report names each forbidden import chain)
    assert exit_code == 0, capsys.readouterr().out
