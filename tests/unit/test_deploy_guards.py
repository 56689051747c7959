"""`make diff` / `make deploy` refuse to run without the agency's own, completed policy file.

Runs the Makefile's `policy-guard` target (what diff and deploy run first); nothing is installed or deployed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from plateguard.policy.starter import starter_policy

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _guard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "policy-guard", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def test_no_policy_is_refused_with_how_to_write_one() -> None:
    result = _guard("POLICY=")
    assert result.returncode != 0
    assert "POLICY=FILE" in result.stderr and "policy init" in result.stderr


@pytest.mark.parametrize("example", sorted(p.relative_to(REPO) for p in (REPO / "examples").rglob("*.yaml")))
def test_the_example_policies_are_refused(example: Path) -> None:
    # Given an example policy (a fictitious agency), named by any path that reaches it
    for path in (str(example), str(REPO / example), f"./examples/../{example}"):
        result = _guard(f"POLICY={path}")
        # Then deploying with it is refused, saying why
        assert result.returncode != 0
        assert "example" in result.stderr


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    result = _guard(f"POLICY={tmp_path / 'nope.yaml'}")
    assert result.returncode != 0 and "no such file" in result.stderr


def test_an_unfinished_policy_init_file_is_refused_and_a_finished_one_passes(tmp_path: Path) -> None:
    # Given a file from `policy init` whose placeholders are not filled in yet
    policy = tmp_path / "ours.yaml"
    policy.write_text(starter_policy("CA", "Name of Agency"))
    result = _guard(f"POLICY={policy}")
    assert result.returncode != 0 and "TO COMPLETE" in result.stderr
    # When the agency fills them in, then the guard lets diff/deploy go ahead
    policy.write_text(policy.read_text().replace("TO COMPLETE: ", ""))
    result = _guard(f"POLICY={policy}")
    assert result.returncode == 0, result.stderr
