"""In-memory hot-list index: a read costs a dict lookup, not a DynamoDB call.

The index is loaded once per container per agency and refreshed after `refresh_seconds`.
Expired entries never match, whether or not DynamoDB TTL has deleted them yet.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from plateguard.logic.retention import is_expired
from plateguard.models.records import HotListEntry


@dataclass(frozen=True)
class HotListMatch:
    entry: HotListEntry
    match_quality: str  # "exact" here; OCR-confusion matching adds "ambiguous"


class HotListIndex:
    def __init__(self, entries: Iterable[HotListEntry]) -> None:
        self._by_plate: dict[str, list[HotListEntry]] = defaultdict(list)
        for entry in entries:
            self._by_plate[entry.plate].append(entry)

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_plate.values())

    def match(self, plate: str, now: datetime) -> list[HotListMatch]:
        return [
            HotListMatch(entry, "exact")
            for entry in self._by_plate.get(plate, ())
            if not is_expired(entry.expires_at, now)
        ]


class HotListCache:
    """Per-agency indexes with a refresh interval; `loader(agency)` returns that agency's entries."""

    def __init__(
        self,
        loader: Callable[[str], Iterable[HotListEntry]],
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._indexes: dict[str, tuple[float, HotListIndex]] = {}

    def index_for(self, agency: str) -> HotListIndex:
        cached = self._indexes.get(agency)
        now = self._clock()
        if cached is None or now - cached[0] >= self._refresh_seconds:
            cached = (now, HotListIndex(self._loader(agency)))
            self._indexes[agency] = cached
        return cached[1]
