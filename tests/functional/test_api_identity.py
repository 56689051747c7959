"""Identities AWS asserts, not the caller: the API trusts only sessions of the stack's own roles, keys the
registry on the session name the trust policy pins to the IAM user name, and records the real person."""

from __future__ import annotations

import pytest

from plateguard.logic.identity import (
    IdentityRefused,
    normalize_principal_arn,
    resolve_caller,
    role_trust_conditions,
)
from plateguard.models.routes import Role
from tests.api_support import ACCOUNT, GOOD_PURPOSE, ROLE_NAMES, USERS, ApiWorld, api_world, session_arn

__all__ = ["api_world"]

OFFICER_ROLE = next(name for name, role in ROLE_NAMES.items() if role is Role.OFFICER)


def test_a_session_of_a_stack_role_resolves_to_the_iam_user_named_by_the_session() -> None:
    identity = resolve_caller(f"arn:aws:sts::{ACCOUNT}:assumed-role/{OFFICER_ROLE}/officer.garcia", ROLE_NAMES)
    assert identity.principal_arn == f"arn:aws:iam::{ACCOUNT}:user/officer.garcia"
    assert identity.session_role is Role.OFFICER


@pytest.mark.parametrize(
    ("arn", "reason"),
    [
        (None, "no_principal"),
        (f"arn:aws:iam::{ACCOUNT}:user/officer.garcia", "role_session_required"),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/SomeOtherRole/officer.garcia", "untrusted_role"),
        (f"arn:aws:sts::{ACCOUNT}:federated-user/officer.garcia", "unsupported_principal"),
    ],
)
def test_anything_but_a_session_of_a_stack_role_is_refused(arn: str | None, reason: str) -> None:
    with pytest.raises(IdentityRefused) as refused:
        resolve_caller(arn, ROLE_NAMES)
    assert refused.value.reason == reason


def test_trust_conditions_pin_the_session_name_to_the_user_name_and_require_mfa() -> None:
    conditions = role_trust_conditions()
    assert conditions["StringEquals"] == {"sts:RoleSessionName": "${aws:username}"}
    assert conditions["Bool"] == {"aws:MultiFactorAuthPresent": "true"}


def test_registry_keys_drop_the_iam_path() -> None:
    assert normalize_principal_arn(f"arn:aws:iam::{ACCOUNT}:user/patrol/officer.garcia") == (
        f"arn:aws:iam::{ACCOUNT}:user/officer.garcia"
    )


def test_the_audit_record_names_the_person_behind_the_session(api_world: ApiWorld) -> None:
    # Given officer.garcia calling through the officer role's session
    status, _ = api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)
    assert status == 200
    # Then the record names the registry user and keeps the session ARN as AWS sent it
    record = api_world.audit_records()[-1]
    assert record["userIdentity"]["userName"] == "officer.garcia"
    assert record["userIdentity"]["principalArn"] == USERS["officer"].principal_arn
    assert record["userIdentity"]["sessionArn"] == session_arn(USERS["officer"])


@pytest.mark.parametrize(
    ("arn", "reason"),
    [
        # A role outside the stack: its session names are not pinned, so a name there proves nothing.
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/AdminAccess/officer.garcia", "AccessDenied.untrusted_role"),
        # An IAM user calling directly (no MFA role session).
        (USERS["officer"].principal_arn, "AccessDenied.role_session_required"),
        # The supervisor's name on an officer-role session: the role does not match the account.
        (session_arn(USERS["supervisor"], Role.OFFICER), "AccessDenied.role_mismatch"),
    ],
)
def test_sessions_that_could_pose_as_someone_else_are_refused_and_audited(
    api_world: ApiWorld, arn: str, reason: str
) -> None:
    status, body = api_world.search(arn, plate="7KDR394", **GOOD_PURPOSE)
    assert status == 403 and body["error"] == "AccessDenied"
    records = api_world.audit_records() + api_world.audit_records("_unregistered")
    refused = [r for r in records if r["errorCode"] == reason]
    assert len(refused) == 1
    assert refused[0]["requestParameters"]["plate"] == "7KDR394"


def test_training_older_than_the_refresh_period_is_refused_on_every_request(
    api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from plateguard.dal.users import DynamoUserDirectory
    from tests.api_support import NOW, clear_caches, make_user

    # Given an officer trained 13 months ago, still active (the nightly job has not run) and a 12-month period
    stale = make_user("demo-pd", "officer.stale", Role.OFFICER, training_completed_at=NOW - timedelta(days=400))
    monkeypatch.setenv("TRAINING_REFRESH_MONTHS", "12")
    clear_caches()
    from plateguard.wiring.api import dependencies as get_api_dependencies

    get_api_dependencies()
    DynamoUserDirectory().put(stale)
    # When the officer searches / Then the request is refused for lapsed training
    status, body = api_world.search(session_arn(stale), plate="7KDR394", **GOOD_PURPOSE)
    assert status == 403 and "training lapsed" in body["message"]
