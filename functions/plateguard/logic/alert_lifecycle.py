"""What happened after an alert: the officer's disposition, recorded with who and when.

published -> acknowledged -> confirmed (visually verified) | misread | not-located
confirmed -> stop-made | not-located
A stop can only follow a visual confirmation: that rule is the point of the lifecycle.
Per-camera and per-list false-hit rates are computed from these outcomes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from plateguard.models.errors import Conflict

# Defined in models (request models use it); still importable from here.
from plateguard.models.vocabulary import Disposition as Disposition

ALLOWED: dict[Disposition, frozenset[Disposition]] = {
    Disposition.NEW: frozenset({Disposition.ACKNOWLEDGED}),
    Disposition.ACKNOWLEDGED: frozenset({Disposition.CONFIRMED, Disposition.MISREAD, Disposition.NOT_LOCATED}),
    Disposition.CONFIRMED: frozenset({Disposition.STOP_MADE, Disposition.NOT_LOCATED}),
    Disposition.MISREAD: frozenset(),
    Disposition.NOT_LOCATED: frozenset(),
    Disposition.STOP_MADE: frozenset(),
}


class IllegalTransition(Conflict):
    """A disposition the alert's current one does not allow next (a 409: the alert moved on)."""

    def __init__(self, current: Disposition, wanted: Disposition) -> None:
        allowed = ", ".join(sorted(ALLOWED[current])) or "none (final)"
        super().__init__(f"an alert that is {current} cannot become {wanted}; allowed next: {allowed}")
        self.current = current
        self.wanted = wanted


class DispositionConflict(Conflict):
    """Someone else changed the alert's disposition first: re-read and decide again (a 409)."""

    def __init__(self, alert_id: str) -> None:
        super().__init__("the alert changed while you were deciding: reload it and try again")
        self.alert_id = alert_id


@dataclass(frozen=True)
class DispositionChange:
    disposition: Disposition
    by: str
    at: datetime
    note: str = ""


def current_disposition(history: Iterable[DispositionChange]) -> Disposition:
    changes = list(history)
    return changes[-1].disposition if changes else Disposition.NEW


def transition(
    history: list[DispositionChange], wanted: Disposition, by: str, at: datetime, note: str = ""
) -> list[DispositionChange]:
    """The history with the new disposition appended, or IllegalTransition."""
    current = current_disposition(history)
    if wanted not in ALLOWED[current]:
        raise IllegalTransition(current, wanted)
    return [*history, DispositionChange(wanted, by, at, note[:500])]


@dataclass(frozen=True)
class FalseHitRate:
    key: str
    verified: int  # alerts with a verdict: confirmed (incl. stop made) or misread
    misread: int

    @property
    def rate(self) -> float | None:
        return self.misread / self.verified if self.verified else None


def false_hit_rates(outcomes: Iterable[tuple[str, Disposition]]) -> list[FalseHitRate]:
    """Misreads among alerts whose plate was checked, per key (a camera or a list)."""
    verified: dict[str, int] = defaultdict(int)
    misread: dict[str, int] = defaultdict(int)
    for key, disposition in outcomes:
        if disposition in (Disposition.CONFIRMED, Disposition.STOP_MADE, Disposition.MISREAD):
            verified[key] += 1
            misread[key] += disposition is Disposition.MISREAD
    return [FalseHitRate(key, verified[key], misread[key]) for key in sorted(verified)]
