"""The CLI behaves like the AWS CLI: --output on every command, --version, completion, help on every argument,
one-line errors on stderr with a non-zero exit code, quiet broken pipes, a fast --help.

The API is faked at the HTTP layer (plateguard.commands.search.signed_request); no moto, no local mode.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
from pathlib import Path
from typing import Any

import pytest

from plateguard import cli
from plateguard.cli import main
from plateguard.commands import search

PLATEGUARD = str(Path(sys.executable).parent / "plateguard")
HOTLISTS = {
    "hotlists": [
        {
            "name": "stolen-vehicles",
            "list_type": "stolen-vehicle",
            "owner": "records unit",
            "priority": "high",
            "max_entry_days": 30,
            "description": "NCIC extract",
        }
    ],
    "count": 1,
}


class FakeApi:
    """Answers signed requests with canned (status, body) pairs and records what was asked."""

    def __init__(self, answers: dict[tuple[str, str], tuple[int, Any] | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, dict[str, str] | None, Any]] = []

    def __call__(
        self, target: Any, method: str, path: str, params: dict[str, str] | None = None, body: bytes | None = None
    ) -> tuple[int, Any]:
        self.calls.append((method, path, params, json.loads(body) if body else None))
        answer = self.answers[(method, path)]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(answers: dict[tuple[str, str], tuple[int, Any] | Exception]) -> FakeApi:
        api = FakeApi(answers)
        target = search.ApiTarget("https://api.example.test/prod", "us-west-2", credentials=None)
        monkeypatch.setattr(search, "resolve_target", lambda _args: target)
        monkeypatch.setattr(search, "signed_request", api)
        return api

    return install


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials, profiles or instance metadata anywhere."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error"), err
    assert "Traceback" not in err
    return lines[0]


# -- help, version, completion ------------------------------------------------------------------------


def test_help_is_fast_and_imports_no_command_module() -> None:
    # Given a fresh interpreter (as a shell starts the command)
    code = (
        "import sys\nfrom plateguard.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.startswith(('boto3', 'botocore', 'plateguard.local', 'moto'))]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    # When `plateguard --help` runs (the console script, timed as a person waits for it)
    started = time.perf_counter()
    shown = subprocess.run([PLATEGUARD, "--help"], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    # Then it lists every command, without importing AWS or local mode, well under the 0.5 s target
    assert shown.returncode == 0
    assert all(name in shown.stdout for name in cli.COMMANDS)
    assert "HEAVY []" in imported.stderr, imported.stderr
    assert elapsed < 1.5, f"plateguard --help took {elapsed:.2f} s"  # generous: shared CI machines


def test_the_help_listed_without_imports_is_what_each_module_registers() -> None:
    # Given the full parser (every module imported)
    parser = cli.build_parser()
    registered = {
        choice.dest: choice.help
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for choice in action._choices_actions
    }
    # Then COMMANDS names every command with the same help (so `--help` needs no module)
    assert registered == {name: help_text for name, (_module, help_text) in cli.COMMANDS.items()}


def _arguments(parser: argparse.ArgumentParser, path: str = "plateguard") -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _arguments(child, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            found.append((path, action))
    return found


def test_every_argument_has_help_and_every_command_takes_output() -> None:
    # Given every command's arguments
    arguments = _arguments(cli.build_parser())
    # Then each says what it is for
    missing = [f"{path} {a.option_strings or a.dest}" for path, a in arguments if a.help is None]
    assert missing == []
    # And every command accepts --output json|table|text
    commands = {path for path, _ in arguments}
    with_output = {path for path, a in arguments if "--output" in a.option_strings}
    assert commands == with_output
    assert all(a.choices == ("text", "json", "table") for _, a in arguments if "--output" in a.option_strings)


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_command_parses_on_its_own(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    # When a command is run, only its module is loaded; its help must still show
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert f"usage: plateguard {command}" in capsys.readouterr().out


def test_offense_type_help_lists_the_starter_policys_values() -> None:
    import yaml

    from plateguard.policy.starter import starter_policy

    policy = yaml.safe_load(starter_policy("CA", "Test Police Department"))
    assert list(search.STARTER_OFFENSE_TYPES) == policy["purposes"]["offense_types"]
    assert all(value in search.OFFENSE_TYPE_HELP for value in search.STARTER_OFFENSE_TYPES)


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("plateguard 0.")


def test_completion_script_is_valid_bash_and_knows_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    # When the bash completion script is generated
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    # Then bash accepts it, and it offers commands, subcommands and option values
    checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "complete -o default -F _plateguard_complete plateguard" in script

    def complete(*words: str) -> list[str]:
        shell = f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        shell += '_plateguard_complete; echo "${COMPREPLY[*]}"'
        return subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=True).stdout.split()

    assert "remove-entry" in complete("plateguard", "hotlist", "")
    assert complete("plateguard", "hotlist", "create", "x", "--type", "") == [
        "stolen-vehicle", "wanted-person", "missing-person", "bolo"
    ]  # fmt: skip
    assert complete("plateguard", "search", "--output", "") == ["text", "json", "table"]


def test_local_state_constants_match_local_mode() -> None:
    from plateguard.commands import state
    from plateguard.local import runner, users

    assert (state.DEFAULT_STATE_DIR, state.INBOX_FILE) == (runner.DEFAULT_STATE_DIR, runner.INBOX_FILE)
    assert state.DEMO_AGENCY == users.DEMO_AGENCY


# -- --output --------------------------------------------------------------------------------------------


def test_output_json_table_and_text(fake_api: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given an API with one hot list
    fake_api({("GET", "/hotlists"): (200, HOTLISTS)})
    # When the lists are shown as JSON, the older --json, JSON given before the command, a table and text
    outputs = {}
    for name, argv in {
        "json": ["hotlist", "list", "--output", "json"],
        "alias": ["hotlist", "list", "--json"],
        "global": ["--output", "json", "hotlist", "list"],
        "table": ["hotlist", "list", "--output", "table"],
        "text": ["hotlist", "list"],
    }.items():
        assert main(argv) == 0
        outputs[name] = capsys.readouterr().out
    # Then JSON is the API's body, the same three ways
    assert json.loads(outputs["json"]) == HOTLISTS
    assert outputs["alias"] == outputs["json"] == outputs["global"]
    # And the table is drawn (rich) with the columns, the text is aligned human lines
    assert "stolen-vehicles" in outputs["table"] and "LIST_TYPE" in outputs["table"] and "━" in outputs["table"]
    assert outputs["text"].splitlines()[0].split() == ["NAME", "LIST_TYPE", "PRIORITY", "MAX_ENTRY_DAYS", "OWNER",
                                                      "DESCRIPTION"]  # fmt: skip


def test_a_text_only_command_refuses_json_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # When `policy render` (it writes files) is asked for JSON
    code = main(["policy", "render", "--policy", str(tmp_path / "p.yaml"), "--out", str(tmp_path), "--output", "json"])
    # Then it says so in one line and exits 2
    assert code == 2
    assert "prints text only" in _one_error_line(capsys.readouterr().err)


def test_alerts_summary_text_and_json(fake_api: Any, capsys: pytest.CaptureFixture[str]) -> None:
    summary = {
        "alerts": 5,
        "by_disposition": {"confirmed": 3, "misread": 1, "new": 1},
        "cameras": [{"camera": "cam-main-1st", "verified": 3, "misread": 1, "false_hit_rate": 0.25}],
        "lists": [{"list": "stolen-vehicles", "verified": 3, "misread": 1, "false_hit_rate": 0.25}],
    }
    fake_api({("GET", "/alerts/summary"): (200, summary)})
    assert main(["alerts", "summary"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0] == "alerts=5 confirmed=3 misread=1 new=1"
    assert "camera cam-main-1st: verified=3 misread=1 false_hit_rate=25.0%" in text
    assert main(["alerts", "summary", "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == summary


# -- new API commands --------------------------------------------------------------------------------------


def test_hotlist_create_export_remove_and_delete_call_their_routes(
    fake_api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = {"plate": "7KDR394", "state": "CA", "reason": "r", "case_number": "C-1", "entered_by": "sgt"}
    entries = {"list": "bolo", "entries": [{**entry, "entered_at": None, "expires_at": "2026-12-31"}], "count": 1}
    api = fake_api(
        {
            ("PUT", "/hotlists/bolo"): (200, {**HOTLISTS["hotlists"][0], "name": "bolo", "list_type": "bolo"}),
            ("GET", "/hotlists/bolo/entries"): (200, entries),
            ("DELETE", "/hotlists/bolo/entries/7KDR394"): (200, {"removed": "7KDR394"}),
            ("DELETE", "/hotlists/bolo"): (200, {"retired": "bolo", "entries_removed": 0}),
        }
    )
    create = ["hotlist", "create", "bolo", "--type", "bolo", "--priority", "low", "--owner", "patrol"]
    assert main([*create, "--max-entry-days", "14"]) == 0
    assert main(["hotlist", "export", "bolo", "--csv"]) == 0
    assert main(["hotlist", "remove-entry", "bolo", "7KDR394"]) == 0
    assert main(["hotlist", "delete", "bolo"]) == 0
    out = capsys.readouterr().out
    assert api.calls[0][3] == {
        "list_type": "bolo", "owner": "patrol", "priority": "low", "max_entry_days": 14, "description": ""
    }  # fmt: skip
    assert "plate,state,reason,case_number,entered_by,entered_at,expires_at\n7KDR394,CA,r,C-1,sgt,," in out
    assert "removed 7KDR394 from bolo" in out and "retired hot list bolo" in out


def test_reads_show_saves_the_crop(
    fake_api: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from plateguard.commands import reads

    read = {"read_id": "r1", "plate": "7KDR394", "confidence": 0.97, "alternatives": [["7KDR394", 0.97]],
            "crop_url": "https://bucket.example.test/crop.jpg?sig", "notice": "Visually confirm."}  # fmt: skip
    api = fake_api({("GET", "/reads/r1"): (200, read)})
    monkeypatch.setattr(reads, "download", lambda url, path: path.write_bytes(b"JPEG") or 4)
    crop = tmp_path / "crop.jpg"
    why = ["--purpose", "stolen car investigation", "--case-number", "C-123", "--offense-type", "stolen-vehicle"]
    assert main(["reads", "show", "r1", *why, "--crop", str(crop)]) == 0
    assert crop.read_bytes() == b"JPEG"
    assert api.calls[0][2] == {"purpose": "stolen car investigation", "case_number": "C-123",
                               "offense_type": "stolen-vehicle"}  # fmt: skip
    captured = capsys.readouterr()
    assert "plate                7KDR394" in captured.out and "crop saved to" in captured.err


# -- errors: one line on stderr, non-zero exit -------------------------------------------------------------


def test_api_refusal_is_one_line_with_what_to_do(fake_api: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api({("GET", "/hotlists"): (403, {"error": "Forbidden", "message": "auditors cannot\nlist hot lists"})})
    assert main(["hotlist", "list"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("error 403: Forbidden: auditors cannot list hot lists") and "--as" in line


def test_server_error_is_one_line(fake_api: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api({("GET", "/hotlists"): (502, {"error": "HTTP502", "message": "Bad Gateway"})})
    assert main(["hotlist", "list", "--output", "table"]) == 1
    assert "retry" in _one_error_line(capsys.readouterr().err)


def test_network_error_is_one_line(fake_api: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api({("GET", "/hotlists"): urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))})
    assert main(["hotlist", "list"]) == 2
    assert "cannot reach the API" in _one_error_line(capsys.readouterr().err)


def test_missing_profile_is_one_line(no_aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    # When a command names a profile that does not exist
    url = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"
    code = main(["search", "--plate", "7KDR394", "--api-url", url, "--profile", "nope"])
    # Then one line names it and how to list profiles; exit 2
    assert code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "nope" in line and "list-profiles" in line


def test_no_credentials_is_one_line(no_aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # When `audit verify` runs against tables with no credentials anywhere
    argv = ["audit", "verify", "--table", "audit", "--bucket", "audit", "--region", "us-east-1"]
    code = main([*argv, "--state-dir", str(tmp_path)])
    # Then one line says there are none and what to do (not an 80-line traceback)
    assert code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "credentials" in line and "--profile" in line


def test_an_import_that_accepts_nothing_fails(
    fake_api: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a CSV file imported as NCIC, which the API rejects row by row
    rows = [{"row": n, "reason": "not an NCIC record"} for n in range(1, 7)]
    fake_api({("POST", "/hotlists/stolen/import"): (200, {"accepted": 0, "rejected": rows, "removed": 0,
                                                           "historical_hits": 0})})  # fmt: skip
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("plate,reason\n" + "".join(f"ABC{n},stolen\n" for n in range(6)))
    # When it is imported
    code = main(["hotlist", "import", str(csv_file), "--list", "stolen", "--format", "ncic"])
    # Then the summary line is unchanged, and the exit code says nothing was imported, pointing at --format
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.startswith("accepted=0 rejected=6 removed=0\n")
    assert "--format" in _one_error_line(captured.err)


def test_an_unreadable_import_file_is_an_error_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hotlist", "import", str(tmp_path / "missing.csv"), "--list", "stolen"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "missing.csv" in _one_error_line(captured.err)


def test_broken_pipe_ends_quietly() -> None:
    # When the output is piped into a reader that stops early (head) or never reads (true)
    for reader in ("head -1", "true"):
        result = subprocess.run(
            ["bash", "-c", f'"{PLATEGUARD}" policy schema | {reader}; echo "status=${{PIPESTATUS[0]}}" >&2'],
            capture_output=True,
            text=True,
            check=False,
        )
        # Then there is no traceback, and the status is 0 (all written) or 141 (as SIGPIPE would end it)
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
        status = result.stderr.strip().splitlines()[-1]
        assert status in ("status=0", "status=141"), result.stderr


# -- long-running commands: progress and alert lines ---------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_in_place_on_a_terminal_and_is_silent_when_piped() -> None:
    from plateguard.commands.output import Progress

    # Given a terminal and a pipe
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(10, stream=stream)
        # When ten images are processed
        for done in range(1, 11):
            progress.update(done)
        progress.clear()
    # Then the terminal got one line redrawn with carriage returns (no newline), the pipe nothing
    assert "\n" not in terminal.getvalue() and terminal.getvalue().count("\r[") == 10
    assert "] 10/10" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_an_alert_fits_a_terminal() -> None:
    from plateguard.commands.local import format_alert

    alert = {"plate": "7KDR394", "priority": "high", "list_type": "stolen-vehicle", "camera_name": "Main St & 1st Ave",
             "captured_at": "2026-12-02T16:59:12.079052+00:00", "confidence": 0.97, "match_quality": "exact",
             "alert_id": "38065bcbb5a4f8e0f1dcc6fc", "historical": True,
             "notice": "Visually confirm the plate against the image and re-check the hot-list record before any "
                       "enforcement action."}  # fmt: skip
    lines = format_alert(alert).splitlines()
    assert lines[0] == (
        "HISTORICAL ALERT [HIGH] stolen-vehicle 7KDR394 at Main St & 1st Ave 2026-12-02 16:59:12Z "
        "confidence=0.97 match=exact"
    )
    assert all(len(line) <= 120 for line in lines)
    assert "38065bcbb5a4f8e0f1dcc6fc" in lines[1]
