"""One plate, one read: readings of the same plate in one frame merged by their text and their place.

The reader may read one plate twice through different boxes (a joined and a split text line, a crop
of the plate region and the whole photo) whose overlap is small, so overlap alone (it merged only
above 0.3) let one plate be stored as two reads. Two readings are one plate when their texts agree
(equal, or one inside the other, or one character apart) and their boxes are neighbours on one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class _Reading(Protocol):
    @property
    def plate(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def box(self) -> tuple[int, int, int, int]: ...


R = TypeVar("R", bound=_Reading)


def merge_same_plate(readings: Sequence[R]) -> list[R]:
    """Keep the most confident reading of each plate, in the input's order of the kept ones."""
    kept: list[R] = []
    for reading in sorted(readings, key=lambda r: r.confidence, reverse=True):
        if not any(same_plate(reading, other) for other in kept):
            kept.append(reading)
    order = {id(r): i for i, r in enumerate(readings)}
    return sorted(kept, key=lambda r: order[id(r)])


def same_plate(a: _Reading, b: _Reading) -> bool:
    return _texts_agree(a.plate, b.plate) and _neighbours(a.box, b.box)


def _texts_agree(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 3 and short in long and len(long) - len(short) <= 2:
        return True  # a split line read in part
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def _neighbours(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Boxes that touch or lie within a plate's height of each other, on the same line."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    height = max(ah, bh, 1)
    gap_x = max(0, max(ax, bx) - min(ax + aw, bx + bw))
    gap_y = max(0, max(ay, by) - min(ay + ah, by + bh))
    same_line = abs((ay + ah / 2) - (by + bh / 2)) <= height
    return gap_x <= height and gap_y <= height / 2 and same_line
