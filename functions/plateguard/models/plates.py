"""Plate text normalization: the one definition of what a plate string is."""

from __future__ import annotations

import re

_NOT_PLATE_CHARS = re.compile(r"[^A-Z0-9]")
# Spaces and dashes are how plates are written on paper; nothing else is dropped from what people type.
_PLATE_SEPARATORS = re.compile(r"[ \-]")
MAX_PLATE_LENGTH = 10


def canonical_plate_text(text: str) -> str:
    """The one rule for plates people type (hot-list entries and imports, searches and their patterns):
    upper case, surrounding space and the separators ' ' and '-' dropped. Any other character is kept,
    so the caller refuses it: a plate that is refused in a search is never silently stored on a list."""
    return _PLATE_SEPARATORS.sub("", text.strip().upper())


def normalize_plate(text: str) -> str:
    """What a plate reader's text becomes: upper case, only A-Z and 0-9 kept (OCR output, not user input;
    people's plates go through canonical_plate_text and are refused, not stripped)."""
    return _NOT_PLATE_CHARS.sub("", text.upper())


def is_valid_plate(plate: str) -> bool:
    """A normalized plate has 1-10 characters of A-Z0-9."""
    return 0 < len(plate) <= MAX_PLATE_LENGTH and not _NOT_PLATE_CHARS.search(plate)
