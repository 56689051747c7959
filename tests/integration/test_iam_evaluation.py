"""Every AWS call the real handlers make in local mode, checked against the synthesized IAM policies.

moto enforces no IAM: here local mode runs with the template's policies enforced (a denied call fails
as in AWS), drives each function through a shift (uploads good and bad, a search, a hot-list change,
a sweep, an oversight job) and requires every recorded call of every function to be allowed.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plateguard.compliance.iam_eval import TemplatePolicies
from plateguard.local.aws_calls import CallRecord, handler_name
from plateguard.local.dispatcher import LocalLambdaContext
from plateguard.local.runner import LOCAL_REGION, LocalEnvironment
from plateguard.local.users import LOCAL_ACCOUNT_ID
from plateguard.models.records import Outcome
from tests.infra.helpers import Synthesized

from .conftest import _prefix, repository, scene_jpeg, upload

INGEST = "plateguard.handlers.ingest.handle_ingest_batch"
API = "plateguard.handlers.api.app.handle_api_request"
SWEEPER = "plateguard.handlers.sweeper.handle_retention_sweep"
JOBS = "plateguard.handlers.jobs.handle_scheduled_job"


def _policies(template: dict[str, Any]) -> TemplatePolicies:
    return TemplatePolicies.from_template(template, {}, account=LOCAL_ACCOUNT_ID, region=LOCAL_REGION)


def _drain(env: LocalEnvironment, expected: int, timeout: float = 60.0) -> None:
    handled = 0
    deadline = time.monotonic() + timeout
    while handled < expected and time.monotonic() < deadline:
        handled += env.dispatcher.poll_once(wait_seconds=1)
    assert handled >= expected, f"only {handled} of {expected} messages arrived"


class Shift:
    def __init__(self, env: LocalEnvironment, keys: dict[str, str]) -> None:
        self.env = env
        self.keys = keys

    @property
    def calls(self) -> list[CallRecord]:
        assert self.env.aws_calls is not None
        return self.env.aws_calls.attributed()


@pytest.fixture(scope="module")
def shift(synth: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shift]:
    from plateguard.commands.demo import _api  # a SigV4-signed call as a local user, as the demo makes it
    from plateguard.handlers.jobs import handle_scheduled_job
    from plateguard.handlers.sweeper import handle_retention_sweep
    from plateguard.local.seed import DEMO_HOTLIST_PLATE

    state_dir = tmp_path_factory.mktemp("state")
    with LocalEnvironment(
        state_dir=state_dir, dispatch=False, prefix=_prefix(), policies=_policies(synth.raw), enforce_iam=True
    ) as env:
        keys = {
            "good": upload(env, scene_jpeg([DEMO_HOTLIST_PLATE], seed=11)),
            "bad": upload(env, b"this is a text file, not a frame"),
        }
        _drain(env, len(keys))
        params = {
            "plate": DEMO_HOTLIST_PLATE,
            "purpose": "Locate stolen grey sedan reported 2026-11-20",
            "case_number": "DPD-2026-004417",
            "offense_type": "stolen-vehicle",
        }
        _api(env, "officer", "GET", "/reads", params=params)
        entry = {"plate": "3HVW872", "reason": "Burglary suspect vehicle", "case_number": "DPD-2026-004610"}
        _api(env, "officer", "POST", "/hotlists/bolo/entries", entry)
        # Subscriptions: registered with their owner's record, listed, removed, and removed with the account.
        subscribed = _api(env, "officer", "POST", "/subscriptions", {"protocol": "sms", "endpoint": "+15551234567"})
        _api(env, "supervisor", "GET", "/subscriptions")
        _api(env, "officer", "DELETE", f"/subscriptions/{subscribed['subscription_id']}")
        _api(env, "officer", "POST", "/subscriptions", {"protocol": "sms", "endpoint": "+15557654321"})
        _api(env, "admin", "POST", "/users/officer.garcia/disable", {"reason": "administrative leave"})
        # The daily import path too: its batched historical pass (by-day queries, alert put, publish).
        bolo = f"plate,state,reason,case_number\n{DEMO_HOTLIST_PLATE},CA,Robbery suspect vehicle,DPD-2026-004611\n"
        assert _api(env, "supervisor", "POST", "/hotlists/bolo/import", {"content": bolo})["historical_hits"] >= 1
        with env.as_function(handler_name(handle_retention_sweep)):
            handle_retention_sweep({}, LocalLambdaContext(function_name="plateguard-sweeper-local"))
        with env.as_function(handler_name(handle_scheduled_job)):
            handle_scheduled_job({"job": "disable-inactive-accounts"}, LocalLambdaContext(function_name="jobs"))
        yield Shift(env, keys)


def test_every_call_of_every_function_is_allowed_by_the_template(shift: Shift) -> None:
    # Given a shift played with the template's IAM enforced
    # Then every function made calls (the checks below are not vacuous)
    made = {call.principal for call in shift.calls}
    assert {INGEST, API, SWEEPER, JOBS} <= made
    # And each of them was allowed, with the permission it needed named if not
    denied = [call.describe() for call in shift.calls if call.allowed is not True]
    assert not denied, "calls the deployed roles may not make:\n" + "\n".join(denied)


def test_a_bad_upload_ends_quarantined_not_failed(shift: Shift) -> None:
    # Given a bad upload processed with IAM enforced (the ingest role may not delete objects)
    outcome = repository().get_outcome(shift.keys["bad"])
    # Then it is quarantined with its reason, its copy under quarantine/, and nothing was left to retry
    assert outcome is not None and outcome.outcome is Outcome.QUARANTINED
    assert outcome.reason == "not_an_image"
    s3 = shift.env.client("s3")
    s3.head_object(Bucket=shift.env.state["images_bucket"], Key=outcome.quarantine_key)
    assert not shift.env.dispatcher_errors
    dlq = shift.env.client("sqs").get_queue_attributes(
        QueueUrl=shift.env.state["dead_letter_queue_url"], AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert dlq["Attributes"]["ApproximateNumberOfMessages"] == "0"
    good = repository().get_outcome(shift.keys["good"])
    assert good is not None and good.outcome is Outcome.READS_STORED


def test_the_check_fails_when_the_template_lacks_a_permission_the_code_uses(shift: Shift, synth: Synthesized) -> None:
    # Given the same template without the ingest role's s3:PutObject (crops/ and quarantine/)
    template = copy.deepcopy(synth.raw)
    role = _policies(template).role_for_handler(INGEST)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in resource["Properties"]["Roles"]:
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                statement["Action"] = [a for a in actions if a != "s3:PutObject"] or ["s3:PutObjectTagging"]
    assert shift.env.aws_calls is not None
    weakened = _policies(template).bind(shift.env.aws_calls.policies.physical_names)  # type: ignore[union-attr]
    # When the recorded calls are evaluated against it
    puts = [c for c in shift.calls if c.principal == INGEST and c.operation in ("PutObject", "CopyObject")]
    assert {c.operation for c in puts} == {"PutObject", "CopyObject"}  # a crop and a quarantine copy
    decisions = [weakened.evaluate(role, action, resource) for c in puts for action, resource in c.permissions]
    # Then the crop and quarantine writes are denied, naming the missing permission
    denied = [d for d in decisions if not d.allowed]
    assert {d.action for d in denied} == {"s3:PutObject"}
    assert all("s3:PutObject" in d.reason and "implicit deny" in d.reason for d in denied)
    assert any("/crops/" in d.resource for d in denied) and any("/quarantine/" in d.resource for d in denied)
    # And against the real template the same calls were allowed
    assert all(c.allowed for c in puts)


def test_the_report_lists_grants_no_recorded_call_used(shift: Shift, synth: Synthesized, tmp_path: Path) -> None:
    from plateguard.compliance.usage import load_calls, permission_usage

    # Given the shift's record as local mode writes it (aws-calls.json under the state directory)
    path = shift.env.write_aws_calls()
    assert path is not None and path.name == "aws-calls.json"
    record = load_calls(path)
    assert record is not None
    # When the report compares it with the template's grants
    usage = {u.handler: u for u in permission_usage(synth.raw, record)}
    ingest = usage[INGEST]
    images = f"arn:aws:s3:::{shift.env.state['images_bucket']}"
    reads = f"arn:aws:dynamodb:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:table/{shift.env.state['tables']['ReadsTable']}"
    # Then grants the ingest code used are not listed: reads of incoming/, crop and quarantine writes
    assert ingest.calls > 0
    for used in (f"{images}/incoming/*", f"{images}/crops/*", f"{images}/quarantine/*"):
        assert not [(a, r) for a, r in ingest.unused if r == used and a in ("s3:GetObject*", "s3:PutObject")]
    # And ones it never used are: tagging of crops (grant_put's extras)
    assert ("s3:PutObjectTagging", f"{images}/crops/*") in ingest.unused
    # While its table grants are the lookups it makes: no scans or stream reads left to list (grant_lookup)
    assert not [
        (a, r) for a, r in ingest.unused if r.startswith(reads) and a in ("dynamodb:Scan", "dynamodb:GetRecords")
    ]
    # While logs and traces are the Lambda runtime's, not the code's
    assert {"logs:PutLogEvents", "xray:PutTraceSegments"} <= {action for action, _ in ingest.service_used}


def test_without_a_record_the_section_says_so(synth: Synthesized, tmp_path: Path) -> None:
    from plateguard.compliance.report import build_report, render_html, render_markdown

    report = build_report(synth.template_path, run_lint=False, aws_calls=tmp_path / "aws-calls.json")
    assert report.permission_usage is None
    assert "## 5. Permissions granted but not used" in render_markdown(report)
    assert "No record of AWS calls" in render_markdown(report) and "No record of AWS calls" in render_html(report)
