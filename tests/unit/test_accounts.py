"""Account lifecycle: the scheduled job disables on the right day, separation is immediate,
reactivation needs current training, and every change is audited and reported to supervisors."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from plateguard.logic.access import AccessPolicy, UserStatus, add_months, authorize
from plateguard.logic.accounts import (
    AccountChange,
    AccountPolicy,
    LapseReason,
    disable_lapsed_accounts,
    lapse_reasons,
    reactivate_account,
    record_training,
    separate_account,
)
from plateguard.logic.oversight import SYSTEM_PRINCIPAL
from plateguard.models.errors import AccessDenied, Conflict, InvalidRequest
from plateguard.models.routes import Role
from tests.api_support import ROLE_NAMES, session_arn
from tests.fakes.oversight import T0, MemoryChain, MemoryUsers, RecordingNotifier, trail, user

POLICY = AccountPolicy(inactivity_disable_days=90, training_refresh_months=12)


def access_policy(*args: Any, **kwargs: Any) -> AccessPolicy:
    """The API's access policy, trusting the stack's role sessions (tests.api_support.ROLE_NAMES)."""
    return AccessPolicy(*args, role_names=ROLE_NAMES, **kwargs)


def _run(users: MemoryUsers, days_later: float) -> tuple[list[AccountChange], RecordingNotifier, MemoryChain]:
    audit, chain = trail()
    notifier = RecordingNotifier()
    changes = disable_lapsed_accounts(
        "demo-pd", users=users, trail=audit, notifier=notifier, policy=POLICY, now=T0 + timedelta(days=days_later)
    )
    return changes, notifier, chain


def test_inactive_account_is_disabled_on_day_91_not_day_90() -> None:
    # Given an officer last seen at T0
    users = MemoryUsers(user("officer.idle"))
    # When the job runs exactly 90 days later / Then the account stays active
    changes, notifier, _ = _run(users, 90)
    assert changes == [] and notifier.sent == []
    assert users.named("officer.idle").status is UserStatus.ACTIVE
    # When it runs on day 91 / Then the account is disabled for inactivity
    changes, notifier, _ = _run(users, 91)
    assert [(c.username, c.reasons) for c in changes] == [("officer.idle", (LapseReason.INACTIVE,))]
    assert len(notifier.sent) == 1
    assert users.named("officer.idle").status is UserStatus.DISABLED


def test_job_and_authorize_agree_on_the_inactivity_boundary() -> None:
    officer = user("officer.idle")
    access = access_policy(inactivity_disable_days=90)
    for days, refused in ((90, False), (90.001, True)):
        now = T0 + timedelta(days=days)
        assert bool(lapse_reasons(officer, POLICY, now)) is refused
        if refused:
            with pytest.raises(AccessDenied):
                authorize(session_arn(officer), "GET", "/reads", MemoryUsers(officer), access, now)
        else:
            assert authorize(session_arn(officer), "GET", "/reads", MemoryUsers(officer), access, now) == officer


def test_lapsed_training_disables_the_account_on_its_anniversary() -> None:
    # Given training completed on 2025-03-10 and a 12-month refresher period, and daily activity
    trained = T0.replace(year=2025, month=3, day=10)
    officer = user("officer.lapsing", training_completed_at=trained)
    expiry = add_months(trained, 12)
    assert expiry.date().isoformat() == "2026-03-10"
    active_until = replace(officer, last_activity_at=expiry - timedelta(days=1))
    # When the job runs the day before / Then nothing happens; on the day / Then it is disabled
    assert lapse_reasons(active_until, POLICY, expiry - timedelta(seconds=1)) == []
    assert lapse_reasons(active_until, POLICY, expiry) == [LapseReason.TRAINING_LAPSED]
    # And the API refuses the same account from that instant on
    with pytest.raises(AccessDenied) as refused:
        authorize(
            session_arn(officer),
            "GET",
            "/reads",
            MemoryUsers(active_until),
            access_policy(90, training_refresh_months=12),
            expiry,
        )
    assert refused.value.reason == "training_expired"


def test_every_disable_is_audited_before_the_change_and_reported_to_supervisors() -> None:
    users = MemoryUsers(
        user("officer.idle", last_activity_at=T0 - timedelta(days=200)),
        user("officer.busy"),
        user("officer.old-training", training_completed_at=T0 - timedelta(days=400)),
        user("officer.gone", status=UserStatus.SEPARATED, last_activity_at=T0 - timedelta(days=500)),
        user("officer.elsewhere", agency="other-pd", last_activity_at=T0 - timedelta(days=500)),
    )
    changes, notifier, chain = _run(users, 1)
    # Then only this agency's active, lapsed accounts change
    assert sorted(c.username for c in changes) == ["officer.idle", "officer.old-training"]
    assert users.named("officer.elsewhere").status is UserStatus.ACTIVE
    # And each has an audit record by the job's system principal, with the reasons
    records = chain.records("demo-pd", "DisableAccount")
    assert [r["requestParameters"]["targetUsername"] for r in records] == ["officer.idle", "officer.old-training"]
    assert {r["userIdentity"]["principalArn"] for r in records} == {SYSTEM_PRINCIPAL}
    assert records[1]["requestParameters"]["reasons"] == ["training_lapsed"]
    # And supervisors get one message listing both, with no plate data
    ((agency, subject, details),) = notifier.sent
    assert agency == "demo-pd" and "2 account(s) disabled" in subject
    assert [c["username"] for c in details["changes"]] == ["officer.idle", "officer.old-training"]


def test_a_failed_audit_write_leaves_the_account_unchanged() -> None:
    from plateguard.logic.audit_chain import AuditTrail
    from plateguard.models.errors import AuditUnavailable

    class BrokenArchive:
        def put(self, key: str, body: str) -> None:
            raise OSError("S3 down")

    users = MemoryUsers(user("officer.idle", last_activity_at=T0 - timedelta(days=200)))
    _, chain = trail()
    with pytest.raises(AuditUnavailable):
        disable_lapsed_accounts(
            "demo-pd",
            users=users,
            trail=AuditTrail(chain, BrokenArchive()),
            notifier=RecordingNotifier(),
            policy=POLICY,
            now=T0,
        )
    assert users.named("officer.idle").status is UserStatus.ACTIVE


def test_separation_takes_effect_immediately_and_is_final() -> None:
    supervisor = user("sgt.chen", Role.SUPERVISOR)
    officer = user("officer.leaving")
    users = MemoryUsers(supervisor, officer)
    audit, chain = trail()
    notifier = RecordingNotifier()
    # When the supervisor separates the officer
    separate_account(
        supervisor, officer.principal_arn, "resigned 2026-01-05", users=users, trail=audit, notifier=notifier, now=T0
    )
    # Then the very next request is refused, the change is audited and reported
    with pytest.raises(AccessDenied) as refused:
        authorize(session_arn(officer), "GET", "/reads", users, access_policy(90), T0 + timedelta(seconds=1))
    assert refused.value.reason == "account_separated"
    (record,) = chain.records("demo-pd", "SeparateAccount")
    assert record["userIdentity"]["userName"] == "sgt.chen" and record["requestParameters"]["reason"]
    assert "separated" in notifier.sent[0][1]
    # And a separated account cannot be reactivated
    with pytest.raises(Conflict):
        reactivate_account(
            supervisor, officer.principal_arn, users=users, trail=audit, notifier=notifier, policy=POLICY, now=T0
        )


def test_only_active_supervisors_of_the_same_agency_act_and_never_on_themselves() -> None:
    supervisor = user("sgt.chen", Role.SUPERVISOR)
    officer = user("officer.a")
    outsider = user("sgt.novak", Role.SUPERVISOR, agency="other-pd")
    users = MemoryUsers(supervisor, officer, outsider)
    audit, _ = trail()
    kwargs: dict[str, Any] = {"users": users, "trail": audit, "notifier": RecordingNotifier(), "now": T0}
    with pytest.raises(AccessDenied):
        separate_account(officer, supervisor.principal_arn, "not allowed", **kwargs)
    with pytest.raises(AccessDenied):
        separate_account(supervisor, supervisor.principal_arn, "self removal", **kwargs)
    from plateguard.models.errors import NotFound

    with pytest.raises(NotFound):
        separate_account(outsider, officer.principal_arn, "wrong agency", **kwargs)


def test_reactivation_needs_current_training_and_restarts_the_inactivity_clock() -> None:
    supervisor = user("sgt.chen", Role.SUPERVISOR)
    officer = user(
        "officer.back",
        status=UserStatus.DISABLED,
        training_completed_at=T0 - timedelta(days=400),
        last_activity_at=T0 - timedelta(days=200),
    )
    users = MemoryUsers(supervisor, officer)
    audit, chain = trail()
    notifier = RecordingNotifier()
    kwargs: dict[str, Any] = {"users": users, "trail": audit, "notifier": notifier, "policy": POLICY, "now": T0}
    # Given lapsed training / Then reactivation is refused
    with pytest.raises(InvalidRequest):
        reactivate_account(supervisor, officer.principal_arn, **kwargs)
    # When the refresher is recorded, then the account is reactivated
    record_training(supervisor, officer.principal_arn, T0 - timedelta(hours=2), users=users, trail=audit, now=T0)
    reactivate_account(supervisor, officer.principal_arn, **kwargs)
    back = users.named("officer.back")
    assert back.status is UserStatus.ACTIVE and back.approved_by == "sgt.chen"
    assert authorize(session_arn(back), "GET", "/reads", users, access_policy(90, 12), T0) == back
    assert [r["eventName"] for r in chain.records()] == ["RecordTraining", "ReactivateAccount"]


def test_training_cannot_be_recorded_in_the_future() -> None:
    supervisor = user("sgt.chen", Role.SUPERVISOR)
    officer = user("officer.a")
    audit, _ = trail()
    with pytest.raises(InvalidRequest):
        record_training(
            supervisor,
            officer.principal_arn,
            T0 + timedelta(days=1),
            users=MemoryUsers(supervisor, officer),
            trail=audit,
            now=T0,
        )


def test_policy_file_sets_inactivity_and_per_role_refresher_periods() -> None:
    from pathlib import Path

    from plateguard.policy.loader import load_policy

    policy = load_policy(Path(__file__).resolve().parents[2] / "examples" / "policy" / "california.yaml")
    accounts = AccountPolicy.from_policy(policy)
    assert accounts.inactivity_disable_days == policy.accounts.inactive_disable_days
    assert accounts.training_refresh_months == min(r.training.refresh_months for r in policy.roles)


def test_add_months_clamps_to_the_end_of_short_months() -> None:
    assert add_months(T0.replace(month=1, day=31), 1).day == 28
    assert add_months(T0.replace(year=2028, month=1, day=31), 1).day == 29
    assert add_months(T0.replace(month=11, day=30), 3).month == 2
