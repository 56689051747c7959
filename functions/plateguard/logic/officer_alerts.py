"""What the officer API's alert routes do: list recent alerts, summarise outcomes, record a disposition.

Always the caller's agency. A disposition follows the lifecycle (logic.alert_lifecycle): a step it does
not allow is an IllegalTransition, and a change someone else saved first a DispositionConflict (both a
409). Each function returns the response and the count the audit record carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from plateguard.logic.access import User
from plateguard.logic.alert_lifecycle import DispositionChange, current_disposition, false_hit_rates, transition
from plateguard.models.errors import NotFound
from plateguard.models.records import Alert, AlertStatus
from plateguard.models.requests import DispositionRequest
from plateguard.models.responses import (
    AlertOut,
    AlertsResponse,
    AlertSummary,
    CameraFalseHits,
    DispositionOut,
    ListFalseHits,
)


class AlertRecords(Protocol):
    """The agency's alerts with their disposition histories (dal.alerts.DynamoAlertStore)."""

    def alerts(self, agency: str) -> Iterable[tuple[Alert, list[DispositionChange]]]: ...
    def get(self, agency: str, alert_id: str) -> tuple[Alert, list[DispositionChange]] | None: ...
    def save_history(
        self, agency: str, alert_id: str, history: list[DispositionChange], expected_length: int
    ) -> None: ...  # DispositionConflict when the history grew since it was read


def alert_out(alert: Alert, history: list[DispositionChange]) -> AlertOut:
    return AlertOut(
        alert_id=alert.alert_id,
        plate=alert.plate,
        listed_plate=alert.listed_plate or alert.plate,
        list_name=alert.list_name,
        list_type=alert.list_type,
        priority=alert.priority,
        camera_id=alert.camera_id,
        camera_name=alert.camera_name,
        captured_at=alert.captured_at,
        confidence=alert.confidence,
        match_quality=alert.match_quality,
        differing_positions=list(alert.differing_positions),
        historical=alert.historical,
        suppressed_repeats=alert.suppressed_repeats,
        read_id=alert.read_id,
        disposition=current_disposition(history).value,
        history=[DispositionOut(disposition=c.disposition.value, by=c.by, at=c.at) for c in history],
    )


def list_alerts(user: User, limit: int, now: datetime, *, alerts: AlertRecords) -> tuple[AlertsResponse, int]:
    """The newest `limit` published alerts that have not expired."""
    rows = [
        (alert, history)
        for alert, history in alerts.alerts(user.agency)
        if alert.status == AlertStatus.PUBLISHED and alert.expires_at > now.timestamp()
    ]
    rows.sort(key=lambda row: row[0].created_at, reverse=True)
    listed = [alert_out(alert, history) for alert, history in rows[:limit]]
    return AlertsResponse(alerts=listed, count=len(listed)), len(listed)


def alert_summary(user: User, *, alerts: AlertRecords) -> tuple[AlertSummary, int]:
    """Every alert's current disposition counted, and false-hit rates per camera and per list."""
    rows = list(alerts.alerts(user.agency))
    outcomes = [(alert, current_disposition(history)) for alert, history in rows]
    counts: dict[str, int] = {}
    for _, disposition in outcomes:
        counts[disposition.value] = counts.get(disposition.value, 0) + 1
    cameras = [
        CameraFalseHits(camera=r.key, verified=r.verified, misread=r.misread, false_hit_rate=r.rate)
        for r in false_hit_rates((a.camera_id, d) for a, d in outcomes)
    ]
    lists = [
        ListFalseHits(list_name=r.key, verified=r.verified, misread=r.misread, false_hit_rate=r.rate)
        for r in false_hit_rates((a.list_name, d) for a, d in outcomes)
    ]
    return AlertSummary(alerts=len(rows), by_disposition=counts, cameras=cameras, lists=lists), len(rows)


def set_disposition(
    user: User, alert_id: str, body: DispositionRequest, now: datetime, *, alerts: AlertRecords
) -> tuple[AlertOut, int]:
    """Append the caller's disposition to the alert's history (optimistically locked)."""
    found = alerts.get(user.agency, alert_id)
    if found is None:
        raise NotFound(f"no alert {alert_id} in agency {user.agency}")
    alert, history = found
    updated = transition(history, body.disposition, user.username, now, body.note)
    alerts.save_history(user.agency, alert_id, updated, len(history))
    return alert_out(alert, updated), 1
