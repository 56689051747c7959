"""Search plate reads and fetch one with a short-lived crop URL (plateguard.logic.read_requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from plateguard.handlers.api.door import audited, route
from plateguard.logic import read_requests
from plateguard.models.api import (
    AGENCY_PATTERN,
    CAMERA_PATTERN,
    CASE_NUMBER_PATTERN,
    MAX_PURPOSE_LENGTH,
    READ_ID_PATTERN,
    ReadDetail,
    ReadRequest,
    SearchRequest,
    SearchResponse,
    parse_model,
)

router = Router()

Purpose = Annotated[
    str, Query(min_length=10, max_length=MAX_PURPOSE_LENGTH, description="Why: specific, at least 10 characters")
]
CaseNumber = Annotated[str, Query(pattern=CASE_NUMBER_PATTERN, description="Case or incident number")]
OffenseType = Annotated[str, Query(max_length=64, description="One of the configured offense types")]
Since = Annotated[datetime | None, Query(description="Window start (ISO 8601, inclusive)")]
Until = Annotated[datetime | None, Query(description="Window end (ISO 8601, exclusive)")]
Limit = Annotated[int | None, Query(ge=1, le=1000, description="Page size")]
NextToken = Annotated[str | None, Query(max_length=4096, description="Opaque token from the previous page")]


@route(router, "GET", "/reads", summary="Search plate reads", tags=["reads"])
def search_reads_route(
    purpose: Purpose,
    case_number: CaseNumber,
    offense_type: OffenseType,
    agency: Annotated[
        str | None,
        Query(pattern=AGENCY_PATTERN, description="Another agency's reads, under its sharing grant (default: yours)"),
    ] = None,
    plate: Annotated[
        str | None, Query(max_length=40, description="Plate; '?' is one character and '*' any run (partial)")
    ] = None,
    camera: Annotated[str | None, Query(pattern=CAMERA_PATTERN, description="Camera id")] = None,
    since: Since = None,
    until: Until = None,
    min_lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    max_lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    min_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    max_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    limit: Limit = None,
    next_token: NextToken = None,
) -> SearchResponse:
    given = dict(locals())  # the query parameters, exactly as the resolver parsed them
    request = parse_model(SearchRequest, {k: v for k, v in given.items() if v is not None})
    # A search naming a granting agency is recorded in its trail too (the door chooses that chain).
    shared: dict[str, Any] = {}
    return audited(
        lambda user, deps: read_requests.search(request, user, deps.read_access(), deps.clock(), shared),
        response_elements=shared,
    )


@route(router, "GET", "/reads/{read_id}", summary="Fetch one read with a short-lived crop URL", tags=["reads"])
def get_read_route(
    read_id: Annotated[str, Path(pattern=READ_ID_PATTERN)],
    purpose: Purpose,
    case_number: CaseNumber,
    offense_type: OffenseType,
    agency: Annotated[
        str | None,
        Query(pattern=AGENCY_PATTERN, description="Another agency's read, under its sharing grant (default: yours)"),
    ] = None,
) -> ReadDetail:
    request = parse_model(ReadRequest, dict(locals()))
    shared: dict[str, Any] = {}
    return audited(
        lambda user, deps: read_requests.fetch(
            request, user, deps.read_access(), deps.crops, deps.crop_url_expires_seconds, deps.clock(), shared
        ),
        response_elements=shared,
    )
