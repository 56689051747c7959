"""Hot lists and alerts end to end in local mode: import, ambiguous and repeat reads, historical hits,
dispositions, subscriptions — all through the SigV4-signed, audited API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from plateguard.cli import main
from plateguard.commands.search import ApiTarget, signed_request
from plateguard.local.runner import LocalEnvironment
from plateguard.models.records import Outcome

from .conftest import _prefix, repository, scene_jpeg, upload, wait_for


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    # These tests are about matching, dedup and dispositions, not the reader's confidence on synthetic
    # frames: a low alert threshold keeps them independent of the model's calibration.
    patch = pytest.MonkeyPatch()
    patch.setenv("ALERT_MIN_CONFIDENCE", "0.3")
    try:
        with LocalEnvironment(state_dir=tmp_path_factory.mktemp("state"), prefix=_prefix()) as running:
            yield running
    finally:
        patch.undo()


def target(env: LocalEnvironment, user: str) -> ApiTarget:
    from tests.integration.conftest import role_target

    return role_target(env, user)  # type: ignore[no-any-return]


def call(
    env: LocalEnvironment, user: str, method: str, path: str, body: dict[str, Any] | None = None, **params: str
) -> tuple[int, Any]:
    return signed_request(target(env, user), method, path, params or None, json.dumps(body).encode() if body else None)


def cli(env: LocalEnvironment, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main([*args, "--state-dir", str(env.state_dir)])
    return code, capsys.readouterr().out


def read_and_wait(env: LocalEnvironment, plate: str, seed: int, camera: str = "cam-main-st") -> Any:
    key = upload(env, scene_jpeg([plate], seed=seed), camera_id=camera)
    return wait_for(lambda: repository().get_outcome(key))


def test_hot_list_import_matching_dedup_history_and_dispositions(
    env: LocalEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a CSV with two good rows and one bad row, imported by a supervisor
    csv_file = tmp_path / "stolen.csv"
    csv_file.write_text(
        "plate,state,reason,case_number\n8TRX660,CA,stolen truck,C-200\n5MNB217,CA,stolen van,C-201\nBAD!,CA,,\n"
    )
    code, out = cli(env, capsys, "hotlist", "import", str(csv_file), "--list", "stolen-vehicles", "--as", "supervisor")
    assert code == 0, out
    assert out.splitlines()[0] == "accepted=2 rejected=1 removed=0"
    assert "line 4:" in out
    # And an officer may not import
    code, _ = cli(env, capsys, "hotlist", "import", str(csv_file), "--list", "stolen-vehicles", "--as", "officer")
    assert code != 0

    # When a camera reads the exact plate twice within the dedup window, and a read missing one character
    first = read_and_wait(env, "8TRX660", seed=21)
    repeat = read_and_wait(env, "8TRX660", seed=22)
    missing = read_and_wait(env, "MNB217", seed=23)
    # Then one exact alert (the repeat counted, not re-sent) and one ambiguous alert were raised
    assert first.outcome is Outcome.READS_STORED and len(first.alert_ids) == 1
    assert repeat.alert_ids == ()
    assert len(missing.alert_ids) == 1
    status, listed = call(env, "officer", "GET", "/alerts")
    assert status == 200
    by_id = {a["alert_id"]: a for a in listed["alerts"]}
    exact, ambiguous = by_id[first.alert_ids[0]], by_id[missing.alert_ids[0]]
    assert (exact["match_quality"], exact["suppressed_repeats"]) == ("exact", 1)
    assert (ambiguous["match_quality"], ambiguous["listed_plate"]) == ("ambiguous", "5MNB217")
    delivered = wait_for(lambda: {a["alert_id"] for a in env.alerts} >= {exact["alert_id"], ambiguous["alert_id"]})
    assert delivered

    # When an officer adds a plate that was already read, Then a historical alert is raised
    seen = read_and_wait(env, "3HVW872", seed=24)
    assert seen.alert_ids == ()
    code, out = cli(
        env,
        capsys,
        "hotlist",
        "add",
        "3HVW872",
        "--list",
        "bolo",
        "--reason",
        "burglary suspect vehicle",
        "--case-number",
        "C-300",
        "--expires",
        "7",
    )
    assert code == 0 and "historical hits: 1" in out
    historical = wait_for(lambda: next((a for a in env.alerts if a["plate"] == "3HVW872"), None))
    assert historical["historical"] is True

    # When a supervisor imports a plate whose stored read missed one character (the daily import path)
    short = read_and_wait(env, "KPW493", seed=25)
    assert short.alert_ids == ()
    bolo_file = tmp_path / "bolo.csv"
    bolo_file.write_text("plate,state,reason,case_number\n6KPW493,CA,robbery suspect vehicle,C-301\n")
    code, out = cli(env, capsys, "hotlist", "import", str(bolo_file), "--list", "bolo", "--as", "supervisor")
    # Then the import reports one historical hit, an ambiguous historical alert, delivered once
    assert code == 0 and "historical hits: 1" in out, out
    imported = wait_for(lambda: next((a for a in env.alerts if a["plate"] == "KPW493"), None))
    assert imported["historical"] is True and imported["match_quality"] == "ambiguous"
    # And importing the same file again raises and sends nothing more
    code, out = cli(env, capsys, "hotlist", "import", str(bolo_file), "--list", "bolo", "--as", "supervisor")
    assert code == 0 and "historical hits: 0" in out, out
    assert sum(a["plate"] == "KPW493" for a in env.alerts) == 1

    # When officers record what happened: one confirmed, one misread
    for alert_id, steps in (
        (exact["alert_id"], ["acknowledged", "confirmed"]),
        (ambiguous["alert_id"], ["acknowledged", "misread"]),
    ):
        for step in steps:
            code, out = cli(env, capsys, "disposition", alert_id, step)
            assert code == 0, out
    # Then an illegal transition is refused with 409 and the summary shows the false-hit rate
    status, body = call(
        env, "officer", "POST", f"/alerts/{ambiguous['alert_id']}/disposition", {"disposition": "stop-made"}
    )
    assert status == 409 and body["error"] == "Conflict"
    status, summary = call(env, "supervisor", "GET", "/alerts/summary")
    assert status == 200
    assert summary["by_disposition"]["confirmed"] == 1 and summary["by_disposition"]["misread"] == 1
    assert {row["list"]: row["false_hit_rate"] for row in summary["lists"]}["stolen-vehicles"] == 0.5


def test_subscriptions_are_filtered_to_the_agency_and_validated(env: LocalEnvironment) -> None:
    status, body = call(
        env,
        "officer",
        "POST",
        "/subscriptions",
        {"protocol": "sms", "endpoint": "+15551234567", "cameras": ["cam-main-st"]},
    )
    assert status == 200
    assert body["filter_policy"] == {"agency": ["demo-pd"], "camera": ["cam-main-st"]}
    status, body = call(env, "officer", "POST", "/subscriptions", {"protocol": "sms", "endpoint": "call me maybe"})
    assert status == 400 and "E.164" in body["message"]
    status, _ = call(env, "auditor", "POST", "/subscriptions", {"protocol": "sms", "endpoint": "+15551234567"})
    assert status == 403


def test_hot_list_changes_are_audited(env: LocalEnvironment) -> None:
    now = datetime.now(UTC)
    since, until = (now - timedelta(days=1)).isoformat(), (now + timedelta(minutes=5)).isoformat()
    status, events = call(env, "auditor", "GET", "/audit", since=since, until=until, limit="1000")
    assert status == 200, events
    names = {e["eventName"] for e in events["events"]}
    assert {"ImportHotList", "AddHotListEntry", "SetAlertDisposition"} <= names


def test_subscriptions_cli_lists_and_removes_the_callers_own(
    env: LocalEnvironment, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an officer who subscribes a phone through the CLI
    code, out = cli(env, capsys, "subscribe", "--protocol", "sms", "--endpoint", "+15550001111", "--as", "officer")
    assert code == 0, out
    subscription_id = out.split(": ", 1)[1].splitlines()[0].strip()
    # When they list, Then it is there; an officer of another agency does not see it
    code, out = cli(env, capsys, "subscriptions", "list", "--json", "--as", "officer")
    assert code == 0 and subscription_id in {s["subscription_id"] for s in json.loads(out)["subscriptions"]}
    code, out = cli(env, capsys, "subscriptions", "list", "--json", "--as", "officer_other_agency")
    assert code == 0 and subscription_id not in out
    # When the other agency's officer tries to remove it, Then it is refused; its owner removes it
    code, _ = cli(env, capsys, "subscriptions", "remove", subscription_id, "--as", "officer_other_agency")
    assert code != 0
    code, out = cli(env, capsys, "subscriptions", "remove", subscription_id, "--as", "officer")
    assert code == 0 and "removed sms +15550001111" in out
    code, out = cli(env, capsys, "subscriptions", "list", "--json", "--as", "supervisor")
    assert code == 0 and subscription_id not in out


def test_hot_list_lifecycle_summary_and_read_crop_through_the_cli(
    env: LocalEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a supervisor creates a list and an officer adds a plate to it
    create = ["hotlist", "create", "cli-bolo", "--type", "bolo", "--priority", "low", "--owner", "patrol"]
    code, out = cli(env, capsys, *create, "--max-entry-days", "14", "--as", "supervisor")
    assert code == 0 and out.startswith("hot list cli-bolo: bolo, priority low"), out
    add = ["hotlist", "add", "4CLI777", "--list", "cli-bolo", "--reason", "seen near a burglary"]
    code, out = cli(env, capsys, *add, "--case-number", "C-777", "--as", "officer")
    assert code == 0, out
    # When the lists are listed and the new one is exported (as JSON and as CSV)
    code, out = cli(env, capsys, "hotlist", "list", "--output", "json", "--as", "supervisor")
    assert code == 0 and "cli-bolo" in [h["name"] for h in json.loads(out)["hotlists"]]
    code, out = cli(env, capsys, "hotlist", "export", "cli-bolo", "--csv", "--as", "supervisor")
    # Then the entry is there, with who entered it
    assert code == 0 and out.splitlines()[1].startswith("4CLI777,"), out
    # When the entry is removed and the list retired, Then both say so and the list is gone
    code, out = cli(env, capsys, "hotlist", "remove-entry", "cli-bolo", "4CLI777", "--as", "supervisor")
    assert (code, out.strip()) == (0, "removed 4CLI777 from cli-bolo")
    code, out = cli(env, capsys, "hotlist", "delete", "cli-bolo", "--as", "supervisor")
    assert code == 0 and out.startswith("retired hot list cli-bolo"), out
    code, out = cli(env, capsys, "hotlist", "list", "--json", "--as", "supervisor")
    assert "cli-bolo" not in [h["name"] for h in json.loads(out)["hotlists"]]

    # When a supervisor asks for the alert outcome summary, Then it starts with the totals line
    code, out = cli(env, capsys, "alerts", "summary", "--as", "supervisor")
    assert code == 0 and out.startswith("alerts="), out

    # Given a stored read, When an officer shows it with --crop, Then the crop image is saved
    outcome = read_and_wait(env, "6CRP123", seed=41)
    assert outcome.read_ids, outcome
    crop = tmp_path / "crop.jpg"
    why = ["--purpose", "locate the vehicle in case C-900", "--case-number", "C-900", "--offense-type", "robbery"]
    code, out = cli(env, capsys, "reads", "show", outcome.read_ids[0], *why, "--crop", str(crop), "--as", "officer")
    assert code == 0, out
    assert crop.read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    assert f"read_id              {outcome.read_ids[0]}" in out
