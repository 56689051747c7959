"""The subscription routes' business work (plateguard.logic.officer_subscriptions) on in-memory fakes:
registering an endpoint at the alert topic, listing and removing subscriptions."""

from __future__ import annotations

import pytest

from plateguard.logic.officer_subscriptions import delete_subscription, list_subscriptions, subscribe
from plateguard.models.errors import InvalidRequest, NotFound
from plateguard.models.requests import SubscriptionRequest
from plateguard.models.routes import Role
from plateguard.models.vocabulary import Priority
from tests.fakes.officer_api import MemorySubscriptionStore, RecordingTopic
from tests.fakes.oversight import T0, user

OFFICER = user("ofc.diaz")
COLLEAGUE = user("ofc.lee")
SUPERVISOR = user("sgt.chen", Role.SUPERVISOR)
DOMAINS = ("demo-pd.gov",)


def subscribed(who: object, endpoint: str, store: MemorySubscriptionStore, topic: RecordingTopic) -> str:
    body = SubscriptionRequest(protocol="sms", endpoint=endpoint)
    created, _ = subscribe(who, body, T0, topic=topic, store=store, endpoint_domains=DOMAINS)  # type: ignore[arg-type]
    return created.subscription_id


def test_subscribing_filters_on_the_callers_agency_and_records_the_owner() -> None:
    # Given an empty store and the alert topic
    store, topic = MemorySubscriptionStore(), RecordingTopic()

    # When the caller subscribes an e-mail at the agency's domain, narrowed to two cameras and a priority
    body = SubscriptionRequest(
        protocol="email", endpoint="diaz@demo-pd.gov", cameras=["cam-2", "cam-1", "cam-2"], priorities=[Priority.HIGH]
    )
    created, count = subscribe(OFFICER, body, T0, topic=topic, store=store, endpoint_domains=DOMAINS)

    # Then the topic got the agency-bound filter policy, and the owner's record was kept
    policy = {"agency": ["demo-pd"], "camera": ["cam-1", "cam-2"], "priority": ["high"]}
    assert topic.subscribed == [("email", "diaz@demo-pd.gov", policy)]
    arn = f"{topic.topic_arn}:00000000-0000-0000-0000-000000000001"
    assert created.model_dump(mode="json") == {
        "subscription_id": "00000000-0000-0000-0000-000000000001",
        "subscription_arn": arn,
        "filter_policy": policy,
        "username": "ofc.diaz",
    }
    record = store.get("demo-pd", created.subscription_id)
    assert record is not None and (record.owner_arn, record.created_at) == (OFFICER.principal_arn, T0)
    assert count == 1


def test_a_malformed_endpoint_or_one_outside_the_agencys_domains_is_refused_before_sns() -> None:
    # Given the alert topic
    store, topic = MemorySubscriptionStore(), RecordingTopic()

    # Then a phone number that is not E.164 is refused with what it must be
    with pytest.raises(InvalidRequest, match=r"endpoint for protocol sms must be an E\.164 phone number"):
        subscribe(OFFICER, SubscriptionRequest(protocol="sms", endpoint="555-1234"), T0, topic=topic, store=store,
                  endpoint_domains=DOMAINS)  # fmt: skip

    # And an e-mail at another domain is refused by the policy
    with pytest.raises(InvalidRequest, match=r"must be under one of the agency's domains: demo-pd\.gov"):
        subscribe(OFFICER, SubscriptionRequest(protocol="email", endpoint="me@gmail.com"), T0, topic=topic,
                  store=store, endpoint_domains=DOMAINS)  # fmt: skip

    # And nothing reached SNS or the store
    assert topic.subscribed == [] and store.by_id == {}


def test_an_officer_lists_their_own_a_supervisor_the_agencys() -> None:
    # Given two officers' subscriptions
    store, topic = MemorySubscriptionStore(), RecordingTopic()
    subscribed(OFFICER, "+15551230001", store, topic)
    subscribed(COLLEAGUE, "+15551230002", store, topic)

    # When each lists
    mine, my_count = list_subscriptions(OFFICER, store=store)
    agency, agency_count = list_subscriptions(SUPERVISOR, store=store)

    # Then the officer sees one, the supervisor both, shown as their summaries
    assert [s.username for s in mine.subscriptions] == ["ofc.diaz"] and my_count == 1
    assert [s.username for s in agency.subscriptions] == ["ofc.diaz", "ofc.lee"] and agency_count == 2
    assert mine.model_dump(mode="json")["subscriptions"][0]["created_at"] == T0.isoformat()


def test_removal_unsubscribes_then_forgets_and_another_officers_is_not_found() -> None:
    # Given two officers' subscriptions
    store, topic = MemorySubscriptionStore(), RecordingTopic()
    mine = subscribed(OFFICER, "+15551230001", store, topic)
    theirs = subscribed(COLLEAGUE, "+15551230002", store, topic)

    # Then an officer cannot remove a colleague's (it answers as a missing one)
    with pytest.raises(NotFound, match="no such subscription"):
        delete_subscription(OFFICER, theirs, store=store, unsubscriber=topic)

    # When the officer removes their own
    response, count = delete_subscription(OFFICER, mine, store=store, unsubscriber=topic)

    # Then SNS unsubscribed it, the record is gone, and the answer is its summary
    assert topic.unsubscribed == [response.removed.subscription_arn] and count == 1
    assert store.get("demo-pd", mine) is None
    assert response.model_dump(mode="json")["removed"]["endpoint"] == "+15551230001"
