"""Alerts: recent alerts, outcome summary with false-hit rates, record a disposition
(plateguard.logic.officer_alerts). Always the caller's agency."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from plateguard.handlers.api.door import audited, route
from plateguard.logic import officer_alerts as alerts
from plateguard.models.requests import DispositionRequest
from plateguard.models.responses import AlertOut, AlertsResponse, AlertSummary

router = Router()


@route(router, "GET", "/alerts", summary="Recent alerts of your agency", tags=["alerts"])
def list_alerts_route(limit: Annotated[int, Query(ge=1, le=500)] = 100) -> AlertsResponse:
    return audited(lambda user, deps: alerts.list_alerts(user, limit, deps.clock(), alerts=deps.alerts))


@route(router, "GET", "/alerts/summary", summary="Per-camera and per-list false-hit rates", tags=["alerts"])
def alert_summary_route() -> AlertSummary:
    return audited(lambda user, deps: alerts.alert_summary(user, alerts=deps.alerts))


@route(router, "POST", "/alerts/{alert_id}/disposition", summary="Record what happened after an alert", tags=["alerts"])
def disposition_route(alert_id: Annotated[str, Path(pattern=r"^[0-9a-f]{24}$")], body: DispositionRequest) -> AlertOut:
    return audited(lambda user, deps: alerts.set_disposition(user, alert_id, body, deps.clock(), alerts=deps.alerts))
