"""The route catalogue (plateguard.models.routes) is the one source of route facts: the resolver serves
exactly its routes with its request and response models, /openapi.json types every answer and declares
each route's error answers from it, and the audit records and misuse sampling use its event names."""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest

from plateguard.models.api import ErrorResponse
from plateguard.models.routes import ROUTES, Role, Route
from tests.api_support import ApiWorld, api_world, clear_caches
from tests.hotlist_api_support import hotlist_route_request

__all__ = ["api_world"]


def _resolver_routes() -> dict[tuple[str, str], Any]:
    from plateguard.handlers.api import app

    return {(r.method, r.openapi_path): r for r in app._static_routes + app._dynamic_routes}


def test_the_resolver_serves_exactly_the_catalogue_with_its_models() -> None:
    # Given the app with every router included
    served = _resolver_routes()
    # Then it serves every catalogue route and nothing else
    assert set(served) == {(r.method, r.path) for r in ROUTES}
    for route in ROUTES:
        # And each route answers the catalogue's response model and takes its request body model
        func = served[(route.method, route.path)].func
        hints = typing.get_type_hints(func, include_extras=True)
        assert hints["return"] is route.response, route
        bodies = [hint for name, hint in hints.items() if name == "body"]
        assert bodies == ([route.request] if route.request else []), route


def test_every_operation_in_the_openapi_document_is_typed_with_its_real_error_answers() -> None:
    from plateguard.handlers.api import openapi_document

    # Given the document the API serves at GET /openapi.json
    document = json.loads(openapi_document())
    schemas = document["components"]["schemas"]
    assert set(schemas[ErrorResponse.__name__]["required"]) == {"error", "message"}
    for route in ROUTES:
        responses = document["paths"][route.path][route.method.lower()]["responses"]
        # Then its 200 is the catalogue's response model, defined in the document
        ok = responses["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{route.response.__name__}"}, route
        assert route.response.__name__ in schemas
        # And its error answers are exactly the catalogue's, each {error, message}
        assert sorted(int(code) for code in responses if code != "200") == list(route.error_statuses), route
        for code in route.error_statuses:
            error = responses[str(code)]["content"]["application/json"]["schema"]
            assert error == {"$ref": f"#/components/schemas/{ErrorResponse.__name__}"}, (route, code)


def test_every_route_declares_refusal_audit_failure_and_input_errors_and_where_it_names_something_404() -> None:
    for route in ROUTES:
        assert {400, 403, 500, 503} <= set(route.error_statuses)
        assert (404 in route.error_statuses) == ("{" in route.path)
    # And a change that can meet a conflicting state says so
    assert 409 in next(r for r in ROUTES if r.event_name == "SetAlertDisposition").error_statuses


def test_misuse_sampling_reviews_the_routes_that_return_plate_data() -> None:
    from plateguard.logic.oversight import SEARCH_EVENT_NAMES

    assert {r.event_name for r in ROUTES if r.returns_plate_data} == SEARCH_EVENT_NAMES
    assert {"SearchReads", "GetReadWithCropUrl"} == SEARCH_EVENT_NAMES


def test_event_names_are_unique() -> None:
    assert len({r.event_name for r in ROUTES}) == len(ROUTES)


def _alert_routes() -> list[Route]:
    return [r for r in ROUTES if r.path.startswith(("/alerts", "/hotlists"))]


def test_an_api_keeping_alerts_for_36_hours_serves_the_alert_routes(
    api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a policy with `alerts: 36 hours`: the API gets ALERT_RETENTION_DAYS=1.5, as ingest does
    monkeypatch.setenv("ALERT_RETENTION_DAYS", "1.5")
    clear_caches()
    for route in _alert_routes():
        who = next(role.value for role in (Role.SUPERVISOR, Role.OFFICER, Role.ADMIN) if role in route.roles)
        # When a caller with the role uses each hot-list and alert route
        status, body = api_world.call(who, route.method, route.path, **hotlist_route_request(route))
        # Then it is served (the settings accept fractional days)
        assert status == 200, (route, body)
