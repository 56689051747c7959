"""OpenALPR-format folders: their ground truth, and their photos as the reader gets them, optionally changed.

Folders: `NAME.jpg` + `NAME.txt` (tab-separated `file x y w h PLATE` lines), or crops with
`groundtruth.csv` (`file,state,PLATE`). A perturbation re-reads the same photos slightly changed
(`jpegQ`: re-encoded at JPEG quality Q; `scaleF`: resized by F; `shiftN`: N pixel rows and columns cut off
the top and left), to show how much of a score is tied to the exact pixels of these photos.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import cv2
import numpy as np

from plateguard.models.plates import normalize_plate

Box = tuple[int, int, int, int]
Truth = dict[Path, list[tuple[str, Box | None]]]


def load_truth(folder: Path) -> Truth:
    """Each photo's plates (normalized as the reader writes them) with their box (None for crops)."""
    truth: Truth = {}
    gt_csv = folder / "groundtruth.csv"
    if gt_csv.exists():
        with gt_csv.open() as fh:
            for row in csv.reader(fh):
                if len(row) >= 3 and row[0] != "file":
                    truth.setdefault(folder / row[0], []).append((normalize_plate(row[2]), None))
        return truth
    for txt in sorted(folder.glob("*.txt")):
        for line in txt.read_text().splitlines():
            parts = line.strip().split("\t")
            if len(parts) < 6:
                continue
            x, y, w, h = (int(v) for v in parts[1:5])
            image = next(
                (p for p in (folder / parts[0], txt.with_suffix(".jpg"), txt.with_suffix(".png")) if p.exists()),
                folder / parts[0],
            )
            truth.setdefault(image, []).append((normalize_plate(parts[5]), (x, y, w, h)))
    return truth


def load_frame(image: Path, perturb: str | None = None) -> np.ndarray | None:
    """The photo as the reader gets it, optionally re-encoded (`jpegQ`), resized (`scaleF`) or cut by N px
    at the top and left (`shiftN`)."""
    frame = cv2.imread(str(image))
    if frame is None or not perturb:
        return frame
    if perturb.startswith("jpeg"):
        ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(perturb[4:])])
        return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
    if perturb.startswith("shift"):
        cut = perturb_shift(perturb)
        return frame[cut:, cut:].copy()
    factor = perturb_scale(perturb)
    return cv2.resize(
        frame, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    )


def perturb_scale(perturb: str | None) -> float:
    return float(perturb[5:]) if perturb and perturb.startswith("scale") else 1.0


def perturb_shift(perturb: str | None) -> int:
    return int(perturb[5:]) if perturb and perturb.startswith("shift") else 0


def perturbation(text: str) -> str:
    """argparse type: `jpegQ` (Q 1-100), `scaleF` (F 0.25-4) or `shiftN` (N 1-64)."""
    try:
        if text.startswith("jpeg") and 1 <= int(text[4:]) <= 100:
            return text
        if text.startswith("scale") and 0.25 <= float(text[5:]) <= 4:
            return text
        if text.startswith("shift") and 1 <= int(text[5:]) <= 64:
            return text
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"expected jpegQ (1-100), scaleF (0.25-4) or shiftN (1-64), got {text!r}")


def scaled_box(box: Box | None, factor: float) -> Box | None:
    """A ground-truth box on the photo resized by `factor`."""
    return (
        None
        if box is None
        else (round(box[0] * factor), round(box[1] * factor), round(box[2] * factor), round(box[3] * factor))
    )


def shifted_box(box: Box | None, cut: int) -> Box | None:
    """A ground-truth box on the photo with `cut` pixel rows and columns cut off the top and left."""
    return None if box is None else (box[0] - cut, box[1] - cut, box[2], box[3])
