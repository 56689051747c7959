"""The alert routes' business work (plateguard.logic.officer_alerts) on in-memory fakes: listing,
the outcome summary, and dispositions with their 404 / 409 answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from plateguard.logic.alert_lifecycle import Disposition, DispositionChange, DispositionConflict, IllegalTransition
from plateguard.logic.officer_alerts import alert_summary, list_alerts, set_disposition
from plateguard.models.errors import Conflict, NotFound
from plateguard.models.records import Alert, AlertStatus
from plateguard.models.requests import DispositionRequest
from tests.fakes.officer_api import MemoryAlerts
from tests.fakes.oversight import T0, user

OFFICER = user("ofc.diaz")
LATER = int((T0 + timedelta(days=30)).timestamp())


def alert(
    alert_id: str, *, minutes: int = 0, camera: str = "cam-1", list_name: str = "stolen", **changes: object
) -> Alert:
    base = Alert(
        alert_id, "demo-pd", f"r-{alert_id}", "7KDR394", list_name, "stolen-vehicle", "high", "stolen", "C-1",
        camera, "Main St", T0, 0.97, "exact", "crops/r.jpg", T0 + timedelta(minutes=minutes), LATER,
        AlertStatus.PUBLISHED,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def said(disposition: Disposition, minutes: int = 1) -> DispositionChange:
    return DispositionChange(disposition, "ofc.diaz", T0 + timedelta(minutes=minutes))


def test_lists_the_newest_published_unexpired_alerts_up_to_the_limit() -> None:
    # Given three published alerts, one pending and one expired
    store = MemoryAlerts(
        (alert("a" * 24, minutes=1), []),
        (alert("b" * 24, minutes=3), [said(Disposition.ACKNOWLEDGED)]),
        (alert("c" * 24, minutes=2), []),
        (alert("d" * 24, minutes=4, status=AlertStatus.PENDING), []),
        (alert("e" * 24, minutes=5, expires_at=int(T0.timestamp())), []),
    )

    # When the caller lists two
    response, count = list_alerts(OFFICER, 2, T0 + timedelta(hours=1), alerts=store)

    # Then the two newest published, unexpired ones, newest first, with their current disposition
    assert [(a.alert_id[0], a.disposition) for a in response.alerts] == [("b", "acknowledged"), ("c", "new")]
    assert count == response.count == 2


def test_an_alert_is_shown_as_it_always_was() -> None:
    # Given an alert with one disposition
    store = MemoryAlerts(
        (alert("a" * 24, differing_positions=(2,), listed_plate="7KDR39A"), [said(Disposition.ACKNOWLEDGED)])
    )

    # When the caller lists alerts
    response, _ = list_alerts(OFFICER, 100, T0, alerts=store)

    # Then its JSON carries today's keys and values (the list under "list", times with +00:00)
    assert response.model_dump(mode="json", by_alias=True)["alerts"][0] == {
        "alert_id": "a" * 24, "plate": "7KDR394", "listed_plate": "7KDR39A", "list": "stolen",
        "list_type": "stolen-vehicle", "priority": "high", "camera_id": "cam-1", "camera_name": "Main St",
        "captured_at": T0.isoformat(), "confidence": 0.97, "match_quality": "exact", "differing_positions": [2],
        "historical": False, "suppressed_repeats": 0, "read_id": "r-" + "a" * 24, "disposition": "acknowledged",
        "history": [{"disposition": "acknowledged", "by": "ofc.diaz", "at": (T0 + timedelta(minutes=1)).isoformat()}],
    }  # fmt: skip


def test_summary_counts_dispositions_and_false_hit_rates_per_camera_and_list() -> None:
    # Given a confirmed alert and a misread on cam-1, and an untouched one on cam-2 of another list
    store = MemoryAlerts(
        (alert("a" * 24), [said(Disposition.ACKNOWLEDGED), said(Disposition.CONFIRMED, 2)]),
        (alert("b" * 24), [said(Disposition.ACKNOWLEDGED), said(Disposition.MISREAD, 2)]),
        (alert("c" * 24, camera="cam-2", list_name="bolo"), []),
    )

    # When the caller asks for the summary
    response, count = alert_summary(OFFICER, alerts=store)

    # Then every alert is counted by its disposition, and rates cover the checked ones only
    assert count == 3
    assert response.model_dump(mode="json", by_alias=True) == {
        "alerts": 3,
        "by_disposition": {"confirmed": 1, "misread": 1, "new": 1},
        "cameras": [{"camera": "cam-1", "verified": 2, "misread": 1, "false_hit_rate": 0.5}],
        "lists": [{"list": "stolen", "verified": 2, "misread": 1, "false_hit_rate": 0.5}],
    }


def test_a_disposition_is_appended_by_the_caller_and_answered_with_the_alert() -> None:
    # Given a new alert
    store = MemoryAlerts((alert("a" * 24), []))

    # When the caller acknowledges it
    body = DispositionRequest(disposition=Disposition.ACKNOWLEDGED, note="on my way")
    response, count = set_disposition(OFFICER, "a" * 24, body, T0, alerts=store)

    # Then the history holds it, and the answer shows it
    assert store.by_id[("demo-pd", "a" * 24)][1] == [
        DispositionChange(Disposition.ACKNOWLEDGED, "ofc.diaz", T0, "on my way")
    ]
    assert (response.disposition, count) == ("acknowledged", 1)


def test_a_disposition_for_a_missing_alert_an_illegal_step_or_a_lost_race_is_refused() -> None:
    # Given a new alert
    store = MemoryAlerts((alert("a" * 24), []))

    # Then an alert of no record is a NotFound naming it
    with pytest.raises(NotFound, match=f"no alert {'f' * 24} in agency demo-pd"):
        set_disposition(OFFICER, "f" * 24, DispositionRequest(disposition=Disposition.ACKNOWLEDGED), T0, alerts=store)

    # And a stop before a confirmation is an IllegalTransition: a Conflict (409) with its own message
    with pytest.raises(IllegalTransition) as illegal:
        set_disposition(OFFICER, "a" * 24, DispositionRequest(disposition=Disposition.STOP_MADE), T0, alerts=store)
    assert isinstance(illegal.value, Conflict) and illegal.value.message.startswith("an alert that is new cannot")

    # And a change saved by someone else first is a DispositionConflict: a Conflict saying to reload
    store.conflict_once = True
    with pytest.raises(DispositionConflict) as lost:
        set_disposition(OFFICER, "a" * 24, DispositionRequest(disposition=Disposition.ACKNOWLEDGED), T0, alerts=store)
    assert isinstance(lost.value, Conflict) and lost.value.code == "Conflict"
    assert lost.value.message == "the alert changed while you were deciding: reload it and try again"
