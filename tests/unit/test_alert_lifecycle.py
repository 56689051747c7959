"""Alert dispositions: legal transitions only, with who and when; false-hit rates from outcomes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plateguard.logic.alert_lifecycle import (
    ALLOWED,
    Disposition,
    IllegalTransition,
    current_disposition,
    false_hit_rates,
    transition,
)

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def test_the_happy_path_records_each_step_with_who_and_when() -> None:
    history = transition([], Disposition.ACKNOWLEDGED, "ofc.a", NOW)
    history = transition(history, Disposition.CONFIRMED, "ofc.a", NOW, "plate matches the image")
    history = transition(history, Disposition.STOP_MADE, "ofc.b", NOW)
    assert current_disposition(history) is Disposition.STOP_MADE
    assert [(c.disposition, c.by) for c in history] == [
        (Disposition.ACKNOWLEDGED, "ofc.a"),
        (Disposition.CONFIRMED, "ofc.a"),
        (Disposition.STOP_MADE, "ofc.b"),
    ]


def test_a_stop_cannot_be_recorded_without_a_visual_confirmation() -> None:
    history = transition([], Disposition.ACKNOWLEDGED, "ofc.a", NOW)
    with pytest.raises(IllegalTransition, match="cannot become stop-made"):
        transition(history, Disposition.STOP_MADE, "ofc.a", NOW)


@pytest.mark.parametrize("final", [Disposition.MISREAD, Disposition.NOT_LOCATED])
def test_final_dispositions_accept_nothing_more(final: Disposition) -> None:
    history = transition(transition([], Disposition.ACKNOWLEDGED, "a", NOW), final, "a", NOW)
    for wanted in Disposition:
        with pytest.raises(IllegalTransition):
            transition(history, wanted, "a", NOW)


def test_every_disposition_except_new_is_reachable() -> None:
    reachable = {d for targets in ALLOWED.values() for d in targets}
    assert reachable == set(Disposition) - {Disposition.NEW}


def test_false_hit_rates_count_only_checked_alerts() -> None:
    rates = {
        r.key: (r.verified, r.misread, r.rate)
        for r in false_hit_rates(
            [
                ("cam-1", Disposition.CONFIRMED),
                ("cam-1", Disposition.MISREAD),
                ("cam-1", Disposition.STOP_MADE),
                ("cam-1", Disposition.NOT_LOCATED),
                ("cam-2", Disposition.ACKNOWLEDGED),
            ]
        )
    }
    assert rates == {"cam-1": (3, 1, 1 / 3)}
