"""`plateguard review list|decide|sign-off` against a running local mode (SigV4 through the emulator)."""

from __future__ import annotations

import json

import pytest

from plateguard.cli import main
from plateguard.local.runner import LocalEnvironment
from tests.review_api_support import BATCH_ID, make_review, seed_batch


def test_a_supervisor_reviews_a_sampled_period_from_the_command_line(
    manual_env: LocalEnvironment, capsys: pytest.CaptureFixture[str]
) -> None:
    state = ["--state-dir", str(manual_env.state_dir)]
    # Given a sampled period: one search by officer.garcia assigned to sgt.chen, one by sgt.chen himself
    seed_batch([make_review(1, "officer.garcia", "sgt.chen"), make_review(2, "sgt.chen", "sgt.diaz")])
    # When the supervisor lists his reviews
    assert main(["review", "list", *state]) == 0
    out = capsys.readouterr().out
    assert f"{BATCH_ID} #1" in out and "1 review(s) assigned to you" in out and f"{BATCH_ID} #2" not in out
    # Then an officer may not, and "not justified" without a note is refused
    assert main(["review", "list", *state, "--as", "officer"]) == 1
    assert "AccessDenied" in capsys.readouterr().err
    assert main(["review", "decide", BATCH_ID, "1", "--not-justified", *state]) == 1
    assert "InvalidRequest" in capsys.readouterr().err
    # When he records a finding, Then it is stored; his own search is not his to decide
    assert main(["review", "decide", BATCH_ID, "1", "--not-justified", "--notes", "No incident matches", *state]) == 0
    assert f"review {BATCH_ID}#0001: unjustified (by sgt.chen)" in capsys.readouterr().out
    assert main(["review", "decide", BATCH_ID, "2", "--justified", *state]) == 1
    assert "AccessDenied" in capsys.readouterr().err
    # And the period cannot be signed off while item 2 is open
    assert main(["review", "sign-off", BATCH_ID, "--note", "October", *state]) == 1
    assert "still have no finding" in capsys.readouterr().err
    # An auditor sees every review of the agency
    assert main(["review", "list", "--json", "--batch", BATCH_ID, *state, "--as", "auditor"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["count"] == 2 and listed["batches"][0]["unjustified"] == 1
