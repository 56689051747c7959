"""Plate text normalization: the one definition of what a plate string is."""

from __future__ import annotations

import re

_NOT_PLATE_CHARS = re.compile(r"[^A-Z0-9]")
MAX_PLATE_LENGTH = 10


def normalize_plate(text: str) -> str:
    """Uppercase and keep only A-Z and 0-9 (spaces, dashes, dots and symbols go)."""
    return _NOT_PLATE_CHARS.sub("", text.upper())


def is_valid_plate(plate: str) -> bool:
    """A normalized plate has 1-10 characters of A-Z0-9."""
    return 0 < len(plate) <= MAX_PLATE_LENGTH and not _NOT_PLATE_CHARS.search(plate)
