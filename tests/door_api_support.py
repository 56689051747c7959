"""Helpers for the audited-door tests: send a request with a known request id, find its records."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from plateguard.logic.audit_chain import UNREGISTERED_CHAIN
from tests.api_support import USERS, LambdaContext, rest_event, session_arn

AGENCIES = ("demo-pd", "other-pd", UNREGISTERED_CHAIN)


@dataclass(frozen=True)
class Sent:
    request_id: str
    status: int
    body: Any


def send(
    who: str | None,
    method: str,
    resource: str,
    path: str | None = None,
    query: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    multi_query: dict[str, list[str]] | None = None,
) -> Sent:
    """One request through handle_api_request; `raw_body` is sent as is (not JSON-encoded)."""
    from plateguard.handlers.api import handle_api_request

    principal = session_arn(USERS[who]) if who in USERS else who
    event = rest_event(principal, method, resource, path or resource, query, path_params, body)
    if raw_body is not None:
        event["body"] = raw_body
    if multi_query is not None:
        event["multiValueQueryStringParameters"] = multi_query
        event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
    request_id = str(uuid.uuid4())
    event["requestContext"]["requestId"] = request_id
    response = handle_api_request(event, LambdaContext())
    return Sent(request_id, int(response["statusCode"]), json.loads(response["body"] or "null"))


def all_records() -> list[dict[str, Any]]:
    from plateguard.wiring.api import dependencies as get_api_dependencies

    store = get_api_dependencies().audit_store
    return [entry.record() for agency in AGENCIES for entry in store.entries(agency)]


def records_for(request_id: str) -> list[dict[str, Any]]:
    return [r for r in all_records() if r.get("requestID") == request_id]


def outcome_record(sent: Sent) -> dict[str, Any]:
    """The one outcome record of a request (attempt records of changes aside), checked complete."""
    found = [r for r in records_for(sent.request_id) if r["outcome"] != "Attempted"]
    assert len(found) == 1, found
    record = found[0]
    for name in ("eventName", "eventTime", "userIdentity", "requestParameters", "requestID", "outcome", "readOnly"):
        assert record.get(name) is not None, name
    if sent.status >= 400:
        assert record["outcome"] != "Success" and record["errorCode"] and record["errorMessage"]
    return record
