"""Line-text recognition with a CTC model, restricted to plate characters (A-Z, 0-9)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

PLATE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Output classes after folding the model's dictionary: 0 = CTC blank, 1 = separator, then the alphabet.
_BLANK, _SEP = 0, 1
_SEPARATORS = " -.·•:"
REC_HEIGHT = 48
MAX_WIDTH = REC_HEIGHT * 16


@dataclass(frozen=True)
class LineReading:
    text: str  # A-Z0-9 only
    char_probs: tuple[float, ...]
    # Per character: (runner-up character or "" for "no character", its probability).
    runner_ups: tuple[tuple[str, float], ...]

    @property
    def confidence(self) -> float:
        return float(np.prod(self.char_probs)) if self.char_probs else 0.0


class LineRecognizer:
    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        meta = session.get_modelmeta().custom_metadata_map
        # The dictionary is embedded in the ONNX metadata; index 0 is the CTC blank, and PaddleOCR
        # appends a space class at the end.
        chars = ["<blank>", *meta["character"].split("\n"), " "]
        self._groups: list[list[int]] = [[0], [], *([] for _ in PLATE_ALPHABET)]
        for idx, ch in enumerate(chars[1:], start=1):
            if ch in _SEPARATORS:
                self._groups[_SEP].append(idx)
            elif ch.upper() in PLATE_ALPHABET and len(ch) == 1:
                # Lower-case readings of plate glyphs ("o", "s") count for the upper-case class.
                self._groups[2 + PLATE_ALPHABET.index(ch.upper())].append(idx)
        self._flat = np.concatenate([np.array(g, dtype=np.int64) for g in self._groups])
        self._starts = np.cumsum([0] + [len(g) for g in self._groups[:-1]])

    def recognize(self, crops: list[np.ndarray]) -> list[LineReading]:
        """Read a batch of BGR line crops (any size) in one model call."""
        if not crops:
            return []
        widths = [
            min(MAX_WIDTH, max(REC_HEIGHT, math.ceil(REC_HEIGHT * c.shape[1] / max(1, c.shape[0])))) for c in crops
        ]
        batch_w = max(widths)
        batch = np.zeros((len(crops), 3, REC_HEIGHT, batch_w), np.float32)
        for i, (crop, w) in enumerate(zip(crops, widths, strict=True)):
            resized = cv2.resize(crop, (w, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
            batch[i, :, :, :w] = (resized.astype(np.float32) * (2.0 / 255.0) - 1.0).transpose(2, 0, 1)
        probs = self._session.run(None, {self._input: batch})[0]
        folded = np.add.reduceat(probs[:, :, self._flat], self._starts, axis=2)
        folded /= folded.sum(axis=2, keepdims=True) + 1e-9
        return [
            self._decode(p[: max(1, math.ceil(w * p.shape[0] / batch_w))]) for p, w in zip(folded, widths, strict=True)
        ]

    @staticmethod
    def _decode(probs: np.ndarray) -> LineReading:
        """Greedy CTC decode; each character keeps its best step's probability and runner-up."""
        best = probs.argmax(axis=1)
        text: list[str] = []
        char_probs: list[float] = []
        runner_ups: list[tuple[str, float]] = []
        prev = -1
        for t, cls in enumerate(best):
            if cls >= 2 and cls != prev:
                text.append(PLATE_ALPHABET[cls - 2])
                char_probs.append(0.0)
                runner_ups.append(("", 0.0))
            if cls >= 2 and probs[t, cls] > char_probs[-1]:
                char_probs[-1] = float(probs[t, cls])
                order = np.argsort(probs[t])[::-1]
                alt = int(order[1])
                runner_ups[-1] = (PLATE_ALPHABET[alt - 2] if alt >= 2 else "", float(probs[t, alt]))
            prev = cls
        return LineReading("".join(text), tuple(char_probs), tuple(runner_ups))


class PlateRecognizer:
    """The plate-specific CRNN trained in training/train_recognizer.py: fixed 48x192 input, CTC over
    blank + A-Z0-9 (alphabet in the ONNX metadata)."""

    WIDTH = 192

    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        alphabet = session.get_modelmeta().custom_metadata_map.get("alphabet", "")
        # Map the model's classes onto the folded layout used by _decode: blank, separator, alphabet.
        self._columns = [0] + [1 + alphabet.index(c) for c in PLATE_ALPHABET]

    def recognize(self, crops: list[np.ndarray]) -> list[LineReading]:
        if not crops:
            return []
        batch = np.zeros((len(crops), 3, REC_HEIGHT, self.WIDTH), np.float32)
        for i, crop in enumerate(crops):
            w = min(self.WIDTH, max(8, round(REC_HEIGHT * crop.shape[1] / max(1, crop.shape[0]))))
            resized = cv2.resize(crop, (w, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
            batch[i, :, :, :w] = (resized.astype(np.float32) * (2.0 / 255.0) - 1.0).transpose(2, 0, 1)
        probs = self._session.run(None, {self._input: batch})[0]
        folded = np.zeros((*probs.shape[:2], 2 + len(PLATE_ALPHABET)), np.float32)
        folded[:, :, 0] = probs[:, :, 0]
        folded[:, :, 2:] = probs[:, :, self._columns[1:]]
        return [LineRecognizer._decode(p) for p in folded]


def warp_crop(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Rectify a rotated box (tl, tr, br, bl) to an upright crop REC_HEIGHT pixels high."""
    w = float(max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3])))
    h = float(max(np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1])))
    out_w = min(MAX_WIDTH, max(8, round(REC_HEIGHT * w / max(h, 1.0))))
    dst = np.array([[0, 0], [out_w, 0], [out_w, REC_HEIGHT], [0, REC_HEIGHT]], np.float32)
    m = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    return cv2.warpPerspective(image, m, (out_w, REC_HEIGHT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
