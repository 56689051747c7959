"""Plate-syntax post-processing: format rules, the O/0 convention and edge trimming."""

from __future__ import annotations

import subprocess
import sys

from plateguard.recognition.formats import apply_plate_syntax
from plateguard.recognition.recognizer import LineReading


def _reading(text: str, probs: list[float] | None = None) -> LineReading:
    probs = probs or [0.99] * len(text)
    return LineReading(text, tuple(probs), tuple(("", 0.0) for _ in text))


def test_european_format_settles_look_alike_glyphs() -> None:
    """Given a Slovak/Croatian-style LLDDDLL reading with a 0 and a 1 in letter positions,
    when post-processed, then they become the letters O and I."""
    assert apply_plate_syntax(_reading("RK896A0")).text == "RK896AO"
    assert apply_plate_syntax(_reading("BA2681M")).text == "BA268IM"


def test_us_readings_use_the_digit_zero_but_letter_positions_keep_o() -> None:
    """Given readings outside the lettered formats, when post-processed, then O is recorded as 0
    (US convention); an O in LLLDDDD's letter positions stays a letter."""
    assert apply_plate_syntax(_reading("HLOKTY1")).text == "HL0KTY1"
    assert apply_plate_syntax(_reading("OKR1234")).text == "OKR1234"
    assert apply_plate_syntax(_reading("HLOKTY1"), fold_o=False).text == "HLOKTY1"


def test_us_formats_are_not_coerced() -> None:
    """Given valid US registrations that resemble a lettered format, when post-processed, then they
    are left alone (1AA4679 must not become IAA4679)."""
    assert apply_plate_syntax(_reading("1AA4679")).text == "1AA4679"
    assert apply_plate_syntax(_reading("7FR971")).text == "7FR971"


def test_doubtful_edge_character_is_dropped() -> None:
    """Given a badge read as a low-confidence first character, when post-processed, then it is dropped
    along with its confidence; a confident short reading keeps all characters."""
    out = apply_plate_syntax(_reading("GRK115AN", [0.27] + [0.99] * 7))
    assert out.text == "RK115AN"
    assert len(out.char_probs) == 7
    assert apply_plate_syntax(_reading("ABC12", [0.3, 0.9, 0.9, 0.9, 0.9])).text == "ABC12"


def test_import_builds_no_onnx_session() -> None:
    """Given a fresh interpreter, when the package is imported, then no ONNX session exists yet."""
    code = (
        "import plateguard.recognition as r; from plateguard.recognition import _sessions; "
        "import sys; sys.exit(_sessions.session.cache_info().currsize)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
