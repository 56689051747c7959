"""In-memory hot-list index: a read costs a few array lookups, not a DynamoDB call.

Matching is OCR-aware. A read matches an entry when their canonical forms (confusable characters
folded, see logic/confusion.py) are equal, or equal after deleting one character from either side
(a missed or an extra character). The match is `exact` when the plates are identical and
`ambiguous` otherwise, with the differing positions, so an officer knows what to check.

Memory matters at 1,000,000 entries, so the index is columnar: 64-bit hashes of the canonical forms
and of their one-deletion variants in sorted numpy arrays, pointing at row numbers; candidates are
verified against the real strings, so a hash collision can never create a match.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from plateguard.logic.confusion import canonical, differing_positions
from plateguard.models.records import HotListEntry


@dataclass(frozen=True)
class HotListMatch:
    entry: HotListEntry
    match_quality: str  # "exact" | "ambiguous"
    differing_positions: tuple[int, ...] = field(default_factory=tuple)


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))} if len(text) > 1 else set()


class _HashIndex:
    """Sorted (hash, row) pairs: many-to-many lookups with one searchsorted call."""

    def __init__(self, hashes: list[int], rows: list[int]) -> None:
        keys = np.array(hashes, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.rows = np.array(rows, dtype=np.int32)[order]

    def lookup(self, hashes: Sequence[int]) -> set[int]:
        if not len(self.keys) or not hashes:
            return set()
        query = np.array(hashes, dtype=np.int64)
        left = np.searchsorted(self.keys, query, side="left")
        right = np.searchsorted(self.keys, query, side="right")
        found: set[int] = set()
        for lo, hi in zip(left.tolist(), right.tolist(), strict=True):
            if hi > lo:
                found.update(self.rows[lo:hi].tolist())
        return found

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.rows.nbytes)


class HotListIndex:
    def __init__(self, entries: Iterable[HotListEntry]) -> None:
        self._entries: list[HotListEntry] = list(entries)
        self._canonical: list[str] = [canonical(e.plate) for e in self._entries]
        self._expires = np.array([e.expires_at for e in self._entries], dtype=np.int64)
        whole_hashes: list[int] = []
        whole_rows: list[int] = []
        deletion_hashes: list[int] = []
        deletion_rows: list[int] = []
        for row, folded in enumerate(self._canonical):
            whole_hashes.append(hash(folded))
            whole_rows.append(row)
            for variant in _deletions(folded):
                deletion_hashes.append(hash(variant))
                deletion_rows.append(row)
        self._whole = _HashIndex(whole_hashes, whole_rows)
        self._deleted = _HashIndex(deletion_hashes, deletion_rows)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """Bytes held by the numeric arrays (the entry objects come on top)."""
        return self._whole.nbytes + self._deleted.nbytes + int(self._expires.nbytes)

    def match(self, plate: str, now: datetime) -> list[HotListMatch]:
        folded = canonical(plate)
        read_deletions = _deletions(folded)
        # Same canonical form, or the read has one extra character.
        rows = self._whole.lookup([hash(folded), *(hash(v) for v in read_deletions)])
        # The read misses one character: the entry minus one character equals the read.
        rows |= self._deleted.lookup([hash(folded)])
        if not rows:
            return []
        now_epoch = now.timestamp()
        matches = []
        for row in sorted(rows):
            if self._expires[row] <= now_epoch:
                continue  # expired entries never match, whether or not TTL has removed them
            listed = self._canonical[row]
            if not (listed == folded or listed in read_deletions or folded in _deletions(listed)):
                continue  # hash collision
            entry = self._entries[row]
            if entry.plate == plate:
                matches.append(HotListMatch(entry, "exact"))
            else:
                matches.append(HotListMatch(entry, "ambiguous", tuple(differing_positions(plate, entry.plate))))
        # Exact matches first: they decide the alert's wording.
        return sorted(matches, key=lambda m: m.match_quality != "exact")


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

    def invalidate(self, agency: str | None = None) -> None:
        """Drop cached indexes (on a change notification) so the next read reloads."""
        if agency is None:
            self._indexes.clear()
        else:
            self._indexes.pop(agency, None)
