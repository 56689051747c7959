"""Synthetic camera frames with known plates, drawn with OpenCV's built-in Hershey fonts only.

Used by the demo and the tests: it needs no font files, so it works on any machine.
"""

from __future__ import annotations

import cv2
import numpy as np

_CAR_COLOURS = [(40, 40, 40), (180, 180, 185), (30, 30, 140), (120, 70, 20), (220, 220, 220), (60, 90, 60)]


def render_scene(plates: list[str], seed: int, size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """A BGR frame of `size` (width, height) with one car-like shape per plate, each plate legible.

    Cars are laid out left to right in equal slots; plate text is drawn large and dark on a white plate.
    """
    width, height = size
    rng = np.random.default_rng(seed)
    frame = np.empty((height, width, 3), np.uint8)
    # Sky-to-road vertical gradient plus mild noise, so the background is not trivially flat.
    top, bottom = rng.integers(120, 200, 3), rng.integers(50, 110, 3)
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    frame[:] = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)
    noise = rng.normal(0, 4, frame.shape)
    frame = np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if not plates:
        return frame
    slot = width / len(plates)
    for i, text in enumerate(plates):
        car_w = int(min(slot * 0.8, width * 0.45))
        car_h = int(min(height * 0.55, car_w * 0.75))
        cx = int(slot * (i + 0.5) + rng.integers(-int(slot * 0.05), int(slot * 0.05) + 1))
        cy = int(height * 0.6 + rng.integers(-int(height * 0.05), int(height * 0.05) + 1))
        x0, y0 = cx - car_w // 2, cy - car_h // 2
        colour = tuple(int(c) for c in _CAR_COLOURS[int(rng.integers(len(_CAR_COLOURS)))])
        cv2.rectangle(frame, (x0, y0), (x0 + car_w, y0 + car_h), colour, -1)
        cv2.rectangle(frame, (x0 + car_w // 8, y0 - car_h // 4), (x0 + 7 * car_w // 8, y0), colour, -1)
        for lx in (x0 + car_w // 10, x0 + 9 * car_w // 10):  # tail lights
            cv2.circle(frame, (lx, y0 + car_h // 4), max(4, car_w // 20), (20, 20, 200), -1)
        _draw_plate(frame, text, cx, y0 + int(car_h * 0.62), car_w, rng)
    return frame


def _draw_plate(frame: np.ndarray, text: str, cx: int, cy: int, car_w: int, rng: np.random.Generator) -> None:
    font = cv2.FONT_HERSHEY_DUPLEX
    thickness = 3
    # Size the glyphs so the text fills ~70 % of a plate ~38 % of the car width.
    plate_w = int(car_w * 0.38)
    (tw, th), _ = cv2.getTextSize(text, font, 1.0, thickness)
    scale = max(0.5, min(plate_w * 0.8 / max(tw, 1), 3.0))
    thickness = max(2, round(scale * 2.2))
    (tw, th), _base = cv2.getTextSize(text, font, scale, thickness)
    pw, ph = int(tw * 1.25), int(th * 2.0)
    px, py = cx - pw // 2, cy - ph // 2
    cv2.rectangle(frame, (px, py), (px + pw, py + ph), (245, 245, 245), -1)
    cv2.rectangle(frame, (px, py), (px + pw, py + ph), (60, 60, 60), 2)
    ink = tuple(int(v) for v in rng.integers(0, 50, 3))
    cv2.putText(frame, text, (cx - tw // 2, cy + th // 2), font, scale, ink, thickness, cv2.LINE_AA)
