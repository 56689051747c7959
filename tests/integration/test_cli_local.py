"""The two commands users run first: `plateguard demo` and `plateguard local` (as subprocesses)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "plateguard.cli"]


@pytest.mark.slow
def test_demo_reads_the_frames_alerts_on_the_hot_listed_plate_and_prints_the_summary(tmp_path: Path) -> None:
    # When the demo runs from a clean directory
    result = subprocess.run([*CLI, "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=240)
    # Then it exits 0, shows an alert and the summary line, and accounts for every image
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ALERT [HIGH] stolen-vehicle 7KDR394" in result.stdout
    summary = re.search(
        r"^images=(\d+) reads=(\d+) alerts=(\d+) quarantined=(\d+) no_plate=(\d+)$", result.stdout, re.MULTILINE
    )
    assert summary, result.stdout
    images, reads, alerts, quarantined, no_plate = map(int, summary.groups())
    # The story: the import's historical hits on the two stored reads of 7KDR394, exact hit + its repeat
    # (deduplicated), an ambiguous read, a historical hit on a plate added later
    assert (images, reads, alerts, quarantined, no_plate) == (10, 6, 5, 3, 1)
    assert "accepted=2 rejected=1" in result.stdout and "historical hits: 2" in result.stdout
    assert "HISTORICAL ALERT [HIGH] stolen-vehicle 7KDR394" in result.stdout
    assert "repeat within the dedup window" in result.stdout
    assert "MNB217 (listed 5MNB217, differs at [0])" in result.stdout
    assert "HISTORICAL ALERT [MEDIUM] bolo 3HVW872" in result.stdout
    # Piped: no progress bar at all, and alert lines that fit a terminal
    assert "[#" not in result.stdout + result.stderr
    assert all(len(line) <= 150 for line in result.stdout.splitlines() if "ALERT [" in line)
    assert "-> confirmed" in result.stdout and "-> misread" in result.stdout
    assert re.search(r"hotlist_entries\s+deleted=1", result.stdout)  # the seeded expired entry, swept
    # Oversight: a dormant account disabled, the month's searches sampled and reviewed, the report written
    assert "accounts     officer.dormant: disabled (inactive), audited" in result.stdout
    assert "signal     vague-purpose" in result.stdout
    assert "signal     unknown-case-number" in result.stdout
    assert "NOT justified ('Investigation')" in result.stdout
    assert "0 failing; overall PASS" in result.stdout
    assert (tmp_path / ".plateguard" / "compliance" / "controls.json").exists()
    assert (tmp_path / ".plateguard" / "transparency" / "index.html").exists()
    assert not (tmp_path / ".plateguard" / "local.json").exists()  # removed on exit


@pytest.mark.slow
def test_local_writes_its_state_refuses_a_second_instance_and_stops_cleanly(tmp_path: Path) -> None:
    state_file = tmp_path / ".plateguard" / "local.json"
    first = subprocess.Popen([*CLI, "local"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while not state_file.exists() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.2)
        # Given local mode is up, its state file says where everything is
        state = json.loads(state_file.read_text())
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", state["aws_endpoint_url"])
        for name in ("region", "images_bucket", "ingest_queue_url", "alert_topic_arn", "inbox_queue_url"):
            assert state[name]
        # When a second instance starts, Then it says so and exits non-zero
        second = subprocess.run([*CLI, "local"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0 and "already running" in second.stderr
        # When the first gets Ctrl-C, Then it stops cleanly and removes its state file
        first.send_signal(signal.SIGINT)
        output, _ = first.communicate(timeout=30)
        assert first.returncode == 0, output
        assert "stopped" in output
        assert not state_file.exists()
    finally:
        if first.poll() is None:
            first.kill()
