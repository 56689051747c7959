"""Who may do what: every role x route, account states, and agency isolation, through the handler."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from plateguard.models.routes import ROUTES, Role, Route
from tests.api_support import (
    GOOD_PURPOSE,
    NOW,
    UNKNOWN_ARN,
    USERS,
    ApiWorld,
    api_world,
    arn,
    clear_caches,
    make_read,
    provisioned_api_world,
)
from tests.camera_api_support import camera_route_request
from tests.hold_api_support import hold_route_request
from tests.hotlist_api_support import hotlist_route_request
from tests.review_api_support import review_route_request

__all__ = ["api_world"]

ROLE_USER = {Role.OFFICER: "officer", Role.SUPERVISOR: "supervisor", Role.AUDITOR: "auditor", Role.ADMIN: "admin"}


def valid_request(world: ApiWorld, route: Route) -> dict[str, Any]:
    """A well-formed request for each route, so only the role decides the outcome."""
    if route.path.startswith(("/hotlists", "/alerts", "/subscriptions")):
        return hotlist_route_request(route)
    if route.path.startswith("/holds"):
        return hold_route_request(route)
    if route.path.startswith("/reviews"):
        return review_route_request(route)
    if route.path.startswith("/cameras"):
        return camera_route_request(route)
    if route.path == "/reads":
        return {"query": {"plate": "7KDR394", **GOOD_PURPOSE}}
    if route.path == "/reads/{read_id}":
        read = make_read("7KDR394")
        world.put_reads(read)
        return {
            "path": f"/reads/{read.read_id}",
            "path_params": {"read_id": read.read_id},
            "query": GOOD_PURPOSE,
        }
    if route.path == "/audit":
        return {
            "query": {"since": (NOW - timedelta(days=1)).isoformat(), "until": (NOW + timedelta(hours=1)).isoformat()}
        }
    if route.path.startswith("/users/{user_id}/"):
        action = route.path.rsplit("/", 1)[-1]
        target = "officer.disabled" if action == "reactivate" else "officer.garcia"
        bodies: dict[str, dict[str, Any]] = {
            "disable": {"reason": "administrative leave"},
            "separate": {"reason": "resigned 2026-11-30"},
            "training": {"completed_at": NOW.isoformat()},
            "reactivate": {},
        }
        return {"path": f"/users/{target}/{action}", "path_params": {"user_id": target}, "body": bodies[action]}
    if (route.method, route.path) == ("GET", "/users/{user_id}"):
        return {"path": "/users/officer.garcia", "path_params": {"user_id": "officer.garcia"}}
    if route.path == "/users/{user_id}":
        return {
            "path": "/users/officer.new2",
            "path_params": {"user_id": "officer.new2"},
            "body": {
                "principal_arn": arn("demo-pd", "officer.new2"),
                "role": "officer",
                "training_completed_at": NOW.isoformat(),
                "approved_by": "sgt.chen",
            },
        }
    return {}


def outcome_records(world: ApiWorld) -> int:
    names = {route.event_name for route in ROUTES}
    return sum(1 for r in world.audit_records() if r["eventName"] in names and r["outcome"] != "Attempted")


@pytest.fixture(scope="class")
def matrix_world() -> Iterator[ApiWorld]:
    """One moto account for the whole role x route matrix: provisioning one costs more than a request."""
    with pytest.MonkeyPatch.context() as monkeypatch, provisioned_api_world(monkeypatch) as world:
        yield world


@pytest.fixture
def clean_world(matrix_world: ApiWorld) -> ApiWorld:
    """The shared account as a fresh one is for what a route sees: every table emptied (the audit trail
    too, so each case reads only its own records), the API's cached containers dropped (a new audit
    writer starts new chains), no SNS subscriptions, the users as provisioned."""
    dynamodb = matrix_world.dynamodb()
    for table in matrix_world.resources.table_names.values():
        empty_table(dynamodb, table)
    sns = matrix_world.sns()
    for page in sns.get_paginator("list_subscriptions").paginate():
        for subscription in page["Subscriptions"]:
            sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    clear_caches()
    matrix_world.put_users()
    return matrix_world


def empty_table(dynamodb: Any, table: str) -> None:
    keys = [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
    names = {f"#k{i}": key for i, key in enumerate(keys)}
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names
    ):
        items = page["Items"]
        for start in range(0, len(items), 25):
            requests = [{"DeleteRequest": {"Key": item}} for item in items[start : start + 25]]
            dynamodb.batch_write_item(RequestItems={table: requests})


class TestRoleMatrix:
    @pytest.mark.parametrize("role", list(Role))
    @pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
    def test_every_role_gets_exactly_the_routes_of_the_catalogue(
        self, clean_world: ApiWorld, role: Role, route: Route
    ) -> None:
        # Given a well-formed request to a route by an active, trained user of this role
        request = valid_request(clean_world, route)
        before = outcome_records(clean_world)
        # When it is sent
        status, body = clean_world.call(ROLE_USER[role], route.method, route.path, **request)
        last = clean_world.audit_records()[-1]
        # Then it leaves exactly one outcome record (a change that ran also left its attempt record before it)
        assert outcome_records(clean_world) == before + 1
        if role in route.roles:
            # Then a permitted role is served, and the access is recorded as a success
            assert status == 200, body
            assert last["outcome"] == "Success"
        else:
            # Then any other role gets 403 with no data, and the denial is recorded
            assert status == 403 and body["error"] == "AccessDenied"
            assert set(body) == {"error", "message"}
            assert last["outcome"] == "Denied" and last["errorCode"] == "AccessDenied.role_not_permitted"
        assert last["userIdentity"]["principalArn"] == USERS[ROLE_USER[role]].principal_arn


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("disabled", "account_disabled"),
        ("separated", "account_separated"),
        ("untrained", "training_incomplete"),
        ("inactive", "account_inactive"),
        ("unapproved", "not_approved"),
    ],
)
def test_accounts_that_are_not_in_good_standing_are_refused_and_audited(
    api_world: ApiWorld, who: str, reason: str
) -> None:
    api_world.put_reads(make_read("7KDR394"))
    status, body = api_world.search(who, plate="7KDR394", **GOOD_PURPOSE)
    assert status == 403 and "reads" not in body
    last = api_world.audit_records()[-1]
    assert last["errorCode"] == f"AccessDenied.{reason}"
    assert last["userIdentity"]["userName"] == USERS[who].username
    assert last["requestParameters"]["plate"] == "7KDR394"


def test_an_unknown_principal_is_refused_and_audited_in_the_unregistered_chain(api_world: ApiWorld) -> None:
    status, body = api_world.search(UNKNOWN_ARN, plate="7KDR394", **GOOD_PURPOSE)
    assert status == 403 and body["error"] == "AccessDenied"
    record = api_world.audit_records("_unregistered")[-1]
    assert record["userIdentity"]["principalArn"] == UNKNOWN_ARN
    assert record["errorCode"] == "AccessDenied.unknown_principal"


def test_an_unknown_principal_with_bad_parameters_still_gets_403_not_400(api_world: ApiWorld) -> None:
    status, _ = api_world.search(UNKNOWN_ARN, plate="7KDR394")
    assert status == 403


def test_a_successful_request_updates_last_activity(api_world: ApiWorld) -> None:
    from plateguard.dal.users import DynamoUserDirectory

    before = DynamoUserDirectory().get(USERS["officer"].principal_arn)
    api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)
    after = DynamoUserDirectory().get(USERS["officer"].principal_arn)
    assert before and after and after.last_activity_at and before.last_activity_at
    assert after.last_activity_at > before.last_activity_at


class TestAgencyIsolation:
    def test_searches_never_return_another_agencys_reads(self, api_world: ApiWorld) -> None:
        # Given the same plate read by both agencies
        ours, theirs = make_read("7KDR394"), make_read("7KDR394", agency="other-pd", camera="cam-county-line")
        api_world.put_reads(ours, theirs)
        since, until = (NOW - timedelta(days=1)).isoformat(), (NOW + timedelta(minutes=1)).isoformat()
        for query in (
            {"plate": "7KDR394"},
            {"plate": "7KD*", "since": since, "until": until},
            {"camera": "cam-county-line", "since": since, "until": until},
            {"min_lat": "30", "max_lat": "40", "min_lon": "-130", "max_lon": "-120", "since": since, "until": until},
        ):
            # When each agency's officer searches
            _, mine = api_world.search("officer", **query, **GOOD_PURPOSE)
            _, other = api_world.search("other_officer", **query, **GOOD_PURPOSE)
            # Then each sees only its own
            assert {r["read_id"] for r in mine["reads"]} <= {ours.read_id}, query
            assert {r["read_id"] for r in other["reads"]} <= {theirs.read_id}, query
        assert api_world.search("other_officer", plate="7KDR394", **GOOD_PURPOSE)[1]["count"] == 1

    def test_fetching_another_agencys_read_is_404_and_audited_in_the_callers_chain(self, api_world: ApiWorld) -> None:
        theirs = make_read("7KDR394", agency="other-pd")
        api_world.put_reads(theirs)
        status, body = api_world.call(
            "officer",
            "GET",
            "/reads/{read_id}",
            path=f"/reads/{theirs.read_id}",
            path_params={"read_id": theirs.read_id},
            query=GOOD_PURPOSE,
        )
        assert status == 404 and "crop_url" not in body
        assert api_world.audit_records("demo-pd")[-1]["requestParameters"]["readId"] == theirs.read_id
        assert api_world.audit_records("other-pd") == []

    def test_a_pagination_token_cannot_be_used_by_another_agency(self, api_world: ApiWorld) -> None:
        api_world.put_reads(*(make_read("7KDR394", hours_ago=h) for h in (1, 2, 3)))
        _, page = api_world.search("officer", plate="7KDR394", limit="1", **GOOD_PURPOSE)
        assert page["next_token"]
        status, body = api_world.search("other_officer", plate="7KDR394", next_token=page["next_token"], **GOOD_PURPOSE)
        assert status == 400 and body["error"] == "InvalidPaginationToken"

    def test_auditors_see_only_their_agencys_trail(self, api_world: ApiWorld) -> None:
        api_world.search("other_officer", plate="7KDR394", **GOOD_PURPOSE)
        api_world.search("officer", plate="8ABC123", **GOOD_PURPOSE)
        window = {"since": (NOW - timedelta(days=1)).isoformat(), "until": (NOW + timedelta(days=1)).isoformat()}
        status, body = api_world.call("auditor", "GET", "/audit", query=window)
        assert status == 200
        agencies = {e["userIdentity"]["agency"] for e in body["events"]}
        assert agencies == {"demo-pd"}

    def test_admins_manage_only_their_own_agency(self, api_world: ApiWorld) -> None:
        status, body = api_world.call("admin", "GET", "/users")
        assert status == 200 and {u["agency"] for u in body["users"]} == {"demo-pd"}
        # Given a principal registered to the other agency, When demo-pd's admin tries to take it over
        status, body = api_world.call(
            "admin",
            "PUT",
            "/users/{user_id}",
            path="/users/officer.novak",
            path_params={"user_id": "officer.novak"},
            body={
                "principal_arn": USERS["other_officer"].principal_arn,
                "role": "admin",
                "approved_by": "sgt.chen",
                "training_completed_at": NOW.isoformat(),
            },
        )
        assert status == 409 and body["error"] == "Conflict"


def test_admins_cannot_change_their_own_account(api_world: ApiWorld) -> None:
    status, _ = api_world.call(
        "admin",
        "PUT",
        "/users/{user_id}",
        path="/users/admin.reyes",
        path_params={"user_id": "admin.reyes"},
        body={"principal_arn": USERS["admin"].principal_arn, "role": "admin", "approved_by": "sgt.chen"},
    )
    assert status == 403
    assert api_world.audit_records()[-1]["readOnly"] is False
