"""`plateguard retention` and `plateguard report transparency` against a running local mode."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from plateguard.cli import main
from plateguard.commands.search import signed_request
from plateguard.local.runner import LocalEnvironment
from plateguard.local.users import LOCAL_USERS
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import PlateReadRecord
from tests.integration.conftest import repository

POLICY = Path(__file__).resolve().parents[2] / "examples" / "policy" / "california.yaml"


def _read(read_id: str, plate: str, captured_at: datetime) -> PlateReadRecord:
    return PlateReadRecord(
        read_id, "demo-pd", "cam-main-st", captured_at, plate, plate, 0.95, (), (), (1, 1, 8, 4),
        f"crops/demo-pd/cam-main-st/{read_id}.jpg", "incoming/demo-pd/cam-main-st/x.jpg", 37.0, -122.0, None,
        False, False, expires_at_epoch(captured_at, 30),
    )  # fmt: skip


def test_sweep_holds_and_transparency_commands_work_on_the_local_environment(
    manual_env: LocalEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = ["--state-dir", str(manual_env.state_dir)]
    now = datetime.now(UTC)
    # Given an expired read, and a live read that a supervisor holds for a case
    repository().put_read(_read("cli-expired-1", "4OLD001", now - timedelta(days=40)))
    repository().put_read(_read("cli-held-1", "4HLD002", now - timedelta(days=1)))
    assert main(["retention", *state, "hold", "place", "--read", "cli-held-1",
                 "--case", "DPD-2026-777", "--reason", "Vehicle seen at a robbery", "--until",
                 f"{now + timedelta(days=60):%Y-%m-%d}"]) == 0  # fmt: skip
    capsys.readouterr()
    # When the sweeper runs once
    assert main(["retention", *state, "sweep", "--json", "--policy", str(POLICY)]) == 0
    # Then the expired read is destroyed and logged; the held one is listed and kept
    log = json.loads(capsys.readouterr().out)
    assert log["classes"]["non_hit_reads"]["deleted"] >= 1
    ids = {r.read_id for r in repository().reads_for_plate("demo-pd", "4HLD002")}
    assert ids == {"cli-held-1"} and list(repository().reads_for_plate("demo-pd", "4OLD001")) == []
    assert main(["retention", *state, "hold", "list"]) == 0
    assert "case=DPD-2026-777" in capsys.readouterr().out
    # When the transparency page is generated from the running system
    out = tmp_path / "site"
    assert main(["report", "transparency", *state, "--policy", str(POLICY), "--out", str(out)]) == 0
    # Then it counts from the environment and shows neither plates nor the case number
    data = json.loads((out / "data.json").read_text())
    assert data["data_source"] == "local environment" and data["active_legal_holds"] == 1
    text = "".join(p.read_text() for p in out.iterdir())
    assert "4HLD002" not in text and "DPD-2026-777" not in text
    assert re.search(r"(?<![A-Za-z0-9])(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{5,8}(?![A-Za-z0-9])", text) is None


def _signed(env: LocalEnvironment, user: str, method: str, path: str, **params: str) -> tuple[int, dict[str, Any]]:
    from tests.integration.conftest import role_target

    return signed_request(role_target(env, user), method, path, params or None)


def test_a_hold_placed_through_the_api_is_audited_survives_the_sweep_and_its_release_lets_retention_resume(
    manual_env: LocalEnvironment, capsys: pytest.CaptureFixture[str]
) -> None:
    state = ["--state-dir", str(manual_env.state_dir)]
    now = datetime.now(UTC)
    # Given a read whose retention ends in a few seconds
    read = _read("api-held-1", "4HLD003", now - timedelta(days=1))
    repository().put_read(replace(read, expires_at=int(time.time()) + 3))
    # When the local supervisor holds it for a case, through the signed API (the CLI's default user)
    until = f"{now + timedelta(days=30):%Y-%m-%d}"
    assert main(["retention", *state, "hold", "place", "--read", "api-held-1", "--case", "DPD-2026-778",
                 "--reason", "Vehicle seen leaving a robbery", "--until", until, "--json"]) == 0  # fmt: skip
    hold = json.loads(capsys.readouterr().out)
    assert hold["placed_by"] == LOCAL_USERS["supervisor"][1]
    # And an officer may not release it
    assert main(["retention", *state, "hold", "release", "--hold", hold["hold_id"], "--as", "officer"]) == 1
    capsys.readouterr()

    # Then, after its own retention has passed, the sweeper keeps it
    time.sleep(max(0.0, read_expiry_wait(now)))
    assert main(["retention", *state, "sweep", "--json"]) == 0
    capsys.readouterr()
    assert [r.read_id for r in repository().reads_for_plate("demo-pd", "4HLD003")] == ["api-held-1"]

    # When the hold is released, Then the next sweep destroys the expired read
    assert main(["retention", *state, "hold", "release", "--hold", hold["hold_id"]]) == 0
    assert "normal retention resumes for 1 read(s)" in capsys.readouterr().out
    assert main(["retention", *state, "sweep", "--json"]) == 0
    capsys.readouterr()
    assert list(repository().reads_for_plate("demo-pd", "4HLD003")) == []
    assert main(["retention", *state, "hold", "list", "--all", "--as", "auditor"]) == 0
    assert f"{hold['hold_id']}  case=DPD-2026-778  reads=1  released" in capsys.readouterr().out

    # And the agency's audit trail shows who placed and released it, and the officer's refusal
    window = {"since": (now - timedelta(minutes=5)).isoformat(), "until": (now + timedelta(hours=1)).isoformat()}
    status, trail = _signed(manual_env, "auditor", "GET", "/audit", **window)
    assert status == 200
    events = [e for e in trail["events"] if e["eventName"] in {"PlaceLegalHold", "ReleaseLegalHold"}]
    placed = next(e for e in events if e["responseElements"] and e["responseElements"].get("holdId") == hold["hold_id"])
    assert placed["requestParameters"]["caseNumber"] == "DPD-2026-778"
    assert placed["requestParameters"]["readIds"] == "api-held-1"
    assert placed["userIdentity"]["role"] == "supervisor" and placed["outcome"] == "Success"
    releases = [e for e in events if e["eventName"] == "ReleaseLegalHold"]
    assert {(e["userIdentity"]["role"], e["outcome"]) for e in releases} == {
        ("supervisor", "Attempted"),  # a change is recorded before it is made, then its outcome
        ("supervisor", "Success"),
        ("officer", "Denied"),
    }
    assert all(e["requestParameters"]["holdId"] == hold["hold_id"] for e in releases)


def read_expiry_wait(placed_at: datetime) -> float:
    """Seconds until the read's own 3-second retention (set just before placing) has surely passed."""
    return (placed_at + timedelta(seconds=5) - datetime.now(UTC)).total_seconds()
