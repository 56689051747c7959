"""Misuse signals: each fires on seeded misuse by one officer and stays silent on a normal month."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plateguard.logic.misuse import SignalKind, detect_misuse, flagged_event_ids, specific_words
from plateguard.logic.oversight import load_search_events
from plateguard.models.routes import Role
from tests.fakes.oversight import (
    KNOWN_CASES,
    T0,
    KnownCases,
    MemoryChain,
    normal_searches,
    record_search,
    trail,
    user,
)

PERIOD_START = T0.replace(month=2, day=1, hour=0)  # February 2026; history: the 8 weeks before
PERIOD_END = PERIOD_START.replace(month=3)
OFFICERS = [user("officer.garcia"), user("officer.lee"), user("sgt.chen", Role.SUPERVISOR)]
ROGUE = user("officer.rogue")


def _world(with_misuse: bool) -> tuple[MemoryChain, list, list]:
    audit, chain = trail()
    people = [*OFFICERS, ROGUE]
    normal_searches(audit, people, PERIOD_START - timedelta(days=56), 56 + 28)
    if with_misuse:
        day = PERIOD_START + timedelta(days=10)
        for n in range(12):  # the auditor's "Investigation", across many cases
            record_search(
                audit, ROGUE, day + timedelta(hours=9, minutes=n), f"8XYZ{100 + n}", "Investigation", KNOWN_CASES[n]
            )
        for n in range(6):  # one plate, again and again, at 03:00
            record_search(
                audit,
                ROGUE,
                day + timedelta(days=n + 1, hours=3),
                "5EXP123",
                "Check on vehicle of former partner's new friend parked at Oak Ave",
                "DPD-2026-999999",
            )
        for n in range(12):  # a sweep of wildcard searches in 24 minutes
            record_search(
                audit,
                ROGUE,
                day + timedelta(days=8, hours=14, minutes=2 * n),
                f"7AB{n}*",
                "Partial plate from witness of the pharmacy robbery on Main",
                KNOWN_CASES[3],
            )
    events = load_search_events(chain, "demo-pd", PERIOD_START, PERIOD_END)
    history = load_search_events(chain, "demo-pd", PERIOD_START - timedelta(days=56), PERIOD_START)
    return chain, events, history


@pytest.fixture(scope="module")
def normal() -> tuple[list, list]:
    _, events, history = _world(with_misuse=False)
    return events, history


@pytest.fixture(scope="module")
def misuse() -> tuple[list, list]:
    _, events, history = _world(with_misuse=True)
    return events, history


def test_normal_month_raises_no_signal(normal: tuple[list, list]) -> None:
    events, history = normal
    assert len(events) > 60 and len(history) > 100  # a realistic month, with a baseline
    assert detect_misuse(events, agency="demo-pd", history=history, cases=KnownCases()) == []


@pytest.mark.parametrize("kind", list(SignalKind))
def test_each_signal_fires_on_the_seeded_misuse_and_only_for_that_officer(
    misuse: tuple[list, list], kind: SignalKind
) -> None:
    events, history = misuse
    signals = [
        s for s in detect_misuse(events, agency="demo-pd", history=history, cases=KnownCases()) if s.kind is kind
    ]
    assert signals, kind
    assert {s.username for s in signals} == {"officer.rogue"}
    assert all(s.explanation and s.event_ids for s in signals)


def test_signals_point_at_the_right_searches(misuse: tuple[list, list]) -> None:
    events, history = misuse
    by_id = {e.event_id: e for e in events}
    signals = {s.kind: s for s in detect_misuse(events, agency="demo-pd", history=history, cases=KnownCases())}
    assert {by_id[i].purpose for i in signals[SignalKind.VAGUE_PURPOSE].event_ids} == {"Investigation"}
    assert len(signals[SignalKind.REPEATED_PURPOSE].event_ids) == 12
    assert {by_id[i].plate for i in signals[SignalKind.PLATE_CONCENTRATION].event_ids} == {"5EXP123"}
    assert {by_id[i].event_time.hour for i in signals[SignalKind.OFF_HOURS].event_ids} == {3}
    assert {by_id[i].case_number for i in signals[SignalKind.UNKNOWN_CASE_NUMBER].event_ids} == {"DPD-2026-999999"}
    assert all(by_id[i].partial for i in signals[SignalKind.PARTIAL_BURST].event_ids)
    assert "5EXP123" in signals[SignalKind.PLATE_CONCENTRATION].explanation


def test_without_a_case_list_the_case_signal_is_not_evaluated(misuse: tuple[list, list]) -> None:
    events, history = misuse
    kinds = {s.kind for s in detect_misuse(events, agency="demo-pd", history=history, cases=None)}
    assert SignalKind.UNKNOWN_CASE_NUMBER not in kinds and SignalKind.VAGUE_PURPOSE in kinds


def test_off_hours_needs_a_baseline(misuse: tuple[list, list]) -> None:
    events, _ = misuse
    kinds = {s.kind for s in detect_misuse(events, agency="demo-pd", history=[], cases=KnownCases())}
    assert SignalKind.OFF_HOURS not in kinds  # no history: no pattern to be outside of


def test_flagged_ids_collect_every_kind_per_search(misuse: tuple[list, list]) -> None:
    events, history = misuse
    flagged = flagged_event_ids(detect_misuse(events, agency="demo-pd", history=history, cases=KnownCases()))
    night = next(e for e in events if e.plate == "5EXP123")
    assert set(flagged[night.event_id]) == {"off-hours", "plate-concentration", "unknown-case-number"}


@pytest.mark.parametrize(
    ("purpose", "vague"),
    [
        ("Investigation", True),
        ("Ongoing criminal investigation - follow up", True),
        ("suspicious vehicle check", True),
        ("Locate silver sedan seen leaving the burglary on Elm Street", False),
        ("Witness saw plate at armed robbery", False),
    ],
)
def test_vague_purpose_rule(purpose: str, vague: bool) -> None:
    assert (len(specific_words(purpose)) < 2) is vague
