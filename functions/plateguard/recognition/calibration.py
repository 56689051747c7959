"""Map the reader's ranking score to a confidence that says how often such reads are exactly right.

The ranking score multiplies the read's probability by plate-likeness and by penalties (the two models
disagree: x0.7; an O/0 glyph next to a letter: x0.85), so below 0.9 it is conservative: reads scored
0.3-0.7 were right 50-85 % of the time. The calibration is an isotonic (monotone) fit of "top read exactly
right" against that score, measured on photos the models did not train on (training/calibrate.py).

The alert band is kept as it is: a score >= `band` (0.9) is passed through unchanged and every lower score
maps below `band`. Only reads on which both models agree and that have no O/0 ambiguity reach 0.9, and
among those >= 99 % are exact; a fit on a few hundred photos must not promote anything into that band.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_BAND = 0.9
_BELOW_BAND = 0.001  # calibrated values stay at least this far under the band


class CalibrationError(ValueError):
    """A calibration file is missing, malformed or not monotone."""


@dataclass(frozen=True)
class Calibration:
    scores: tuple[float, ...]  # knot positions on the ranking score, increasing, all < band
    confidences: tuple[float, ...]  # calibrated confidence at each knot, non-decreasing, all < band
    band: float = DEFAULT_BAND

    def __post_init__(self) -> None:
        if len(self.scores) != len(self.confidences) or len(self.scores) < 2:
            raise CalibrationError("a calibration needs at least two (score, confidence) knots of equal count")
        if not 0 < self.band <= 1:
            raise CalibrationError(f"band must be in (0, 1], got {self.band}")
        if any(b <= a for a, b in zip(self.scores, self.scores[1:], strict=False)):
            raise CalibrationError("knot scores must be strictly increasing")
        if any(b < a for a, b in zip(self.confidences, self.confidences[1:], strict=False)):
            raise CalibrationError("knot confidences must not decrease (the map must keep the reads' order)")
        values = (*self.scores, *self.confidences)
        if any(not math.isfinite(v) or v < 0 or v >= self.band for v in values):
            raise CalibrationError(f"knot scores and confidences must lie in [0, band={self.band})")

    def apply(self, score: float) -> float:
        """The calibrated confidence of a read with this ranking score (monotone in the score)."""
        if score >= self.band:
            return min(1.0, score)
        return float(np.interp(max(0.0, score), self.scores, self.confidences))


def fit_isotonic(
    pairs: Iterable[tuple[float, bool]], band: float = DEFAULT_BAND, max_knots: int = 24
) -> tuple[Calibration, list[tuple[float, float, int]]]:
    """Pool-adjacent-violators fit of P(exact | score) on the reads scored below `band`.

    Returns the calibration (knots at each pooled block's mean score, values capped just under the band)
    and the blocks as (mean score, exact rate, reads) for the record.
    """
    below = sorted((float(s), bool(ok)) for s, ok in pairs if 0 < s < band)
    if len(below) < 2:
        raise CalibrationError("need at least two reads scored below the band to fit a calibration")
    tied: dict[float, list[float]] = {}  # reads with the same score are one block from the start
    for score, ok in below:
        cell = tied.setdefault(score, [0.0, 0.0, 0.0])
        cell[0], cell[1], cell[2] = cell[0] + score, cell[1] + ok, cell[2] + 1
    blocks: list[list[float]] = []  # [sum of scores, exact reads, reads]
    for cell in tied.values():  # in increasing score order (below is sorted)
        blocks.append(cell)
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            s, k, n = blocks.pop()
            blocks[-1] = [blocks[-1][0] + s, blocks[-1][1] + k, blocks[-1][2] + n]
    pooled = [(s / n, k / n, int(n)) for s, k, n in blocks]
    ceiling = band - _BELOW_BAND
    knots: dict[float, float] = {0.0: 0.0}
    for mean_score, rate, _ in pooled:
        knots[round(mean_score, 4)] = min(rate, ceiling)
    knots[round(ceiling, 4)] = max(knots.values())  # flat up to the band: the fit has nothing above
    scores = sorted(knots)
    if len(scores) > max_knots:
        keep = np.linspace(0, len(scores) - 1, max_knots).round().astype(int)
        scores = [scores[i] for i in sorted(set(keep))]
    confidences = np.maximum.accumulate([knots[s] for s in scores]).tolist()
    return Calibration(tuple(scores), tuple(round(c, 4) for c in confidences), band), pooled


def load_calibration(path: Path) -> Calibration:
    try:
        data = json.loads(path.read_text())
        knots = data["knots"]
        return Calibration(
            tuple(float(s) for s, _ in knots), tuple(float(c) for _, c in knots), float(data.get("band", 0.9))
        )
    except FileNotFoundError as exc:
        raise CalibrationError(f"calibration file missing: {path}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise CalibrationError(f"calibration file {path} is not valid: {exc}") from exc


@functools.cache
def shipped_calibration() -> Calibration:
    """The calibration fitted by training/calibrate.py and shipped beside the models (see its card)."""
    return load_calibration(Path(__file__).with_name("models") / "calibration.json")
