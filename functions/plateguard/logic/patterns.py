"""Plate query patterns: an exact plate, or a partial one with `?` (one character) and `*` (any run).

The matcher is a small dynamic program rather than a regular expression, so its cost is bounded by
len(pattern) x len(plate) whatever the input (no backtracking blow-up on patterns like `*A*A*A*`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plateguard.models.plates import MAX_PLATE_LENGTH, canonical_plate_text

MAX_PATTERN_LENGTH = 20
# Spaces and dashes are dropped (plates.canonical_plate_text, the rule hot lists use too); anything else
# outside A-Z0-9?* is refused (a plate query is never SQL, a path or markup: nothing to escape, only to reject).
_PATTERN_CHARS = re.compile(r"^[A-Z0-9?*]+$")
_STARS = re.compile(r"\*+")


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class PlatePattern:
    text: str  # normalized: uppercase, separators removed, runs of `*` collapsed

    @property
    def is_exact(self) -> bool:
        return "?" not in self.text and "*" not in self.text

    @property
    def literal_count(self) -> int:
        return sum(1 for c in self.text if c not in "?*")

    def matches(self, plate: str) -> bool:
        return wildcard_match(self.text, plate)


def parse_plate_pattern(raw: str) -> PlatePattern:
    """Normalize a plate or partial-plate query, or raise PatternError saying what is wrong."""
    if len(raw) > MAX_PATTERN_LENGTH * 2:
        raise PatternError(f"plate pattern longer than {MAX_PATTERN_LENGTH} characters")
    text = _STARS.sub("*", canonical_plate_text(raw))
    if not text:
        raise PatternError("plate pattern is empty")
    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternError(f"plate pattern longer than {MAX_PATTERN_LENGTH} characters")
    if not _PATTERN_CHARS.match(text):
        raise PatternError("plate pattern may contain only A-Z, 0-9, '?' (one character) and '*' (any run)")
    fixed = sum(1 for c in text if c != "*")
    if fixed > MAX_PLATE_LENGTH:
        raise PatternError(f"plate pattern needs more than {MAX_PLATE_LENGTH} characters, longer than any plate")
    return PlatePattern(text)


def wildcard_match(pattern: str, text: str) -> bool:
    """Whole-string match: `?` is exactly one character, `*` is any run (including none)."""
    # reachable[j]: pattern[:i] can match text[:j]
    reachable = [True] + [False] * len(text)
    for symbol in pattern:
        if symbol == "*":
            for j in range(1, len(text) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
        else:
            for j in range(len(text), 0, -1):
                reachable[j] = reachable[j - 1] and (symbol == "?" or symbol == text[j - 1])
            reachable[0] = False
    return reachable[len(text)]
