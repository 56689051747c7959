"""`plateguard retention` and `plateguard report transparency` against a running local mode."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plateguard.cli import main
from plateguard.local.runner import LocalEnvironment
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
    assert main(["retention", *state, "hold", "place", "--agency", "demo-pd", "--read", "cli-held-1",
                 "--case", "DPD-2026-777", "--reason", "Vehicle seen at a robbery", "--until",
                 f"{now + timedelta(days=60):%Y-%m-%d}", "--by", "Sgt. Ames"]) == 0  # fmt: skip
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
