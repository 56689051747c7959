"""Officer API Lambda (API Gateway REST, AWS_IAM on every method): the resolver, its routers, the one
error mapping and the OpenAPI document.

Every request goes through the audited door (door.serve): the caller is authorized against the route
the resolver dispatches before anything else is looked at, the request's terms are checked against what
the route declares, the route runs (door.audited records a change's attempt before it acts), and one
outcome record is written before any answer leaves, whatever the outcome. This module is the only
place an error becomes an HTTP status: ERROR_STATUS, by the categories of plateguard.models.errors.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard.handlers.api import door
from plateguard.handlers.api.routes import (
    alerts,
    audit,
    cameras,
    holds,
    hotlists,
    meta,
    reads,
    reviews,
    subscriptions,
    users,
)
from plateguard.models.errors import (
    AccessDenied,
    ApiError,
    AuditUnavailable,
    Conflict,
    InvalidRequest,
    NotFound,
)
from plateguard.observability import logger, metrics, tracer

# The one place where a domain error becomes an HTTP status (most specific class wins, by MRO).
ERROR_STATUS: dict[type[ApiError], HTTPStatus] = {
    InvalidRequest: HTTPStatus.BAD_REQUEST,  # includes InvalidPaginationToken
    AccessDenied: HTTPStatus.FORBIDDEN,
    NotFound: HTTPStatus.NOT_FOUND,
    Conflict: HTTPStatus.CONFLICT,
    AuditUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
}

app = APIGatewayRestResolver(enable_validation=True)
for area in (reads, audit, meta, users, hotlists, alerts, subscriptions, holds, reviews, cameras):
    app.include_router(area.router)


def error_response(error: Exception) -> Response:
    """The answer to an error: `{error, message}` with its category's status; anything else a plain 500."""
    if not isinstance(error, ApiError):
        return _json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "InternalError", "message": "internal error"})
    status = next(
        (code for cls in type(error).__mro__ if (code := ERROR_STATUS.get(cls)) is not None),
        HTTPStatus.INTERNAL_SERVER_ERROR,
    )
    if isinstance(error, AccessDenied | InvalidRequest):
        metrics.add_metric(name="SearchesDenied", unit=MetricUnit.Count, value=1)
    if isinstance(error, AuditUnavailable):
        metrics.add_metric(name="AuditWriteFailures", unit=MetricUnit.Count, value=1)
    return _json(status, {"error": error.code, "message": error.message})


def _json(status: HTTPStatus, body: dict[str, str]) -> Response:
    return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


@app.exception_handler(ApiError)
def _handle_api_error(error: ApiError) -> Response:
    logger.info("request refused", error=error.code, detail=error.message)
    door.note_error(error)
    return error_response(error)


@app.exception_handler(RequestValidationError)
def _handle_validation_error(error: RequestValidationError) -> Response:
    # Parameter shapes are checked before the route runs, after the door admitted the caller.
    details = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ())[1:]) or "request"
        details.append(f"{where}: {item.get('msg', 'invalid')}")
    refused = InvalidRequest("; ".join(details) or "invalid request")
    door.note_error(refused)
    return error_response(refused)


@app.exception_handler(Exception)
def _handle_unexpected(error: Exception) -> Response:
    logger.exception("unexpected error")
    door.note_error(error)
    return error_response(error)


@app.not_found
def _handle_not_found(_error: Exception) -> Response:
    refused = NotFound("no such route")
    door.note_error(refused)
    return error_response(refused)


def openapi_document() -> str:
    return meta.openapi_document(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handle_api_request(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return door.serve(app, event, context, answer=error_response)
