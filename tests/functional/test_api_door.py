"""One audited door for every request: crafted requests from the hostile-user test of issue 14.

Each leaves exactly one complete outcome record naming the route the resolver dispatched; a caller not
allowed on a route gets 403 whatever else is wrong with the request; what cannot be recorded whole is
refused, never cut or stored raw.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import boto3
import pytest

from plateguard.dal.hotlists import DynamoHotListStore
from plateguard.models.routes import Route
from tests.api_support import GOOD_PURPOSE, NOW, REGION, UNKNOWN_ARN, ApiWorld, api_world, make_read
from tests.door_api_support import Sent, all_records, outcome_record, records_for, send
from tests.hotlist_api_support import LIST, hotlist_route_request

__all__ = ["api_world"]


def search(who: str, **query: str) -> Sent:
    return send(who, "GET", "/reads", query=query)


class TestCraftedSearches:
    def test_crlf_in_a_purpose_is_refused_and_never_stored(self, api_world: ApiWorld) -> None:
        # Given a read, and a purpose carrying a forged second log line
        api_world.put_reads(make_read("7KDR394"))
        forged = "Locate vehicle\r\n2026-01-01 audit: approved by chief"
        # When an officer searches with it
        sent = search("officer", plate="7KDR394", **{**GOOD_PURPOSE, "purpose": forged})
        # Then it is refused 400 with no reads, and its one record keeps the plate but not the raw purpose
        assert sent.status == 400 and "purpose" in sent.body["message"] and "reads" not in sent.body
        record = outcome_record(sent)
        assert record["eventName"] == "SearchReads" and record["outcome"] == "Rejected"
        assert record["requestParameters"]["plate"] == "7KDR394"
        assert record["requestParameters"]["purpose"] == "<refused: control characters>"
        assert "\r" not in json.dumps(all_records()) and "approved by chief" not in json.dumps(all_records())

    def test_a_whitespace_only_purpose_is_refused_and_recorded(self, api_world: ApiWorld) -> None:
        sent = search("officer", plate="7KDR394", **{**GOOD_PURPOSE, "purpose": " " * 12})
        assert sent.status == 400 and "purpose" in sent.body["message"]
        record = outcome_record(sent)
        assert record["outcome"] == "Rejected" and record["requestParameters"]["purpose"] == " " * 12

    def test_junk_parameters_before_the_real_ones_are_refused_and_the_record_keeps_the_real_ones(
        self, api_world: ApiWorld
    ) -> None:
        # Given 25 junk parameters sent ahead of the search's own
        api_world.put_reads(make_read("7KDR394"))
        junk = {f"junk{i:02d}": "x" * 200 for i in range(25)}
        # When an officer sends them
        sent = search("officer", **junk, plate="7KDR394", **GOOD_PURPOSE)
        # Then the search is refused, and its record holds what was searched (not the junk's values)
        assert sent.status == 400 and "unknown parameter" in sent.body["message"] and "reads" not in sent.body
        params = outcome_record(sent)["requestParameters"]
        assert params["plate"] == "7KDR394" and params["purpose"] == GOOD_PURPOSE["purpose"]
        assert params["caseNumber"] == GOOD_PURPOSE["case_number"] and params["offenseType"] == "robbery"
        assert params["unknownParameterCount"] == 25 and "x" * 200 not in json.dumps(params)
        # And an auditor's lookup by the plate finds it
        window = {"since": (NOW - timedelta(days=1)).isoformat(), "until": (NOW + timedelta(days=1)).isoformat()}
        status, found = api_world.call("auditor", "GET", "/audit", query={**window, "plate": "7KDR394"})
        assert status == 200 and [e["requestID"] for e in found["events"]] == [sent.request_id]

    def test_a_value_over_the_bound_is_refused_not_truncated(self, api_world: ApiWorld) -> None:
        sent = search("officer", plate="7KDR394", **{**GOOD_PURPOSE, "purpose": "p" * 3000})
        assert sent.status == 400
        params = outcome_record(sent)["requestParameters"]
        assert params["purpose"] == "<refused: 3000 characters, over the 2048 bound>"
        assert params["plate"] == "7KDR394"

    def test_a_repeated_parameter_is_refused(self, api_world: ApiWorld) -> None:
        # Given a plate sent twice (the record and the search could each take another one)
        multi = {"plate": ["7KDR394", "8ABC123"], **{k: [v] for k, v in GOOD_PURPOSE.items()}}
        sent = send("officer", "GET", "/reads", multi_query=multi)
        assert sent.status == 400 and "plate" in sent.body["message"]
        assert outcome_record(sent)["requestParameters"]["plate"] == "<refused: given 2 times>"


class TestCraftedBodies:
    def test_a_deeply_nested_json_body_is_a_recorded_400_not_a_500(self, api_world: ApiWorld) -> None:
        # Given a body nested far deeper than any parser's recursion limit
        deep = "[" * 200_000 + "]" * 200_000
        # When an officer posts it as a subscription
        sent = send("officer", "POST", "/subscriptions", raw_body=deep)
        # Then it is refused 400 and recorded
        assert sent.status == 400 and sent.body["error"] == "InvalidRequest"
        record = outcome_record(sent)
        assert record["eventName"] == "RegisterAlertSubscription" and record["requestParameters"]["body"]

    def test_a_nested_value_in_a_declared_field_is_refused(self, api_world: ApiWorld) -> None:
        body = {"protocol": "sms", "endpoint": {"a": [[[[1]]]]}}
        sent = send("officer", "POST", "/subscriptions", body=body)
        assert sent.status == 400 and "endpoint" in sent.body["message"]
        assert outcome_record(sent)["requestParameters"]["endpoint"] == "<refused: nested value>"

    def test_an_unknown_body_field_is_refused_and_nothing_is_subscribed(self, api_world: ApiWorld) -> None:
        body = {"protocol": "sms", "endpoint": "+15551234567", "filter_policy": {"agency": ["other-pd"]}}
        sent = send("officer", "POST", "/subscriptions", body=body)
        assert sent.status == 400 and "body.filter_policy" in sent.body["message"]
        params = outcome_record(sent)["requestParameters"]
        assert params["endpoint"] == "+15551234567" and params["unknownParameters"] == ["body.filter_policy"]
        assert boto3.client("sns", region_name=REGION).list_subscriptions()["Subscriptions"] == []

    def test_a_duplicate_json_key_is_refused(self, api_world: ApiWorld) -> None:
        raw = '{"protocol": "sms", "endpoint": "+15551234567", "endpoint": "+15557654321"}'
        sent = send("officer", "POST", "/subscriptions", raw_body=raw)
        assert sent.status == 400 and "duplicate" in sent.body["message"]
        outcome_record(sent)

    def test_a_body_that_is_not_json_is_refused_and_recorded(self, api_world: ApiWorld) -> None:
        sent = send("officer", "POST", "/subscriptions", raw_body="protocol=sms&endpoint=+1555")
        assert sent.status == 400
        assert outcome_record(sent)["requestParameters"]["body"] == "<refused: not JSON>"

    def test_a_change_record_holds_every_body_field(self, api_world: ApiWorld) -> None:
        # Given a hot list, When an officer adds an entry
        request = hotlist_route_request(_route("POST", "/hotlists/{list_name}/entries"))
        sent = send("officer", "POST", "/hotlists/{list_name}/entries", **request)
        # Then the attempt and the outcome both hold the plate, reason and case number
        assert sent.status == 200, sent.body
        records = records_for(sent.request_id)
        assert [r["outcome"] for r in records] == ["Attempted", "Success"]
        for record in records:
            params = record["requestParameters"]
            assert (params["plate"], params["reason"], params["caseNumber"]) == ("5MNB217", "stolen van", "C-2")
            assert params["listName"] == LIST.name and record["readOnly"] is False


class TestPathsAndRoutes:
    def test_an_encoded_slash_that_dispatches_another_route_is_refused_and_recorded_as_that_route(
        self, api_world: ApiWorld
    ) -> None:
        # Given a list with an entry, and a DELETE /hotlists/{list_name} whose list name holds an encoded '/'
        hotlist_route_request(_route("GET", "/hotlists"))
        name = f"{LIST.name}/entries/7KDR394"
        # When a supervisor sends it (the decoded path is DELETE /hotlists/{list_name}/entries/{plate})
        sent = send(
            "supervisor", "DELETE", "/hotlists/{list_name}", path=f"/hotlists/{name}", path_params={"list_name": name}
        )
        # Then nothing runs, and the one record names the route the path dispatches to
        assert sent.status == 400 and "path" in sent.body["message"]
        record = outcome_record(sent)
        assert record["eventName"] == "DeleteHotListEntry"
        assert (record["requestParameters"]["listName"], record["requestParameters"]["plate"]) == (LIST.name, "7KDR394")
        assert [e.plate for e in DynamoHotListStore().entries("demo-pd", LIST.name)] == ["7KDR394"]

    def test_an_encoded_slash_that_matches_no_route_is_a_recorded_404(self, api_world: ApiWorld) -> None:
        sent = send("admin", "GET", "/users/{user_id}", path="/users/a/b", path_params={"user_id": "a/b"})
        assert sent.status == 404
        record = outcome_record(sent)
        assert record["eventName"] == "UnknownRoute" and record["requestParameters"]["path"] == "/users/a/b"

    def test_an_unknown_route_is_a_recorded_404(self, api_world: ApiWorld) -> None:
        sent = send("officer", "GET", "/admin/export", path="/admin/export")
        assert sent.status == 404 and sent.body == {"error": "NotFound", "message": "no such route"}
        record = outcome_record(sent)
        assert (record["eventName"], record["outcome"], record["errorCode"]) == ("UnknownRoute", "Rejected", "NotFound")
        assert record["userIdentity"]["userName"] == "officer.garcia"

    def test_a_handler_exception_is_a_recorded_500(self, api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a search whose logic fails unexpectedly
        def broken(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr("plateguard.logic.read_requests.search_reads", broken)
        sent = search("officer", plate="7KDR394", **GOOD_PURPOSE)
        # Then the answer is a plain 500, and the request is recorded as failed with what it asked
        assert sent.status == 500 and sent.body == {"error": "InternalError", "message": "internal error"}
        record = outcome_record(sent)
        assert (record["outcome"], record["errorCode"]) == ("Failed", "InternalError")
        assert record["requestParameters"]["plate"] == "7KDR394"


class TestRefusedCallersGet403First:
    @pytest.mark.parametrize(
        "query",
        [
            {"plate": "7KDR394", **{**GOOD_PURPOSE, "purpose": "line\r\nbreak here"}},
            {"plate": "7KDR394", "junk": "1", **GOOD_PURPOSE},
            {"plate": "7KDR394", "limit": "abc", **GOOD_PURPOSE},
            {"plate": "' OR 1=1", **GOOD_PURPOSE},
            {},
        ],
        ids=["crlf", "unknown-parameter", "bad-limit", "bad-plate", "nothing"],
    )
    @pytest.mark.parametrize("who", ["auditor", "admin", "disabled", "untrained", UNKNOWN_ARN])
    def test_a_caller_not_allowed_to_search_gets_403_whatever_the_parameters(
        self, api_world: ApiWorld, who: str, query: dict[str, str]
    ) -> None:
        sent = search(who, **query)
        assert sent.status == 403 and sent.body["error"] == "AccessDenied"
        record = outcome_record(sent)
        assert record["outcome"] == "Denied" and record["eventName"] == "SearchReads"

    def test_a_disallowed_role_with_a_bad_body_gets_403(self, api_world: ApiWorld) -> None:
        sent = send("auditor", "POST", "/subscriptions", raw_body="[" * 100_000)
        assert sent.status == 403
        assert outcome_record(sent)["errorCode"] == "AccessDenied.role_not_permitted"

    def test_a_disabled_account_gets_403_on_an_unknown_route_and_an_encoded_slash(self, api_world: ApiWorld) -> None:
        unknown = send("disabled", "GET", "/nothing/here", path="/nothing/here")
        slash = send("disabled", "GET", "/reads/{read_id}", path="/reads/a/b", path_params={"read_id": "a/b"})
        for sent in (unknown, slash):
            assert sent.status == 403
            assert outcome_record(sent)["errorCode"] == "AccessDenied.account_disabled"

    def test_every_route_refuses_a_disallowed_role_with_invalid_terms_with_403(self, api_world: ApiWorld) -> None:
        from plateguard.models.routes import ROUTES, Role

        for route in ROUTES:
            who = next(r.value for r in Role if r not in route.roles) if len(route.roles) < len(Role) else None
            if who is None:
                continue
            names = re.findall(r"{(\w+)}", route.path)
            args = {name: f"{name}\r\n" for name in names}  # control characters in every path parameter
            path = route.path.format(**{name: "x1" for name in names})
            query = {"junk\r\n": "x", "limit": "-1"}
            sent = send(who, route.method, route.path, path, query, args or None, raw_body="{not json")
            assert sent.status == 403, (route, sent.body)
            assert outcome_record(sent)["eventName"] != "UnknownRoute"


def _route(method: str, path: str) -> Route:
    from plateguard.models.routes import ROUTES

    return next(r for r in ROUTES if (r.method, r.path) == (method, path))


def test_the_door_finds_the_route_the_resolver_runs_for_every_catalogue_route() -> None:
    # The door matches with the resolver's own table (private in Powertools): an upgrade that moves it fails here
    from plateguard.handlers.api import app
    from plateguard.handlers.api.door import dispatch
    from plateguard.models.routes import ROUTES

    resolver_routes = {(r.method, r.openapi_path) for r in app._static_routes + app._dynamic_routes}
    assert resolver_routes == {(r.method, r.path) for r in ROUTES}
    for route in ROUTES:
        path = re.sub(r"{(\w+)}", lambda m: f"v-{m.group(1)}", route.path)
        found = dispatch(app, route.method, path)
        assert found is not None and found[0].openapi_path == route.path, route
        assert found[1] == {name: f"v-{name}" for name in re.findall(r"{(\w+)}", route.path)}
