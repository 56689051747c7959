"""Local mode with the template's IAM enforced: 16 writers at once are never refused, the trail neither
forks nor gaps, and the hourly digest function (run in-process as its own role) anchors
it with calls the template allows. The same run for 60 s: `python -m benchmarks.audit_concurrency`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.audit_concurrency import run
from plateguard.compliance.iam_eval import TemplatePolicies
from plateguard.local.aws_calls import handler_name
from plateguard.local.dispatcher import LocalLambdaContext
from plateguard.local.runner import LOCAL_REGION, LocalEnvironment
from plateguard.local.users import LOCAL_ACCOUNT_ID
from tests.infra.helpers import Synthesized

from .conftest import _prefix

DIGEST = "plateguard.handlers.jobs.handle_audit_digest"
WRITERS, SECONDS = 16, 3.0


def _policies(template: dict[str, Any]) -> TemplatePolicies:
    return TemplatePolicies.from_template(template, {}, account=LOCAL_ACCOUNT_ID, region=LOCAL_REGION)


@pytest.fixture(scope="module")
def env(synth: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    with LocalEnvironment(
        state_dir=tmp_path_factory.mktemp("state"),
        dispatch=False,
        prefix=_prefix(),
        policies=_policies(synth.raw),
        enforce_iam=True,
    ) as environment:
        yield environment


def test_sixteen_concurrent_writers_are_never_refused_and_the_trail_holds(env: LocalEnvironment) -> None:
    # Given 16 execution environments of the API (one AuditTrail each) recording searches at once
    result = run(env, WRITERS, SECONDS)
    # Then none was refused (one shared chain per agency refused about a third here), each write left
    # exactly one record, and the whole trail verifies: no position written twice, none skipped
    assert result.requests >= WRITERS and result.refused == 0 and result.other_errors == 0, result.line()
    assert result.records == result.requests and result.chains >= WRITERS, result.line()
    assert (result.forks, result.gaps, result.problems) == (0, 0, []), result.line()


def test_sixteen_officers_searching_through_the_api_are_never_refused(env: LocalEnvironment) -> None:
    # Given 16 officers' MFA sessions searching back to back through the audited API (one execution
    # environment, as local mode's emulator runs it)
    result = run(env, WRITERS, 2.0, through_api=True)
    # Then every request was served and left exactly one record, and the trail still verifies
    assert result.requests >= WRITERS and result.refused == 0 and result.other_errors == 0, result.line()
    assert result.records == result.requests, result.line()
    assert (result.forks, result.gaps, result.problems) == (0, 0, []), result.line()


def test_the_digest_function_anchors_the_trail_with_calls_its_role_may_make(env: LocalEnvironment) -> None:
    from plateguard.handlers.jobs import handle_audit_digest

    # Given an audited search
    run(env, 1, 0.2, through_api=True)
    # When the digest function runs as its own role
    with env.as_function(handler_name(handle_audit_digest)):
        result = handle_audit_digest({}, LocalLambdaContext(function_name="plateguard-audit-digest-local"))
    # Then it wrote the next digest, naming the chain, and found nothing amiss
    assert result["written"] is True and result["chains"] >= 1 and result["problems"] == []
    # And every call it made (table and index reads, object versions, the digest write, kms:Sign) is one
    # the synthesized template grants its role
    assert env.aws_calls is not None
    calls = [c for c in env.aws_calls.attributed() if c.principal == DIGEST]
    assert {c.operation for c in calls} >= {"Sign", "PutObject", "ListObjectVersions", "Query"}
    denied = [c.describe() for c in calls if c.allowed is not True]
    assert not denied, "\n".join(denied)
