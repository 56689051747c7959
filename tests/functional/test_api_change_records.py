"""No change without its record: every route that changes something records the attempt before it acts.

With the audit store failing, each change route answers 503 and changes nothing: no table item, no
SNS message or subscription, no IoT thing or certificate. With the store working, a change leaves its
attempt record, then whatever the logic records, then its outcome record (same requestID); reads keep
one record each.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import boto3
import pytest

from plateguard.logic.audit_chain import AuditTrail, ChainEntry
from plateguard.models.routes import ROUTES, Route
from tests.api_support import REGION, ApiWorld, api_world, make_read
from tests.door_api_support import outcome_record, records_for, send
from tests.functional.test_api_access import ROLE_USER, valid_request

__all__ = ["api_world"]

CHANGE_ROUTES = [route for route in ROUTES if route.method != "GET"]


class FailingStore:
    """The audit table refuses every write (reads of the chain head still work)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def head(self, chain: str) -> Any:
        return self.inner.head(chain)

    def append(self, entry: ChainEntry) -> None:
        raise RuntimeError("DynamoDB unavailable")


@dataclass
class Observed:
    """What a change could touch outside the audit trail."""

    world: ApiWorld
    queue_url: str

    @classmethod
    def start(cls, world: ApiWorld) -> Observed:
        # Every message published to either topic lands in this queue.
        sqs, sns = boto3.client("sqs", region_name=REGION), boto3.client("sns", region_name=REGION)
        url = sqs.create_queue(QueueName="observer")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for topic in (world.resources.alert_topic_arn, world.resources.supervisor_topic_arn):
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        return cls(world, url)

    def messages(self) -> list[Any]:
        sqs = boto3.client("sqs", region_name=REGION)
        return sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])

    def state(self) -> dict[str, Any]:
        dynamodb = self.world.dynamodb()
        tables = {}
        for logical, name in self.world.resources.table_names.items():
            if logical == "AuditTable":
                continue
            items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=name) for item in page["Items"]]
            tables[logical] = sorted(json.dumps(item, sort_keys=True) for item in items)
        sns, iot = boto3.client("sns", region_name=REGION), boto3.client("iot", region_name=REGION)
        return {
            "tables": tables,
            "subscriptions": sorted(s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]),
            "things": sorted(t["thingName"] for t in iot.list_things()["things"]),
            "certificates": sorted((c["certificateId"], c["status"]) for c in iot.list_certificates()["certificates"]),
        }


@pytest.fixture
def observed(api_world: ApiWorld) -> Iterator[Observed]:
    # A stored read of the plate the hot-list requests add: an entry would raise (and publish) an alert.
    api_world.put_reads(make_read("5MNB217"), make_read("ABC123"))
    yield Observed.start(api_world)


def fail_the_audit_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from plateguard.wiring.api import dependencies as get_api_dependencies

    real = get_api_dependencies()
    trail = AuditTrail(FailingStore(real.audit_store), _archive(real))
    monkeypatch.setattr("plateguard.wiring.api.dependencies", lambda: replace(real, trail=trail))


def _archive(deps: Any) -> Any:
    from plateguard.dal.audit import S3AuditArchive
    from plateguard.wiring.api import settings as get_api_settings

    return S3AuditArchive(boto3.client("s3", region_name=REGION), get_api_settings().audit_bucket_name)


def allowed_user(route: Route) -> str:
    return next(user for role, user in ROLE_USER.items() if role in route.roles)


@pytest.mark.parametrize("route", CHANGE_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_with_the_audit_store_failing_a_change_route_changes_nothing_and_publishes_nothing(
    api_world: ApiWorld, observed: Observed, monkeypatch: pytest.MonkeyPatch, route: Route
) -> None:
    # Given a well-formed change by a permitted user, and an audit store that refuses writes
    request = valid_request(api_world, route)
    if (route.method, route.path) == ("PUT", "/hotlists/{list_name}"):  # a new list, not the one just stored
        request |= {"path": "/hotlists/new-list", "path_params": {"list_name": "new-list"}}
    before = observed.state()
    fail_the_audit_store(monkeypatch)
    # When it is sent
    sent = send(allowed_user(route), route.method, route.path, **request)
    # Then it answers 503 and nothing changed: no item, no subscription, no thing or certificate, no message
    assert sent.status == 503, sent.body
    assert sent.body == {"error": "AuditUnavailable", "message": sent.body["message"]}
    assert observed.state() == before
    assert observed.messages() == []


def test_the_observer_sees_a_change_when_the_store_works(api_world: ApiWorld, observed: Observed) -> None:
    # Given the same entry request as above, with a working audit store
    route = next(r for r in CHANGE_ROUTES if (r.method, r.path) == ("POST", "/hotlists/{list_name}/entries"))
    request = valid_request(api_world, route)
    before = observed.state()
    # When it is sent, Then the entry is stored and its historical alert published: the checks above can see both
    sent = send("officer", route.method, route.path, **request)
    assert sent.status == 200 and sent.body["historical_alerts"]
    assert observed.state() != before and observed.messages()


@pytest.mark.parametrize(
    "route",
    [r for r in CHANGE_ROUTES if r.path.startswith(("/hotlists", "/holds", "/cameras", "/subscriptions"))],
    ids=lambda r: f"{r.method} {r.path}",
)
def test_a_change_is_recorded_as_attempted_before_it_is_made_and_then_its_outcome(
    api_world: ApiWorld, route: Route
) -> None:
    # Given a well-formed change by a permitted user
    request = valid_request(api_world, route)
    # When it is sent
    sent = send(allowed_user(route), route.method, route.path, **request)
    # Then its records are the attempt, then the outcome: same request, same terms, in that order
    assert sent.status == 200, sent.body
    records = records_for(sent.request_id)
    assert [r["outcome"] for r in records] == ["Attempted", "Success"]
    attempt, outcome = records
    assert attempt["eventName"] == outcome["eventName"] == outcome_record(sent)["eventName"]
    assert attempt["requestParameters"] == outcome["requestParameters"]
    assert attempt["eventTime"] <= outcome["eventTime"] and attempt["responseElements"] is None


def test_a_refused_change_leaves_one_record_and_a_read_one_record(api_world: ApiWorld) -> None:
    # A change refused before it could act (role) is one record; a read is one record
    refused = send("auditor", "POST", "/subscriptions", body={"protocol": "sms", "endpoint": "+15551234567"})
    read = send("officer", "GET", "/hotlists")
    assert (refused.status, read.status) == (403, 200)
    assert [r["outcome"] for r in records_for(refused.request_id)] == ["Denied"]
    assert [r["outcome"] for r in records_for(read.request_id)] == ["Success"]
