"""Misuse signals over one period's searches: each fires on a pattern an auditor should look at.

They are leads for a human reviewer, never verdicts: every signal names the user, the searches
(audit eventIDs) and a plain-language explanation, and its searches join the mandatory sampling
stratum. docs/oversight.md explains each signal and its thresholds.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from plateguard.logic.oversight import SearchEvent


class SignalKind(StrEnum):
    VAGUE_PURPOSE = "vague-purpose"
    REPEATED_PURPOSE = "repeated-purpose"
    OFF_HOURS = "off-hours"
    PLATE_CONCENTRATION = "plate-concentration"
    UNKNOWN_CASE_NUMBER = "unknown-case-number"
    PARTIAL_BURST = "partial-burst"


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    username: str
    event_ids: tuple[str, ...]
    explanation: str

    def summary(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "username": self.username,
            "searches": len(self.event_ids),
            "explanation": self.explanation,
        }


class CaseRegistry(Protocol):
    """The agency's case / incident numbers (records management system export)."""

    def known(self, agency: str, case_numbers: set[str]) -> set[str]: ...


@dataclass(frozen=True)
class MisuseThresholds:
    # A purpose needs this many specific words (not generic ones such as "investigation", "check").
    min_specific_words: int = 2
    # The same purpose text reused this often by one user, across this many different cases, is boilerplate.
    repeated_purpose_searches: int = 10
    repeated_purpose_cases: int = 3
    # Usual hours are learned from this many earlier searches at least; a search outside every hour
    # seen before (+/- the tolerance) is off-hours.
    usual_hours_min_history: int = 20
    usual_hours_tolerance: int = 1
    # One user searching one exact plate this many times in a period.
    plate_repeat_searches: int = 5
    # This many partial-plate searches by one user inside the window.
    partial_burst_searches: int = 10
    partial_burst_window: timedelta = field(default=timedelta(hours=1))


# Words that say nothing about *why* this plate: "Investigation", the auditor's example, is all of them.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GENERIC_WORDS = _words(
    """investigation investigations investigative investigate investigating inv invest check checks checking
    case cases follow followup up inquiry info information police business official purpose purposes ongoing
    criminal crime law enforcement request requested lookup look search searching query plate plates vehicle
    vehicles car interest suspect suspicious related possible per routine patrol general records record test
    testing misc other see attached report reports lead leads intel intelligence work duty needed needs matter
    incident issue data review reviewing"""
)
STOPWORDS = _words("a an and at by for from in into of on or re the to with via as is was be it this that")
_WORD = re.compile(r"[a-z0-9]+")


def specific_words(purpose: str) -> list[str]:
    return [
        w
        for w in _WORD.findall(purpose.lower())
        if len(w) >= 3 and not w.isdigit() and w not in GENERIC_WORDS and w not in STOPWORDS
    ]


def normalized_purpose(purpose: str) -> str:
    return " ".join(_WORD.findall(purpose.lower()))


def _by_user(events: Iterable[SearchEvent]) -> dict[str, list[SearchEvent]]:
    grouped: dict[str, list[SearchEvent]] = defaultdict(list)
    for event in events:
        grouped[event.username].append(event)
    return grouped


def _ids(events: Iterable[SearchEvent]) -> tuple[str, ...]:
    return tuple(e.event_id for e in events)


def vague_purposes(events: Sequence[SearchEvent], t: MisuseThresholds) -> list[Signal]:
    signals = []
    for username, mine in sorted(_by_user(events).items()):
        vague = [e for e in mine if len(specific_words(e.purpose)) < t.min_specific_words]
        if vague:
            examples = ", ".join(f'"{p}"' for p, _ in Counter(e.purpose for e in vague).most_common(3))
            signals.append(
                Signal(
                    SignalKind.VAGUE_PURPOSE,
                    username,
                    _ids(vague),
                    f"{len(vague)} of {len(mine)} searches state a purpose with fewer than {t.min_specific_words} "
                    f"specific words (e.g. {examples}); a purpose must say why this plate, for this case.",
                )
            )
    return signals


def repeated_purposes(events: Sequence[SearchEvent], t: MisuseThresholds) -> list[Signal]:
    signals = []
    for username, mine in sorted(_by_user(events).items()):
        by_text: dict[str, list[SearchEvent]] = defaultdict(list)
        for event in mine:
            by_text[normalized_purpose(event.purpose)].append(event)
        for _, same in sorted(by_text.items()):
            cases = {e.case_number for e in same}
            if len(same) >= t.repeated_purpose_searches and len(cases) >= t.repeated_purpose_cases:
                signals.append(
                    Signal(
                        SignalKind.REPEATED_PURPOSE,
                        username,
                        _ids(same),
                        f'The same purpose "{same[0].purpose}" was given for {len(same)} searches across '
                        f"{len(cases)} different case numbers: copied text rather than a reason per search.",
                    )
                )
    return signals


def usual_hours(history: Sequence[SearchEvent], tz: tzinfo, tolerance: int) -> set[int]:
    seen = {e.event_time.astimezone(tz).hour for e in history}
    return {(hour + delta) % 24 for hour in seen for delta in range(-tolerance, tolerance + 1)}


def off_hours(
    events: Sequence[SearchEvent], history: Sequence[SearchEvent], tz: tzinfo, t: MisuseThresholds
) -> list[Signal]:
    signals = []
    past = _by_user(history)
    for username, mine in sorted(_by_user(events).items()):
        baseline = past.get(username, [])
        if len(baseline) < t.usual_hours_min_history:
            continue  # no reliable pattern yet: silence rather than noise
        hours = usual_hours(baseline, tz, t.usual_hours_tolerance)
        odd = [e for e in mine if e.event_time.astimezone(tz).hour not in hours]
        if odd:
            when = ", ".join(sorted({e.event_time.astimezone(tz).strftime("%a %H:%M") for e in odd})[:5])
            signals.append(
                Signal(
                    SignalKind.OFF_HOURS,
                    username,
                    _ids(odd),
                    f"{len(odd)} searches at hours this user never searched in the {len(baseline)} searches "
                    f"before the period (local time: {when}).",
                )
            )
    return signals


def plate_concentration(events: Sequence[SearchEvent], t: MisuseThresholds) -> list[Signal]:
    signals = []
    for username, mine in sorted(_by_user(events).items()):
        by_plate: dict[str, list[SearchEvent]] = defaultdict(list)
        for event in mine:
            if event.plate and not event.partial:
                by_plate[event.plate].append(event)
        for plate, same in sorted(by_plate.items()):
            if len(same) >= t.plate_repeat_searches:
                cases = sorted({e.case_number for e in same})
                signals.append(
                    Signal(
                        SignalKind.PLATE_CONCENTRATION,
                        username,
                        _ids(same),
                        f"Plate {plate} searched {len(same)} times in the period under case number(s) "
                        f"{', '.join(cases)}: repeated interest in one vehicle is how tracking a person looks.",
                    )
                )
    return signals


def unknown_case_numbers(events: Sequence[SearchEvent], agency: str, registry: CaseRegistry | None) -> list[Signal]:
    if registry is None:
        return []  # no case list configured: the report says this signal was not evaluated
    known = registry.known(agency, {e.case_number for e in events if e.case_number})
    signals = []
    for username, mine in sorted(_by_user(events).items()):
        unknown = [e for e in mine if e.case_number not in known]
        if unknown:
            numbers = sorted({e.case_number or "(none)" for e in unknown})
            signals.append(
                Signal(
                    SignalKind.UNKNOWN_CASE_NUMBER,
                    username,
                    _ids(unknown),
                    f"{len(unknown)} searches cite case numbers the agency's case list does not hold: "
                    f"{', '.join(numbers[:5])}{' ...' if len(numbers) > 5 else ''}.",
                )
            )
    return signals


def partial_bursts(events: Sequence[SearchEvent], t: MisuseThresholds) -> list[Signal]:
    signals = []
    for username, mine in sorted(_by_user(events).items()):
        partial = sorted((e for e in mine if e.partial), key=lambda e: e.event_time)
        start, best = 0, (0, 0)
        for end in range(len(partial)):  # sliding window over time
            while partial[end].event_time - partial[start].event_time > t.partial_burst_window:
                start += 1
            if end - start + 1 > best[1] - best[0]:
                best = (start, end + 1)
        burst = partial[best[0] : best[1]]
        if len(burst) >= t.partial_burst_searches:
            minutes = int(t.partial_burst_window.total_seconds() // 60)
            signals.append(
                Signal(
                    SignalKind.PARTIAL_BURST,
                    username,
                    _ids(burst),
                    f"{len(burst)} partial-plate searches within {minutes} minutes starting "
                    f"{burst[0].event_time.isoformat(timespec='minutes')}: wildcard searches sweep up "
                    "many vehicles and are the easiest to misuse.",
                )
            )
    return signals


def detect_misuse(
    events: Sequence[SearchEvent],
    *,
    agency: str,
    history: Sequence[SearchEvent] = (),
    cases: CaseRegistry | None = None,
    thresholds: MisuseThresholds | None = None,
    tz: tzinfo = UTC,
) -> list[Signal]:
    """Every signal over the period's searches (`history`: earlier searches, for usual hours)."""
    t = thresholds or MisuseThresholds()
    return [
        *vague_purposes(events, t),
        *repeated_purposes(events, t),
        *off_hours(events, history, tz, t),
        *plate_concentration(events, t),
        *unknown_case_numbers(events, agency, cases),
        *partial_bursts(events, t),
    ]


def flagged_event_ids(signals: Iterable[Signal]) -> dict[str, list[str]]:
    """eventID -> the kinds of signal that flagged it."""
    flagged: dict[str, list[str]] = defaultdict(list)
    for signal in signals:
        for event_id in signal.event_ids:
            if signal.kind.value not in flagged[event_id]:
                flagged[event_id].append(signal.kind.value)
    return dict(flagged)
