"""PlateGuard's plate detector: photo -> per-pixel plate probability (1/4 resolution) -> plate boxes.

The model (`models/plate_det.onnx`, see its card) is a small fully-convolutional network trained by
`training/train_detector.py`. It answers "where are the plates" in ~10 ms at 640 px, so the text
detector and the recognizers only look at plate regions, enlarged to a readable size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from .detector import fit_to_model


@dataclass(frozen=True)
class PlateBox:
    """An axis-aligned plate box in input-image pixels, with the model's peak probability inside it.

    `x, y, w, h` is the calibrated plate box; `blob` is the whole probability blob, which overshoots the
    plate by about `shrink_cells` per side: the safer region to search for the plate's text.
    """

    x: int
    y: int
    w: int
    h: int
    score: float
    blob: tuple[int, int, int, int] = (0, 0, 0, 0)


class PlateDetector:
    def __init__(
        self,
        session: ort.InferenceSession,
        max_side: int = 768,
        threshold: float = 0.4,
        min_score: float = 0.5,
        stride: int = 4,
        shrink_cells: tuple[float, float] = (0.55, 0.65),
    ) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        self.max_side = max_side
        self.threshold = threshold
        self.min_score = min_score
        self.stride = stride
        # The probability blobs run past the plate's edges by about this many map cells per side (x, y),
        # measured on training photos (see the model card); boxes are shrunk back by it.
        self.shrink_cells = shrink_cells

    def detect(self, image_bgr: np.ndarray, max_side: int | None = None) -> list[PlateBox]:
        h, w = image_bgr.shape[:2]
        # Never upscaled: the network saw plates down to ~20 px wide at this scale in training.
        resized = fit_to_model(image_bgr, max_side or self.max_side)
        blob = resized.astype(np.float32).transpose(2, 0, 1)[None]
        prob = self._session.run(None, {self._input: blob})[0][0, 0]
        return self._boxes(prob, w / resized.shape[1], h / resized.shape[0])

    def _boxes(self, prob: np.ndarray, sx: float, sy: float) -> list[PlateBox]:
        mask = (prob > self.threshold).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        out: list[PlateBox] = []
        for i in range(1, count):
            x, y, bw, bh, area = (int(v) for v in stats[i])
            if area < 2:
                continue
            score = float(prob[y : y + bh, x : x + bw][labels[y : y + bh, x : x + bw] == i].max())
            if score < self.min_score:
                continue
            if bw < 0.9 * bh:
                continue  # taller than wide: poles, gates, trees, not plates
            kx = min(self.shrink_cells[0], (bw - 1) / 2)
            ky = min(self.shrink_cells[1], (bh - 1) / 2)
            s = self.stride
            out.append(
                PlateBox(
                    round((x + kx) * s * sx),
                    round((y + ky) * s * sy),
                    round((bw - 2 * kx) * s * sx),
                    round((bh - 2 * ky) * s * sy),
                    score,
                    (round(x * s * sx), round(y * s * sy), round(bw * s * sx), round(bh * s * sy)),
                )
            )
        out.sort(key=lambda b: b.score, reverse=True)
        return out
