"""`plateguard policy init`: a first policy for a real agency that passes `policy check`, never overwriting."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from plateguard.commands import policy as policy_command
from plateguard.policy.check import check_policy
from plateguard.policy.presets import PRESETS
from plateguard.policy.starter import PLACEHOLDER, agency_slug


def _run(*argv: str) -> int:
    # The `policy` command's own parser, as cli.py registers it.
    parser = argparse.ArgumentParser(prog="plateguard")
    policy_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["policy", *argv])
    return int(args.func(args))


@pytest.mark.parametrize("state", sorted({preset.state for preset in PRESETS.values()}))
def test_init_writes_a_policy_that_passes_check_for_every_state(state: str, tmp_path: Path) -> None:
    # Given an agency in a state PlateGuard has a preset for
    out = tmp_path / "policies" / "ours.yaml"
    # When a first policy is written for it
    assert _run("init", "--state", state, "--agency", "Name of Agency", "--out", str(out)) == 0
    # Then `policy check` passes on it as written
    assert check_policy(out) == []
    data = yaml.safe_load(out.read_text())
    assert data["agency"]["name"] == "Name of Agency"
    assert data["agency"]["id"] == "name-of-agency"
    assert data["agency"]["state"] == state
    assert PRESETS[data["extends"]].state == state
    # And what only the agency knows is marked for it to fill in (make deploy refuses it until then)
    assert data["agency"]["custodian"]["name"].startswith(PLACEHOLDER)


def test_init_uses_the_states_retention_and_keeps_hits_at_least_as_long(tmp_path: Path) -> None:
    out = tmp_path / "nh.yaml"
    assert _run("init", "--state", "nh", "--agency", "Granite Police", "--out", str(out)) == 0
    retention = yaml.safe_load(out.read_text())["retention"]
    assert retention["non_hit_reads"] == retention["images"] == "3 minutes"  # RSA 261:75-b
    out = tmp_path / "vt.yaml"
    assert _run("init", "--state", "VT", "--agency", "Green Mountain PD", "--out", str(out)) == 0
    assert check_policy(out) == []  # 18 months non-hit: hit reads are not left at 1 year


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given an agency's existing, edited policy file
    out = tmp_path / "ours.yaml"
    out.write_text("# our reviewed policy\n")
    # When init is pointed at it without --force
    assert _run("init", "--state", "CA", "--agency", "Name of Agency", "--out", str(out)) == 1
    # Then the file is untouched, and the message says how to replace it
    assert out.read_text() == "# our reviewed policy\n"
    assert "--force" in capsys.readouterr().err
    assert _run("init", "--state", "CA", "--agency", "Name of Agency", "--out", str(out), "--force") == 0
    assert check_policy(out) == []


def test_unknown_state_lists_the_supported_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tx.yaml"
    assert _run("init", "--state", "TX", "--agency", "Lone Star PD", "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "'TX'" in err
    for preset in PRESETS.values():
        assert f"{preset.state} ({preset.jurisdiction})" in err
    assert not out.exists()


def test_agency_id_is_derived_or_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert agency_slug("City of Oakland Police Dept.") == "city-of-oakland-police-dept"
    out = tmp_path / "given.yaml"
    assert _run("init", "--state", "CA", "--agency", "Oakland PD", "--agency-id", "oakland", "--out", str(out)) == 0
    assert yaml.safe_load(out.read_text())["agency"]["id"] == "oakland"
    # An id that upload keys cannot carry is refused with the rule, and nothing is written
    bad = tmp_path / "bad.yaml"
    assert _run("init", "--state", "CA", "--agency", "X", "--agency-id", "Bad Id", "--out", str(bad)) == 2
    assert "agency.id" in capsys.readouterr().err
    assert not bad.exists()
