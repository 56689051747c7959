"""Property: for any sequence of requests (any route or none, any caller, any terms), the trail holds exactly
one outcome record per request, and every record of a request names the route its path dispatches to.

The expected route comes from an oracle written here from the catalogue (the most literal match of the
decoded path), not from the resolver the door uses. Changes may add one attempt record each (same
requestID); records the logic writes itself (e.g. DisableAccount) have their own event names.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from plateguard.models.routes import ROUTES, Role
from tests.api_support import GOOD_PURPOSE, UNKNOWN_ARN, ApiWorld, api_world
from tests.door_api_support import all_records, send

__all__ = ["api_world"]

EVENT_NAMES = {(r.method, r.path): r.event_name for r in ROUTES}

CALLERS = ["officer", "supervisor", "auditor", "admin", "disabled", "other_officer", UNKNOWN_ARN]
# Path values the resolver's parameter pattern accepts; some hold a '/' (an encoded slash on the wire).
PATH_VALUES = ["x1", "7KDR394", "stolen-vehicles", "2026-10", "sign-off", "a/b", "stolen-vehicles/entries/7KDR394"]
QUERY_NAMES = ["plate", "purpose", "case_number", "offense_type", "limit", "since", "until", "batch", "junk", "x"]
BODY_NAMES = ["protocol", "endpoint", "plate", "reason", "case_number", "note", "disposition", "role", "junk"]
TEMPLATES = [(r.method, r.path) for r in ROUTES] + [("GET", "/nothing/{x}"), ("POST", "/reads"), ("PUT", "/audit")]

texts = st.text(alphabet=st.sampled_from("abcXYZ019 -_\r\n\x00*'"), max_size=24)
scalars = st.one_of(texts, st.integers(-5, 5), st.booleans(), st.none())
bodies = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(BODY_NAMES), st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=4),
    st.sampled_from(["{not json", "[" * 5000 + "]" * 5000, '{"a": 1, "a": 2}', "[]", "NaN"]),
)


ROLE_USERS = {role.value: role.value for role in Role}
# Requests that are served, so sequences mix successes (and changes' attempt records) with refusals.
SERVED = [
    {"who": "officer", "method": "GET", "resource": "/reads", "query": {"plate": "7KDR394", **GOOD_PURPOSE}},
    {"who": "officer", "method": "GET", "resource": "/hotlists"},
    {"who": "admin", "method": "GET", "resource": "/users"},
    {"who": "auditor", "method": "GET", "resource": "/openapi.json"},
    {"who": "officer", "method": "POST", "resource": "/subscriptions",
     "body": {"protocol": "sms", "endpoint": "+15551234567"}},
    {"who": "supervisor", "method": "PUT", "resource": "/hotlists/{list_name}", "path": "/hotlists/bolo",
     "path_params": {"list_name": "bolo"},
     "body": {"list_type": "bolo", "owner": "sgt.chen", "priority": "low", "max_entry_days": 10}},
]  # fmt: skip


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(SERVED))
    method, template = draw(st.sampled_from(TEMPLATES))
    names = re.findall(r"{(\w+)}", template)
    args = {name: draw(st.sampled_from(PATH_VALUES)) for name in names}
    body = draw(bodies)
    # Half the time a caller whose role may use the route, so refusals are not all 403s
    route = next((r for r in ROUTES if (r.method, r.path) == (method, template)), None)
    allowed = sorted(ROLE_USERS[role.value] for role in route.roles) if route else CALLERS
    return {
        "who": draw(st.one_of(st.sampled_from(allowed), st.sampled_from(CALLERS))),
        "method": method,
        "resource": template,
        "path": template.format(**args),
        "path_params": args or None,
        "query": draw(st.dictionaries(st.sampled_from(QUERY_NAMES), texts, max_size=4)) or None,
        "raw_body": body if isinstance(body, str) else (json.dumps(body) if body is not None else None),
    }


def dispatched_event_name(method: str, path: str) -> str:
    """The catalogue route a decoded path reaches: of the matching templates, the one with most literal segments."""
    matches = [
        route
        for route in ROUTES
        if route.method == method
        and re.match("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(route.path)) + "/*$", path)
    ]
    if not matches:
        return "UnknownRoute"
    best = max(matches, key=lambda r: sum(1 for part in r.path.split("/") if part and "{" not in part))
    return EVENT_NAMES[(method, best.path)]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=st.lists(requests(), min_size=1, max_size=4))
def test_every_request_leaves_one_outcome_record_naming_the_dispatched_route(
    api_world: ApiWorld, batch: list[dict[str, Any]]
) -> None:
    # Given the requests sent so far in this test (the world lives across examples)
    history: list[str] = api_world.__dict__.setdefault("sent_request_ids", [])
    # When this sequence is sent
    sent = [send(**request) for request in batch]
    history.extend(s.request_id for s in sent)
    records = all_records()
    request_names = set(EVENT_NAMES.values()) | {"UnknownRoute"}
    outcomes = [r for r in records if r["outcome"] != "Attempted" and r["eventName"] in request_names]
    # Then the trail holds as many outcome records as requests were sent, one per request
    assert len(outcomes) == len(history)
    assert sorted(r["requestID"] for r in outcomes) == sorted(history)
    for request, answer in zip(batch, sent, strict=True):
        mine = [r for r in records if r["requestID"] == answer.request_id and r["eventName"] in request_names]
        attempts = [r for r in mine if r["outcome"] == "Attempted"]
        # And each names the route the path dispatches to; only an admitted change has an attempt record
        expected = dispatched_event_name(request["method"], request.get("path") or request["resource"])
        assert {r["eventName"] for r in mine} == {expected}, (request, answer)
        assert len(attempts) <= 1 and (not attempts or request["method"] != "GET")
        assert answer.status != 500, (request, answer)
        event(f"{answer.status} {'change' if request['method'] != 'GET' else 'read'}")
