"""Legal holds: place, list, release (plateguard.logic.officer_holds). Supervisors place and release;
supervisors and auditors list. The hold is always placed in the caller's agency and by the caller:
neither is taken from the request."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from plateguard.handlers.api.door import audited, route
from plateguard.logic import officer_holds as holds
from plateguard.models.requests import PlaceHoldRequest
from plateguard.models.responses import HoldOut, HoldsResponse

router = Router()


@route(router, "POST", "/holds", summary="Place a legal hold on reads for a case", tags=["holds"])
def place_hold_route(body: PlaceHoldRequest) -> HoldOut:
    recorded: dict[str, Any] = {}  # the new hold's id, for the outcome record
    return audited(
        lambda user, deps: holds.place_legal_hold(user, body, deps.clock(), holds=deps.holds, audit_elements=recorded),
        # The door records every body field as sent; the read ids also as one string an auditor can search.
        parameters=holds.place_terms(body),
        response_elements=recorded,
    )


@route(router, "GET", "/holds", summary="List your agency's legal holds", tags=["holds"])
def list_holds_route(
    include_ended: Annotated[bool, Query(description="also released and ended holds")] = False,
) -> HoldsResponse:
    return audited(lambda user, deps: holds.list_legal_holds(user, include_ended, deps.clock(), holds=deps.holds))


@route(router, "DELETE", "/holds/{hold_id}", summary="Release a legal hold: normal retention resumes", tags=["holds"])
def release_hold_route(hold_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")]) -> HoldOut:
    return audited(lambda user, deps: holds.release_legal_hold(user, hold_id, deps.clock(), holds=deps.holds))
