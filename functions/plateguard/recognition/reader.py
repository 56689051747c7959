"""The plate reader: text detection -> plate candidates -> plate-restricted recognition -> ranking."""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from plateguard.models.plates import normalize_plate

from . import _sessions
from .calibration import Calibration, shipped_calibration
from .candidates import Candidate, aspect_prior, dominance_factors, join_boxes, plate_prior, score_candidate
from .detector import TextBox, TextDetector
from .formats import apply_plate_syntax
from .plate_detector import PlateBox, PlateDetector
from .recognizer import LineReading, LineRecognizer, PlateRecognizer, warp_crop

MAX_LINES = 40  # text lines sent to the recognizer per image; bounds worst-case latency
MAX_ALTERNATIVES = 3
# The plate CRNN learned each state's O/0 convention from its labels, so its O is kept (generic OCR: folded).
FOLD_O_PLATE_MODEL = False
DISAGREEMENT_FACTOR = 0.7
AMBIGUOUS_ZERO_FACTOR = 0.85
_SWAP_ZERO = str.maketrans("0O", "O0")
_AMBIGUOUS_ZERO = re.compile(r"[A-Z][0O]|[0O][A-Z]")
MAX_PLATE_REGIONS = 4  # plate-detector boxes read per image, best first
# px: a detected plate is enlarged (or reduced) to these heights in turn until one reading is confident.
# Measured on US dev photos: (80,) 0.888, (80, 56) 0.918, (56, 80) 0.929 exact; 56 first is also faster.
REGION_PLATE_HEIGHTS = (56, 80)


@dataclass(frozen=True)
class RecognizedPlate:
    plate: str  # normalized A-Z0-9
    raw_text: str  # as read
    confidence: float  # 0..1, calibrated (see calibration.py)
    box: tuple[int, int, int, int]  # x, y, w, h in the input image's pixels
    char_confidences: tuple[float, ...]
    alternatives: tuple[tuple[str, float], ...]  # other readings with their confidence
    score: float = -1.0  # the uncalibrated ranking score the reader's own thresholds use; -1 when not set


class PlateReader:
    def __init__(
        self,
        detector: TextDetector,
        recognizer: LineRecognizer,
        plate_recognizer: PlateRecognizer | None = None,
        reread_top: int = 4,
        detect_sides: tuple[int, ...] = (960, 1280),
        early_exit_confidence: float = 0.5,
        plate_detector: PlateDetector | None = None,
        plate_sides: tuple[int, ...] = (768,),
        region_accept_confidence: float = 0.7,
        region_heights: tuple[int, ...] = REGION_PLATE_HEIGHTS,
        whole_photo_below: float = 0.5,
        calibration: Calibration | None = None,
    ) -> None:
        self._detector = detector
        self._recognizer = recognizer
        self._plate_recognizer = plate_recognizer
        # Plate regions first: when one of them reads with confidence >= region_accept_confidence, the
        # whole-photo text-detection passes are skipped (they cost 100-300 ms on a 1080p photo). Otherwise
        # those passes run too and every candidate competes. Measured on US dev photos: 0.867 exact at
        # 132 ms median CPU (whole photo only) -> 0.929 at ~75 ms (regions first).
        self._plate_detector = plate_detector
        self.plate_sides = plate_sides  # plate-detector passes, coarse to fine (new boxes only)
        self.region_accept_confidence = region_accept_confidence
        # After the last height, the best region read stands unless it is below whole_photo_below; only
        # then do the whole-photo passes run. Measured on US dev photos (with the in-plate digits prior in
        # candidates.py): 0.929 exact either way, photos paying for whole-photo text detection 40 % -> 15 %,
        # median 81 -> 62 ms, p90 ~370 -> ~210 ms.
        self.whole_photo_below = whole_photo_below
        self.region_heights = region_heights  # plate heights (px) a region is read at, until one is confident
        self.reread_top = reread_top
        # Coarse-to-fine: a second, finer detection pass runs only when the first found no plate read
        # with confidence >= early_exit_confidence (small or distant plates). Measured on US dev photos:
        # 0.786 -> 0.867 exact for +10 % median and +80 % p90 CPU time.
        self.detect_sides = detect_sides
        self.early_exit_confidence = early_exit_confidence
        # Maps the ranking score to the reported confidence; the thresholds above stay on the score.
        self.calibration = calibration

    # The models it reads with, for benchmarks and training that run one of them alone.
    @property
    def detector(self) -> TextDetector:
        return self._detector

    @property
    def recognizer(self) -> LineRecognizer:
        return self._recognizer

    @property
    def plate_detector(self) -> PlateDetector | None:
        return self._plate_detector

    def candidates(self, image_bgr: np.ndarray) -> list[Candidate]:
        """Every scored plate candidate in the image, best first (exposed for benchmarks and tuning)."""
        if image_bgr is None or image_bgr.ndim not in (2, 3) or min(image_bgr.shape[:2]) < 8:
            return []
        if image_bgr.ndim == 2:
            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
        elif image_bgr.shape[2] == 4:
            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_BGRA2BGR)
        found: list[Candidate] = []
        if self._plate_detector is not None:
            searched: list[tuple[int, int, int, int]] = []
            for side in self.plate_sides:
                boxes = [
                    b
                    for b in self._plate_detector.detect(image_bgr, side)
                    if not any(_overlap((b.x, b.y, b.w, b.h), s) > 0.5 for s in searched)
                ][:MAX_PLATE_REGIONS]
                searched += [(box.x, box.y, box.w, box.h) for box in boxes]
                for plate_height in self.region_heights:
                    for box in boxes:
                        found += self._region_candidates(image_bgr, box, plate_height)
                    found.sort(key=lambda c: c.score, reverse=True)
                    if _best_score(found) >= self.region_accept_confidence:
                        return found
                if _best_score(found) >= self.whole_photo_below:
                    return found
        done: set[int] = set()
        for n, side in enumerate(self.detect_sides):
            effective = min(side, max(image_bgr.shape[:2]))  # never upscaled: a repeat would add nothing
            if effective in done:
                break
            done.add(effective)
            found += self._candidates_at(image_bgr, side)
            found.sort(key=lambda c: c.score, reverse=True)
            last = n == len(self.detect_sides) - 1
            if last or _best_score(found) >= self.early_exit_confidence:
                break
        return found

    def _region_candidates(
        self, image_bgr: np.ndarray, box: PlateBox, plate_height: int = REGION_PLATE_HEIGHTS[0]
    ) -> list[Candidate]:
        """Candidates read inside one detected plate (see `plate_region`)."""
        found = plate_region(image_bgr, box, plate_height)
        if found is None:
            return []
        region, scale, offset = found
        plate_box = (box.x, box.y, box.w, box.h)
        return [
            dataclasses.replace(c, corners=c.corners / scale + offset, plate_box=plate_box)
            for c in self._candidates_at(region, max(region.shape[:2]), in_plate=True)
        ]

    def _candidates_at(self, image_bgr: np.ndarray, max_side: int, in_plate: bool = False) -> list[Candidate]:
        lines = text_lines(self._detector, image_bgr, max_side, in_plate)
        crops = [warp_crop(image_bgr, b.corners) for b in lines]
        readings = [apply_plate_syntax(r) for r in self._recognizer.recognize(crops)]
        scored = [(score_candidate(r, b, in_plate), i) for i, (r, b) in enumerate(zip(readings, lines, strict=True))]
        if self._plate_recognizer is not None and self.reread_top > 0:
            # The generic OCR finds which lines look like plates; the plate model re-reads the best few.
            top = [i for s, i in sorted(scored, reverse=True)[: self.reread_top] if s > 0]
            generic = {i: readings[i].text for i in top}
            for i, r in zip(top, self._plate_recognizer.recognize([crops[i] for i in top]), strict=True):
                plate_reading = apply_plate_syntax(r, fold_o=FOLD_O_PLATE_MODEL)
                # Neither model wins outright on unseen photos; the more confident one is right more often.
                if plate_reading.confidence >= readings[i].confidence:
                    readings[i] = plate_reading
                else:
                    generic[i] = plate_reading.text
                scored[i] = (score_candidate(readings[i], lines[i], in_plate), i)
        else:
            generic = {}
        factors = dominance_factors(lines, [plate_prior(r.text) for r in readings])
        cands = [
            Candidate(readings[i], lines[i].corners, lines[i].score, s * factors[i], generic.get(i)) for s, i in scored
        ]
        cands.sort(key=lambda c: c.score, reverse=True)
        return cands

    def read(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:
        plates: list[RecognizedPlate] = []
        for cand in self.candidates(image_bgr):
            if cand.score <= 0.05:
                break
            box = cand.plate_box or _rect(cand.corners)
            if any(_overlap(box, p.box) > 0.3 for p in plates):
                continue  # the same plate read through another (joined or split) box
            plates.append(_to_plate(cand, box))
        if self.calibration is not None:
            plates = [_calibrated(p, self.calibration) for p in plates]
        plates.sort(key=lambda p: (p.confidence, p.score), reverse=True)  # the calibration has flat stretches
        return plates


def plate_region(
    image_bgr: np.ndarray, box: PlateBox, plate_height: int = REGION_PLATE_HEIGHTS[0]
) -> tuple[np.ndarray, float, np.ndarray] | None:
    """The detected plate cut out with a margin and scaled so the plate is `plate_height` px high (never
    below half size): (region, scale, offset of the region in the photo)."""
    height, width = image_bgr.shape[:2]
    # The whole blob plus a margin: the calibrated box can cut a plate's first or last character.
    bx, by, bw, bh = box.blob if box.blob[2] > 0 else (box.x, box.y, box.w, box.h)
    pad_x, pad_y = 0.15 * bw + 4, 0.2 * bh + 4
    x0, y0 = max(0, int(bx - pad_x)), max(0, int(by - pad_y))
    x1, y1 = min(width, int(bx + bw + pad_x)), min(height, int(by + bh + pad_y))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    scale = float(np.clip(plate_height / max(box.h, 1), 0.5, 4.0))
    region = cv2.resize(
        image_bgr[y0:y1, x0:x1],
        None,
        fx=scale,
        fy=scale,
        interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA,
    )
    return region, scale, np.array([x0, y0], np.float32)


def text_lines(detector: TextDetector, image_bgr: np.ndarray, max_side: int, in_plate: bool = False) -> list[TextBox]:
    """Text lines worth reading: single detections, side-by-side pairs and (inside a plate) longer runs."""
    detected = detector.detect(image_bgr, max_side)
    boxes = [b for b in detected if worth_reading(b)]
    boxes.sort(key=lambda b: b.score * b.rect[3], reverse=True)
    boxes = boxes[:MAX_LINES]
    pairs = ((a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    joined = [j for a, b in pairs if (j := join_boxes(a, b)) is not None]
    if in_plate:
        # An enlarged plate splits into pieces at wide gaps (a lone leading "6", "ABC 1234"): chains of
        # neighbours on one baseline, single characters included, are read as whole lines too.
        joined += _chains([b for b in detected if b.rect[3] >= 8 and b.rect[2] >= 3][:MAX_LINES])
    return boxes + joined[:MAX_LINES]


def _chains(boxes: list[TextBox]) -> list[TextBox]:
    """Left-to-right runs of boxes joined along one baseline: runs of three or more, and pairs with a box
    too small to be read alone (a lone digit), which the pair join above never sees."""
    ordered = sorted(boxes, key=lambda b: b.rect[0])
    out: list[TextBox] = []
    for i, start in enumerate(ordered):
        current, parts = start, 1
        for nxt in ordered[i + 1 :]:
            merged = join_boxes(current, nxt)
            if merged is not None:
                current, parts = merged, parts + 1
                if parts >= 2 and (parts >= 3 or not worth_reading(start) or not worth_reading(nxt)):
                    out.append(current)
    return out


def _best_score(found: list[Candidate]) -> float:
    """The ranking score (uncalibrated) of the best candidate so far (found is sorted best first); -1 when none, so
    that no threshold, not even 0, counts an empty search as done."""
    return _to_plate(found[0], _rect(found[0].corners)).score if found else -1.0


def worth_reading(box: TextBox) -> bool:
    """A text box big and plate-shaped enough to read (training cuts its crops by the same rule)."""
    _, _, w, h = box.rect
    return h >= 8 and w >= 12 and aspect_prior(box) > 0.2


def _rect(corners: np.ndarray) -> tuple[int, int, int, int]:
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    return round(x0), round(y0), round(x1 - x0), round(y1 - y0)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    small = min(a[2] * a[3], b[2] * b[3])
    return ix * iy / small if small > 0 else 0.0


def _alternatives(reading: LineReading, confidence: float) -> tuple[tuple[str, float], ...]:
    """Swap single low-confidence characters for their runner-up (or drop them): likely misreads."""
    alts: dict[str, float] = {}
    text = reading.text
    for i, (p, (alt, q)) in enumerate(zip(reading.char_probs, reading.runner_ups, strict=True)):
        if q <= 0.01 or p <= 0:
            continue
        variant = text[:i] + alt + text[i + 1 :]
        if variant and variant != text:
            alts[variant] = max(alts.get(variant, 0.0), confidence * q / p)
    ranked = sorted(alts.items(), key=lambda kv: kv[1], reverse=True)[:MAX_ALTERNATIVES]
    return tuple((t, round(c, 4)) for t, c in ranked)


def _to_plate(cand: Candidate, box: tuple[int, int, int, int]) -> RecognizedPlate:
    confidence = float(min(1.0, cand.score))
    alternatives = _alternatives(cand.reading, confidence)
    if cand.second_opinion is not None and cand.second_opinion != cand.reading.text:
        # Two independent models disagreeing is the strongest sign of a misread.
        confidence *= DISAGREEMENT_FACTOR
        if cand.second_opinion:
            alternatives = ((cand.second_opinion, round(confidence * 0.5, 4)), *alternatives)
    if _AMBIGUOUS_ZERO.search(cand.reading.text):
        # O and 0 share one glyph on most US plates; next to a letter, which one it is is a convention.
        confidence *= AMBIGUOUS_ZERO_FACTOR
        swapped = cand.reading.text.translate(_SWAP_ZERO)
        alternatives = ((swapped, round(confidence * 0.3, 4)), *alternatives)
    return RecognizedPlate(
        plate=normalize_plate(cand.reading.text),
        raw_text=cand.reading.text,
        confidence=round(confidence, 4),
        score=round(confidence, 4),
        box=box,
        char_confidences=tuple(round(p, 4) for p in cand.reading.char_probs),
        alternatives=alternatives[:MAX_ALTERNATIVES],
    )


def _calibrated(plate: RecognizedPlate, calibration: Calibration) -> RecognizedPlate:
    """The plate with its confidence and its alternatives' confidences mapped by the calibration (which is
    monotone, so the order of reads and of alternatives is kept)."""
    return dataclasses.replace(
        plate,
        confidence=round(calibration.apply(plate.score), 4),
        alternatives=tuple((text, round(calibration.apply(c), 4)) for text, c in plate.alternatives),
    )


_lock = threading.Lock()


@functools.cache
def _build(threads: int, calibrated: bool) -> PlateReader:
    det = TextDetector(_sessions.session(_sessions.det_model_path(), threads))
    rec = LineRecognizer(_sessions.session(_sessions.rec_model_path(), threads))
    plate_rec = PlateRecognizer(_sessions.session(_sessions.plate_rec_model_path(), threads))
    plate_det = PlateDetector(_sessions.session(_sessions.plate_det_model_path(), threads))
    calibration = shipped_calibration() if calibrated else None
    return PlateReader(det, rec, plate_rec, plate_detector=plate_det, calibration=calibration)


def get_reader(threads: int = 1, calibrated: bool = True) -> PlateReader:
    """The shared reader for a thread count; ONNX sessions are created on first call, never at import.
    `calibrated=False` reports the raw ranking score as confidence (used to fit the calibration)."""
    with _lock:
        return _build(max(1, int(threads)), calibrated)
