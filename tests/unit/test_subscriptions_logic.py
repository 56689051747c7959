"""Subscription rules in plain logic (issue 15, part 6): the domain rule, the nightly job's removal of a
disabled account's subscriptions, removal failing whole, and what an e-mail payload carries."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from plateguard.logic.access import UserStatus
from plateguard.logic.accounts import AccountPolicy, disable_account, disable_lapsed_accounts
from plateguard.logic.alert_messages import build_sns_message
from plateguard.logic.subscriptions import Subscription, SubscriptionRemover, check_endpoint
from plateguard.models.errors import InvalidRequest
from plateguard.models.records import Alert, AlertStatus
from plateguard.models.routes import Role
from tests.fakes.officer_api import MemorySubscriptionStore
from tests.fakes.oversight import T0, MemoryUsers, RecordingNotifier, trail, user
from tests.fakes.subscriptions import RecordingSns

POLICY = AccountPolicy(inactivity_disable_days=90, training_refresh_months=12)


def owned(who: Any, n: int) -> Subscription:
    arn = f"arn:aws:sns:us-west-2:123456789012:alerts:{who.username}-{n}"
    return Subscription(who.agency, f"{who.username}-{n}", arn, who.principal_arn, who.username, "sms", "+1555", T0)


def remover(*subscriptions: Subscription, fail: bool = False) -> tuple[SubscriptionRemover, MemorySubscriptionStore]:
    store = MemorySubscriptionStore()
    for s in subscriptions:
        store.put(s)
    return SubscriptionRemover(store, RecordingSns(fail)), store


def sample_alert(reason: str = "stolen", case_number: str = "C-1") -> Alert:
    return Alert(
        "a1", "demo-pd", "r1", "7KDR394", "stolen-vehicles", "stolen-vehicle", "high", reason, case_number, "cam-1",
        "Main St", T0, 0.97, "exact", "crops/r1.jpg", T0, 0, AlertStatus.PUBLISHED,
    )  # fmt: skip


# -- the domain rule -------------------------------------------------------------------------------


def test_sms_and_push_need_no_domain_and_email_needs_a_listed_one() -> None:
    # Given no listed domain, Then SMS and push pass and e-mail and HTTPS are refused
    check_endpoint("sms", "+15551234567", [])
    check_endpoint("application", "arn:aws:sns:us-west-2:123456789012:endpoint/GCM/app/x", [])
    for protocol, endpoint in (("email", "a@pd.example.gov"), ("https", "https://pd.example.gov/x")):
        with pytest.raises(InvalidRequest):
            check_endpoint(protocol, endpoint, [])
    # Given the agency's domain listed (any case, trailing dot), Then its addresses and subdomains pass
    check_endpoint("email", "Dispatch@PD.Example.Gov.", ["pd.example.gov"])
    check_endpoint("https", "https://cad.pd.example.gov:8443/hook", [".PD.example.gov"])
    with pytest.raises(InvalidRequest):
        check_endpoint("https", "https://pd.example.gov.evil.com/hook", ["pd.example.gov"])


# -- the nightly job -------------------------------------------------------------------------------


def test_the_nightly_job_removes_the_subscriptions_of_the_accounts_it_disables_and_records_them() -> None:
    # Given an idle officer with two subscriptions and an active colleague with one
    idle, busy = user("officer.idle"), user("officer.busy", last_activity_at=T0 + timedelta(days=90))
    subscriptions, store = remover(owned(idle, 1), owned(idle, 2), owned(busy, 1))
    audit, chain = trail()
    # When the job runs on day 91
    changes = disable_lapsed_accounts(
        "demo-pd", users=MemoryUsers(idle, busy), trail=audit, notifier=RecordingNotifier(), policy=POLICY,
        now=T0 + timedelta(days=91), subscriptions=subscriptions,
    )  # fmt: skip
    # Then the idle officer is disabled and only their subscriptions are gone, at SNS and in the records
    assert [c.username for c in changes] == ["officer.idle"]
    assert sorted(subscriptions.sns.unsubscribed) == [owned(idle, 1).subscription_arn, owned(idle, 2).subscription_arn]  # type: ignore[attr-defined]
    assert [s.owner_username for s in store.list_agency("demo-pd")] == ["officer.busy"]
    # And the disable's audit record names them
    (record,) = chain.records(event_name="DisableAccount")
    assert sorted(record["requestParameters"]["removedSubscriptions"]) == ["officer.idle-1", "officer.idle-2"]


def test_the_nightly_job_removes_subscriptions_left_by_an_account_already_disabled() -> None:
    # Given a separated officer whose subscription outlived the separation (made before removal came with it)
    gone = user("officer.gone", status=UserStatus.SEPARATED)
    subscriptions, store = remover(owned(gone, 1))
    audit, chain = trail()
    # When the job runs
    disable_lapsed_accounts(
        "demo-pd", users=MemoryUsers(gone), trail=audit, notifier=RecordingNotifier(), policy=POLICY, now=T0,
        subscriptions=subscriptions,
    )  # fmt: skip
    # Then it is removed, and recorded
    assert store.list_agency("demo-pd") == []
    (record,) = chain.records(event_name="RemoveSubscriptions")
    assert record["requestParameters"]["removedSubscriptions"] == ["officer.gone-1"]


def test_when_sns_fails_the_account_is_still_disabled_and_the_nightly_job_removes_the_subscription() -> None:
    # Given an officer with a subscription, and SNS refusing the unsubscribe (an outage, a pending confirmation)
    officer, admin = user("officer.garcia"), user("admin.reyes", role=Role.ADMIN)
    users = MemoryUsers(officer, admin)
    subscriptions, store = remover(owned(officer, 1), fail=True)
    audit, chain = trail()
    # When an admin disables the officer, Then the account is disabled anyway and the record kept for a retry
    change = disable_account(admin, officer.principal_arn, "administrative leave", users=users, trail=audit,
                             notifier=RecordingNotifier(), now=T0, subscriptions=subscriptions)  # fmt: skip
    assert users.named("officer.garcia").status is UserStatus.DISABLED
    assert change.detail["subscriptionsLeftForTheNightlyJob"] == 1
    assert len(store.list_agency("demo-pd")) == 1
    # When SNS is back and the nightly job runs, Then the subscription is removed, and recorded
    subscriptions = replace(subscriptions, sns=RecordingSns())
    disable_lapsed_accounts("demo-pd", users=users, trail=audit, notifier=RecordingNotifier(), policy=POLICY,
                            now=T0, subscriptions=subscriptions)  # fmt: skip
    assert store.list_agency("demo-pd") == []
    assert [
        r["requestParameters"]["removedSubscriptions"] for r in chain.records(event_name="RemoveSubscriptions")
    ] == [["officer.garcia-1"]]


# -- what an e-mail carries ------------------------------------------------------------------------


def test_an_email_carries_no_reason_or_case_number_and_the_https_body_does() -> None:
    # Given an alert on an entry with a reason and a case number
    alert = sample_alert(reason="armed robbery suspect", case_number="CASE-2026-0042")
    # When its SNS message is built
    bodies = json.loads(build_sns_message(alert))
    # Then the e-mail body has neither (nor does any body but HTTPS, which only the agency's domains receive)
    assert alert.plate in bodies["email"]
    for protocol in ("email", "sms", "default", "APNS", "GCM"):
        assert "armed robbery suspect" not in bodies[protocol] and "CASE-2026-0042" not in bodies[protocol]
    https = json.loads(bodies["https"])
    assert https["reason"] == "armed robbery suspect" and https["case_number"] == "CASE-2026-0042"
