"""Alert subscriptions under control (issue 15, part 6): who sees and removes which, where an endpoint may
point, removal with a disabled or separated account, and what an e-mail may carry. Through the handler."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from tests.api_support import REGION, USERS, ApiWorld, api_world, clear_caches
from tests.hotlist_api_support import officers_subscription

__all__ = ["api_world"]


def sns_subscriptions() -> set[str]:
    sns = boto3.client("sns", region_name=REGION)
    return {s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]}


def listed(world: ApiWorld, who: str) -> set[str]:
    status, body = world.call(who, "GET", "/subscriptions")
    assert status == 200, body
    return {s["subscription_id"] for s in body["subscriptions"]}


def delete(world: ApiWorld, who: str, subscription_id: str) -> tuple[int, dict[str, Any]]:
    path = f"/subscriptions/{subscription_id}"
    return world.call(
        who, "DELETE", "/subscriptions/{subscription_id}", path, path_params={"subscription_id": subscription_id}
    )


def subscribe(world: ApiWorld, protocol: str, endpoint: str) -> tuple[int, dict[str, Any]]:
    return world.call("officer", "POST", "/subscriptions", body={"protocol": protocol, "endpoint": endpoint})


@pytest.fixture
def domains(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the policy's alerts.allowed_endpoint_domains as the API reads it (ALERT_ENDPOINT_DOMAINS)."""

    def set_domains(value: str) -> None:
        monkeypatch.setenv("ALERT_ENDPOINT_DOMAINS", value)
        clear_caches()

    return set_domains


# -- own vs others' --------------------------------------------------------------------------------


def test_an_officer_lists_only_their_own_subscriptions_and_a_supervisor_the_agencys(api_world: ApiWorld) -> None:
    # Given a subscription of the officer, one of another officer of the agency, one of another agency
    now = datetime.now(UTC)
    mine = officers_subscription(now, "officer", "+15550000001")
    colleague = officers_subscription(now, "inactive", "+15550000002")
    foreign = officers_subscription(now, "other_officer", "+15550000003")
    # When each lists, Then the officer sees only their own, the supervisor the agency's, never another agency's
    assert listed(api_world, "officer") == {mine.subscription_id}
    assert listed(api_world, "supervisor") == {mine.subscription_id, colleague.subscription_id}
    assert foreign.subscription_id not in listed(api_world, "supervisor")


def test_a_subscription_made_through_the_api_is_recorded_as_its_owners(api_world: ApiWorld) -> None:
    # Given an officer who subscribes a phone
    status, body = subscribe(api_world, "sms", "+15551234567")
    assert status == 200, body
    # When they list, Then it is theirs, by id, with its endpoint and filter
    status, listing = api_world.call("officer", "GET", "/subscriptions")
    assert [s["subscription_id"] for s in listing["subscriptions"]] == [body["subscription_id"]]
    assert listing["subscriptions"][0]["username"] == USERS["officer"].username
    assert listing["subscriptions"][0]["endpoint"] == "+15551234567"


def test_an_officer_cannot_remove_another_officers_subscription_and_a_supervisor_can(api_world: ApiWorld) -> None:
    # Given another officer's subscription
    colleague = officers_subscription(datetime.now(UTC), "inactive", "+15550000002")
    # When the officer tries to remove it, Then it is not found to them, and SNS still delivers to it
    status, body = delete(api_world, "officer", colleague.subscription_id)
    assert status == 404, body
    assert colleague.subscription_arn in sns_subscriptions()
    # When a supervisor of the agency removes it, Then SNS no longer has it and no one lists it
    status, body = delete(api_world, "supervisor", colleague.subscription_id)
    assert status == 200, body
    assert colleague.subscription_arn not in sns_subscriptions()
    assert colleague.subscription_id not in listed(api_world, "supervisor")


def test_an_officer_removes_their_own_and_another_agency_cannot(api_world: ApiWorld) -> None:
    # Given the officer's subscription
    mine = officers_subscription(datetime.now(UTC))
    # When an officer of another agency tries to remove it, Then it is not found to them
    assert delete(api_world, "other_officer", mine.subscription_id)[0] == 404
    assert mine.subscription_arn in sns_subscriptions()
    # When its owner removes it, Then it is gone at SNS and from the list, and the removal is audited
    status, body = delete(api_world, "officer", mine.subscription_id)
    assert status == 200 and body["removed"]["subscription_id"] == mine.subscription_id
    last = api_world.audit_records()[-1]
    assert last["eventName"] == "DeleteAlertSubscription" and last["outcome"] == "Success"
    assert mine.subscription_arn not in sns_subscriptions()
    assert listed(api_world, "officer") == set()


# -- where an endpoint may point -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [("email", "dispatch@pd.example.gov"), ("https", "https://cad.pd.example.gov/alerts")],
)
def test_with_no_domain_listed_email_and_https_are_refused_and_sms_is_not(
    api_world: ApiWorld, domains: Any, protocol: str, endpoint: str
) -> None:
    # Given a policy that lists no endpoint domain
    domains("")
    # When an officer subscribes an e-mail or HTTPS endpoint, Then it is refused and nothing reaches SNS
    status, body = subscribe(api_world, protocol, endpoint)
    assert status == 400 and "allowed_endpoint_domains" in body["message"]
    assert sns_subscriptions() == set()
    # When they subscribe a phone, Then it is accepted
    assert subscribe(api_world, "sms", "+15551234567")[0] == 200


@pytest.mark.parametrize(
    ("protocol", "endpoint", "allowed"),
    [
        ("email", "dispatch@pd.example.gov", True),
        ("email", "sgt@cad.pd.example.gov", True),  # a subdomain of a listed domain
        ("email", "me@gmail.com", False),
        ("email", "me@notpd.example.gov", False),  # a suffix that is not a subdomain
        ("https", "https://cad.pd.example.gov/alerts", True),
        ("https", "https://webhook.site/abc", False),
        ("https", "https://pd.example.gov@evil.example.com/x", False),  # user info is not the host
        ("https", "https://evil.example.com/#.pd.example.gov", False),
    ],
)
def test_email_and_https_endpoints_only_under_the_policys_domains(
    api_world: ApiWorld, domains: Any, protocol: str, endpoint: str, allowed: bool
) -> None:
    # Given a policy listing the agency's domain
    domains("pd.example.gov")
    # When an officer subscribes the endpoint
    status, body = subscribe(api_world, protocol, endpoint)
    # Then it is accepted only under that domain, and a refused one never reaches SNS
    if allowed:
        assert status == 200, body
        assert len(sns_subscriptions()) == 1
    else:
        assert status == 400 and "pd.example.gov" in body["message"]
        assert sns_subscriptions() == set()


# -- removal with the account --------------------------------------------------------------------


@pytest.mark.parametrize("action", ["disable", "separate"])
def test_disabling_or_separating_an_account_removes_its_subscriptions_in_the_same_change(
    api_world: ApiWorld, action: str
) -> None:
    # Given two subscriptions of the officer and one of a colleague
    now = datetime.now(UTC)
    first = officers_subscription(now, "officer", "+15550000001")
    second = officers_subscription(now, "officer", "+15550000002")
    colleague = officers_subscription(now, "inactive", "+15550000003")
    # When an admin disables (or separates) the officer
    path = f"/users/officer.garcia/{action}"
    status, body = api_world.call(
        "admin", "POST", f"/users/{{user_id}}/{action}", path, path_params={"user_id": "officer.garcia"},
        body={"reason": "administrative leave"},
    )  # fmt: skip
    assert status == 200, body
    # Then the officer's subscriptions are gone at SNS and from the records; the colleague's stay
    remaining = sns_subscriptions()
    assert first.subscription_arn not in remaining and second.subscription_arn not in remaining
    assert colleague.subscription_arn in remaining
    assert listed(api_world, "supervisor") == {colleague.subscription_id}
    # And the account change's own audit record names what it removed
    event = "DisableAccount" if action == "disable" else "SeparateAccount"
    change = next(r for r in reversed(api_world.audit_records()) if r["eventName"] == event)
    removed = change["requestParameters"]["removedSubscriptions"]
    assert sorted(removed) == sorted([first.subscription_id, second.subscription_id])
