"""Labelled synthetic photos in the OpenALPR benchmark format, for tests of benchmarks and training."""

from __future__ import annotations

from pathlib import Path

import cv2

from plateguard.recognition.synth import render_scene


def write_labelled_photo(folder: Path, name: str, plate: str, label: str | None = None, seed: int = 1) -> None:
    """`NAME.jpg` showing `plate` (960x540) and `NAME.txt` labelling it `label` (default: the plate itself)."""
    cv2.imwrite(str(folder / f"{name}.jpg"), render_scene([plate], seed=seed, size=(960, 540)))
    (folder / f"{name}.txt").write_text(f"{name}.jpg\t0\t0\t10\t10\t{label or plate}\n")
