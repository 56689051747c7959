"""docs/deploy.md, rehearsed: from empty tables to the first audited search, one command a step, with
the synthesized template's IAM policies enforced on every AWS call (functions, the camera's own
credentials, and API Gateway's execute-api:Invoke for the officers' role sessions)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from plateguard.cli import main
from plateguard.compliance.iam_eval import TemplatePolicies
from plateguard.local.runner import LOCAL_REGION, LocalEnvironment
from plateguard.local.sts import assume_local_role
from plateguard.local.users import LOCAL_ACCOUNT_ID
from plateguard.models.records import Outcome
from tests.infra.helpers import Synthesized

from .conftest import _prefix, repository, scene_jpeg

PLATE = "7KDR394"
SEARCH = [
    "--plate", PLATE, "--purpose", "Locate stolen grey sedan reported 2026-11-20",
    "--case-number", "DPD-2026-004417", "--offense-type", "stolen-vehicle",
]  # fmt: skip


@dataclass
class Rehearsal:
    env: LocalEnvironment
    state_dir: Path
    camera_dir: Path
    exits: dict[str, int]
    outputs: dict[str, str]
    frames: dict[str, str]

    def records(self, agency: str = "demo-pd") -> list[dict[str, Any]]:
        from plateguard.wiring.api import dependencies as get_api_dependencies

        return [e.record() for e in get_api_dependencies().audit_store.entries(agency)]


def _drain(env: LocalEnvironment, expected: int, timeout: float = 60.0) -> None:
    handled, deadline = 0, time.monotonic() + timeout
    while handled < expected and time.monotonic() < deadline:
        handled += env.dispatcher.poll_once(wait_seconds=1)
    assert handled >= expected, f"only {handled} of {expected} uploads arrived"


@pytest.fixture(scope="module")
def rehearsal(synth: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    import contextlib
    import io

    state_dir = tmp_path_factory.mktemp("state")
    work = tmp_path_factory.mktemp("runbook")
    camera_dir = work / "cam-main-st"
    (work / "frame.jpg").write_bytes(scene_jpeg([PLATE], seed=7))
    (work / "cut.jpg").write_bytes(scene_jpeg([PLATE], seed=8)[:600])  # a frame cut short in transit
    policies = TemplatePolicies.from_template(synth.raw, {}, account=LOCAL_ACCOUNT_ID, region=LOCAL_REGION)
    exits: dict[str, int] = {}
    outputs: dict[str, str] = {}

    def step(name: str, *argv: str, local: bool = True) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exits[name] = main([*argv, "--state-dir", str(state_dir)] if local else list(argv))
        outputs[name] = out.getvalue()

    with LocalEnvironment(
        state_dir=state_dir, seed=False, dispatch=False, prefix=_prefix(), policies=policies, enforce_iam=True
    ) as env:
        # Step 4's stand-in: the agency's IT creates the people's IAM users (key + virtual MFA device)
        env.add_iam_user("admin.reyes", "demo-pd", "admin")
        env.add_iam_user("sgt.chen", "demo-pd", "supervisor")
        env.add_iam_user("officer.garcia", "demo-pd", "officer")
        step("search-before", "search", *SEARCH, "--as", "officer.garcia")
        # Steps 5-10 of docs/deploy.md
        step("bootstrap", "admin", "bootstrap", "--user", "admin.reyes", "--name", "Ana Reyes", "--trained-on",
             "2026-11-15")  # fmt: skip
        step("bootstrap-again", "admin", "bootstrap", "--user", "sgt.chen", "--name", "Lee Chen")
        step("add-supervisor", "users", "add", "sgt.chen", "--role", "supervisor", "--approved-by", "admin.reyes",
             "--trained-on", "2026-11-01", "--full-name", "Lee Chen", "--as", "admin.reyes")  # fmt: skip
        step("add-officer", "users", "add", "officer.garcia", "--role", "officer", "--approved-by", "sgt.chen",
             "--trained-on", "2026-11-01", "--as", "admin.reyes")  # fmt: skip
        step("add-camera", "cameras", "add", "cam-main-st", "--name", "Main St & 1st Ave", "--lat", "37.7793",
             "--lon", "-122.4193", "--district", "central", "--out", str(camera_dir),
             "--as", "admin.reyes")  # fmt: skip
        step("subscribe", "subscribe", "--protocol", "sms", "--endpoint", "+15551234567", "--district", "central",
             "--as", "officer.garcia")  # fmt: skip
        step("upload", "camera", "upload", "--credentials", str(camera_dir), str(work / "frame.jpg"),
             str(work / "cut.jpg"), local=False)  # fmt: skip
        frames = dict(zip(("good", "cut"), (line.rsplit("s3://", 1)[-1].split("/", 1)[1]
                          for line in outputs["upload"].splitlines() if "s3://" in line), strict=False))  # fmt: skip
        _drain(env, 2)
        step("search", "search", *SEARCH, "--json", "--as", "officer.garcia")
        step("verify", "audit", "verify")
        yield Rehearsal(env, state_dir, camera_dir, exits, outputs, frames)


def test_an_empty_deployment_serves_nobody_until_the_admin_is_bootstrapped(rehearsal: Rehearsal) -> None:
    assert rehearsal.exits["search-before"] == 1
    assert rehearsal.exits["bootstrap"] == 0, rehearsal.outputs
    bootstrap = [r for r in rehearsal.records() if r["eventName"] == "BootstrapAdmin"]
    assert len(bootstrap) == 1 and bootstrap[0]["requestParameters"]["targetUsername"] == "admin.reyes"
    # And the bootstrap is refused once an active admin exists
    assert rehearsal.exits["bootstrap-again"] == 1


def test_every_step_of_the_runbook_succeeds(rehearsal: Rehearsal) -> None:
    steps = ("add-supervisor", "add-officer", "add-camera", "subscribe", "upload", "search", "verify")
    assert {name: rehearsal.exits[name] for name in steps} == dict.fromkeys(steps, 0), rehearsal.outputs
    assert "audit verify passed" in rehearsal.outputs["verify"]


def test_the_cameras_frame_is_read_and_the_officers_search_finds_it_recorded_by_name(rehearsal: Rehearsal) -> None:
    good = repository().get_outcome(rehearsal.frames["good"])
    assert good is not None and good.outcome is Outcome.READS_STORED
    body = json.loads(rehearsal.outputs["search"])
    assert [r["plate"] for r in body["reads"]] == [PLATE] and body["reads"][0]["camera_id"] == "cam-main-st"
    search = [r for r in rehearsal.records() if r["eventName"] == "SearchReads"][-1]
    assert search["outcome"] == "Success" and search["userIdentity"]["userName"] == "officer.garcia"
    assert search["userIdentity"]["sessionArn"].endswith("/officer.garcia")


def test_a_bad_upload_ends_quarantined_under_the_evaluated_policy(rehearsal: Rehearsal) -> None:
    cut = repository().get_outcome(rehearsal.frames["cut"])
    assert cut is not None and cut.outcome is Outcome.QUARANTINED and cut.reason == "truncated_image"
    dlq = rehearsal.env.client("sqs").get_queue_attributes(
        QueueUrl=rehearsal.env.state["dead_letter_queue_url"], AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert dlq["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_every_recorded_call_was_allowed_by_the_template(rehearsal: Rehearsal) -> None:
    assert rehearsal.env.aws_calls is not None
    calls = rehearsal.env.aws_calls.attributed()
    principals = {call.principal for call in calls}
    # The camera's own credentials, the ingest function and the API function all made calls
    assert "camera demo-pd/cam-main-st" in principals
    assert {
        "plateguard.handlers.ingest.handle_ingest_batch",
        "plateguard.handlers.api.app.handle_api_request",
    } <= principals
    camera_puts = [c for c in calls if c.principal == "camera demo-pd/cam-main-st" and c.operation == "PutObject"]
    assert len(camera_puts) == 2
    denied = [call.describe() for call in calls if call.allowed is not True]
    assert not denied, "calls the deployed roles may not make:\n" + "\n".join(denied)


def test_posing_as_another_officer_is_refused_and_audited(rehearsal: Rehearsal) -> None:
    state = json.loads((rehearsal.state_dir / "local.json").read_text())
    with pytest.raises(ClientError):
        assume_local_role(state["users"]["officer.garcia"], state["api_url"], state["region"], session_name="sgt.chen")
    attempt = rehearsal.records()[-1]
    assert attempt["eventName"] == "AssumeRole" and attempt["outcome"] == "Denied"
    assert attempt["userIdentity"]["userName"] == "officer.garcia"
    assert attempt["requestParameters"]["roleSessionName"] == "sgt.chen"
