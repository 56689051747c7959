"""`plateguard alerts` prints what reached the local device inbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plateguard.cli import main


def test_alerts_lists_the_inbox_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given two alerts delivered to the local inbox
    inbox = tmp_path / "inbox.jsonl"
    alerts = [
        {"alert_id": f"a{i}", "plate": plate, "priority": "high"} for i, plate in enumerate(["7KDR394", "5MNB217"])
    ]
    inbox.write_text("".join(json.dumps(a) + "\n" for a in alerts))
    # When they are listed as JSON
    assert main(["alerts", "--json", "--state-dir", str(tmp_path)]) == 0
    # Then each arrives once, in delivery order
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["plate"] for a in printed] == ["7KDR394", "5MNB217"]


def test_alerts_without_local_mode_says_how_to_start_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # When alerts are listed with no local mode running
    assert main(["alerts", "--state-dir", str(tmp_path)]) == 1
    # Then one error line on stderr says how to start it
    assert "plateguard local" in capsys.readouterr().err
