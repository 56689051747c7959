"""Plate-syntax post-processing of a raw line reading.

Generic OCR reads glyphs, but plates follow conventions a generic model does not know:
- many formats fix which positions hold letters and which digits (Croatian/Slovak `RK 123-AB`, Brazilian
  `ABC1D23`, UK `AB12 CDE`), which settles 0/O, 1/I, 8/B, 5/S, 2/Z, 6/G confusions;
- most US states print O and 0 with one glyph, and registrations are recorded with the digit 0;
- emblems, bolts and country badges at the ends of a plate get read as one low-confidence character.
"""

from __future__ import annotations

from dataclasses import replace

from .recognizer import LineReading

_TO_LETTER = {"0": "O", "1": "I", "8": "B", "5": "S", "2": "Z", "6": "G"}
_TO_DIGIT = {"O": "0", "D": "0", "Q": "0", "I": "1", "B": "8", "S": "5", "Z": "2", "G": "6"}
# L = letter, D = digit, with how many look-alike swaps each may make. US plates mix letters and digits
# freely (1AA4679 is valid), so only European formats coerce; LLLDDDD (Brazil, many US states) only
# protects an O in its letter positions from the O->0 rule below.
_PATTERNS = {"LLDDDLL": 1, "LLDDLLL": 1, "LLLDDDD": 0}
_EDGE_MIN_PROB = 0.5


def _coerce(text: str, pattern: str, max_swaps: int) -> tuple[str, int] | None:
    """`text` fitted to `pattern` by swapping look-alike glyphs, with the swap count; None if it cannot."""
    if len(text) != len(pattern):
        return None
    out, swaps = [], 0
    for ch, kind in zip(text, pattern, strict=True):
        if kind == "L" and ch.isdigit():
            ch, swaps = _TO_LETTER.get(ch, ""), swaps + 1
        elif kind == "D" and ch.isalpha():
            ch, swaps = _TO_DIGIT.get(ch, ""), swaps + 1
        if not ch:
            return None
        out.append(ch)
    return ("".join(out), swaps) if swaps <= max_swaps else None


def _trim_edges(reading: LineReading) -> LineReading:
    """Drop one doubtful character at either end (badges, bolts, frame edges) when enough text remains."""
    start, end = 0, len(reading.text)
    if end - start > 5 and reading.char_probs[start] < _EDGE_MIN_PROB:
        start += 1
    if end - start > 5 and reading.char_probs[end - 1] < _EDGE_MIN_PROB:
        end -= 1
    if (start, end) == (0, len(reading.text)):
        return reading
    return replace(
        reading,
        text=reading.text[start:end],
        char_probs=reading.char_probs[start:end],
        runner_ups=reading.runner_ups[start:end],
    )


def apply_plate_syntax(reading: LineReading, fold_o: bool = True) -> LineReading:
    """Apply format rules; `fold_o=False` keeps O (for a model trained on labels with that convention)."""
    reading = _trim_edges(reading)
    text = reading.text
    fits = [f for p, n in _PATTERNS.items() if (f := _coerce(text, p, n)) is not None]
    if fits:
        return replace(reading, text=min(fits, key=lambda f: f[1])[0])
    # No lettered format pins the O down: record it as the digit, as US registrations do.
    return replace(reading, text=text.replace("O", "0")) if fold_o else replace(reading, text=text)
