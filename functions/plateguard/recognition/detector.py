"""Text-region detection with a DB (differentiable binarization) model: probability map -> rotated boxes."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort


@dataclass(frozen=True)
class TextBox:
    """A rotated text region in input-image pixels: corners (tl, tr, br, bl) and mean text probability."""

    corners: np.ndarray  # (4, 2) float32
    score: float

    @property
    def rect(self) -> tuple[int, int, int, int]:
        x0, y0 = self.corners.min(axis=0)
        x1, y1 = self.corners.max(axis=0)
        return round(x0), round(y0), round(x1 - x0), round(y1 - y0)


def fit_to_model(image_bgr: np.ndarray, max_side: int) -> np.ndarray:
    """The image reduced (never enlarged) to at most `max_side` on its long side, each side rounded to a
    multiple of 32 (the fully-convolutional detectors' total stride) and at least 32."""
    h, w = image_bgr.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    rh = max(32, round(h * scale / 32) * 32)
    rw = max(32, round(w * scale / 32) * 32)
    return cv2.resize(image_bgr, (rw, rh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


class TextDetector:
    def __init__(
        self,
        session: ort.InferenceSession,
        max_side: int = 960,
        bin_thresh: float = 0.3,
        box_thresh: float = 0.5,
        unclip_ratio: float = 1.6,
    ) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        self.max_side = max_side
        self.bin_thresh = bin_thresh
        self.box_thresh = box_thresh
        self.unclip_ratio = unclip_ratio

    def detect(self, image_bgr: np.ndarray, max_side: int | None = None) -> list[TextBox]:
        h, w = image_bgr.shape[:2]
        # Downscaling bounds the cost on 1080p frames; plates stay >= ~25 px wide at 960 px.
        resized = fit_to_model(image_bgr, max_side or self.max_side)
        blob = resized.astype(np.float32) * (2.0 / 255.0) - 1.0
        blob = blob.transpose(2, 0, 1)[None]
        prob = self._session.run(None, {self._input: blob})[0][0, 0]
        return self._boxes(prob, w / resized.shape[1], h / resized.shape[0])

    def _boxes(self, prob: np.ndarray, sx: float, sy: float) -> list[TextBox]:
        bitmap = cv2.dilate((prob > self.bin_thresh).astype(np.uint8), np.ones((2, 2), np.uint8))
        contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        out: list[TextBox] = []
        ph, pw = prob.shape
        for contour in contours[:1000]:
            (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
            if min(rw, rh) < 3:
                continue
            x, y, bw, bh = cv2.boundingRect(contour)
            mask = np.zeros((bh, bw), np.uint8)
            cv2.fillPoly(mask, [contour.reshape(-1, 2) - (x, y)], 1)
            score = float(cv2.mean(prob[y : y + bh, x : x + bw], mask)[0])
            if score < self.box_thresh:
                continue
            # Unclip: DB maps shrink text; grow the rectangle by area * ratio / perimeter on each side.
            dist = rw * rh * self.unclip_ratio / (2 * (rw + rh))
            corners = cv2.boxPoints(((cx, cy), (rw + 2 * dist, rh + 2 * dist), angle))
            corners[:, 0] = np.clip(corners[:, 0], 0, pw) * sx
            corners[:, 1] = np.clip(corners[:, 1], 0, ph) * sy
            out.append(TextBox(_order_corners(corners).astype(np.float32), score))
        return out


def _order_corners(pts: np.ndarray) -> np.ndarray:
    """Order as top-left, top-right, bottom-right, bottom-left, with the long side horizontal."""
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    ordered = np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])
    return ordered
