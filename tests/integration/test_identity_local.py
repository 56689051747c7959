"""Local mode issues the identities AWS would: officers assume their PlateGuard role with MFA, the trust
policy pins the session name to their IAM user name, and nobody can pose as another officer."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from plateguard.commands.search import ApiTarget, signed_request
from plateguard.local.runner import LocalEnvironment
from plateguard.local.sts import assume_local_role, totp
from tests.integration.conftest import manual_env

__all__ = ["manual_env"]

SEARCH = {
    "plate": "7KDR394",
    "purpose": "Locate stolen grey sedan reported 2026-11-20",
    "case_number": "DPD-2026-004417",
    "offense_type": "stolen-vehicle",
}


def _records(agency: str = "demo-pd") -> list[dict[str, Any]]:
    from plateguard.wiring.api import dependencies as get_api_dependencies

    return [e.record() for e in get_api_dependencies().audit_store.entries(agency)]


def _sts(env: LocalEnvironment, user: dict[str, str]) -> Any:
    return boto3.client(
        "sts",
        region_name=env.state["region"],
        endpoint_url=env.state["api_url"],
        aws_access_key_id=user["access_key_id"],
        aws_secret_access_key=user["secret_access_key"],
    )


def test_an_officer_searching_through_the_mfa_role_is_recorded_by_name(manual_env: LocalEnvironment) -> None:
    # Given officer.garcia's role session (MFA code from the virtual device, session name = IAM user name)
    state = manual_env.state
    session = assume_local_role(state["users"]["officer"], state["api_url"], state["region"])
    # When the officer searches
    status, _ = signed_request(ApiTarget(state["api_url"], state["region"], session), "GET", "/reads", SEARCH)
    # Then it is served and the record names the real person, with the session as AWS sent it
    assert status == 200
    record = _records()[-1]
    assert record["eventName"] == "SearchReads" and record["userIdentity"]["userName"] == "officer.garcia"
    assert record["userIdentity"]["sessionArn"].endswith(":assumed-role/plateguard-local-officer/officer.garcia")


def test_assuming_the_role_under_another_officers_name_is_refused_and_audited(manual_env: LocalEnvironment) -> None:
    state = manual_env.state
    officer = state["users"]["officer"]
    # When officer.garcia asks for an officer-role session named after sgt.chen
    with pytest.raises(ClientError) as refused:
        assume_local_role(officer, state["api_url"], state["region"], session_name="sgt.chen")
    # Then STS refuses, and the attempt is in demo-pd's trail under the real caller's name
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    attempt = _records()[-1]
    assert attempt["eventName"] == "AssumeRole" and attempt["outcome"] == "Denied"
    assert attempt["userIdentity"]["userName"] == "officer.garcia"
    assert attempt["requestParameters"]["roleSessionName"] == "sgt.chen"


@pytest.mark.parametrize("code", [None, "000000"])
def test_a_role_session_needs_a_valid_mfa_code(manual_env: LocalEnvironment, code: str | None) -> None:
    officer = manual_env.state["users"]["officer"]
    if code == totp(officer["mfa_seed"]):  # pragma: no cover - one chance in a million
        pytest.skip("the fixed code happens to be valid now")
    mfa = {} if code is None else {"SerialNumber": officer["mfa_serial"], "TokenCode": code}
    with pytest.raises(ClientError) as refused:
        _sts(manual_env, officer).assume_role(RoleArn=officer["role_arn"], RoleSessionName="officer.garcia", **mfa)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_an_iam_user_calling_the_api_directly_is_refused_and_audited(manual_env: LocalEnvironment) -> None:
    # Given officer.garcia's own long-term key (no role session, no MFA)
    state = manual_env.state
    officer = state["users"]["officer"]
    direct = Credentials(officer["access_key_id"], officer["secret_access_key"])
    # When it signs a search / Then API Gateway passes it on and the door refuses and records it
    status, body = signed_request(ApiTarget(state["api_url"], state["region"], direct), "GET", "/reads", SEARCH)
    assert status == 403 and body["error"] == "AccessDenied"
    record = _records("_unregistered")[-1]
    assert record["errorCode"] == "AccessDenied.role_session_required"
    assert record["requestParameters"]["plate"] == "7KDR394"
