"""Query the audit trail of your agency (auditors and supervisors)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from plateguard.handlers.api.door import audited, route
from plateguard.handlers.api.routes.reads import Limit, NextToken
from plateguard.logic import read_requests
from plateguard.models.api import (
    AGENCY_PATTERN,
    CASE_NUMBER_PATTERN,
    AuditEventsResponse,
    AuditQueryRequest,
    parse_model,
)

router = Router()


@route(router, "GET", "/audit", summary="Query the audit trail of your agency", tags=["audit"])
def query_audit_route(
    since: Annotated[datetime, Query(description="Events at or after (ISO 8601)")],
    until: Annotated[datetime, Query(description="Events before (ISO 8601)")],
    username: Annotated[str | None, Query(max_length=600, description="Username or principal ARN")] = None,
    plate: Annotated[str | None, Query(max_length=40, description="Plate or pattern as searched")] = None,
    case_number: Annotated[str | None, Query(pattern=CASE_NUMBER_PATTERN)] = None,
    agency: Annotated[
        str | None, Query(pattern=AGENCY_PATTERN, description="Only callers of this agency (a sharing recipient)")
    ] = None,
    limit: Limit = None,
    next_token: NextToken = None,
) -> AuditEventsResponse:
    given = dict(locals())
    request = parse_model(AuditQueryRequest, {k: v for k, v in given.items() if v is not None})
    return audited(lambda user, deps: read_requests.lookup_audit(request, user, deps.audit_store, deps.read_access()))
