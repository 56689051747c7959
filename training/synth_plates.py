"""Synthetic plate-text line crops rendered with TrueType fonts (Pillow), for recognizer training.

Fonts come from Debian packages (fonts-dejavu, fonts-liberation, fonts-roboto-unhinted, fonts-opendin);
pass their directory. Each sample mimics what the text detector hands the recognizer: the registration
line of a plate, loosely cropped, with bits of neighbouring text, badges, blur, low resolution and JPEG
artefacts.
"""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
# Format strings: L letter, D digit, X either, " " or "-" a printed gap (not part of the label).
FORMATS = [
    "DLLLDDD",
    "DLLL DDD",
    "LLL DDDD",
    "LLL-DDDD",
    "LLLDDDD",
    "DDD LLL",
    "LLL DDD",
    "DDD-LLL",
    "LLDDDDD",
    "LL DDDDD",
    "DLL DDDD",
    "DDDDDD",
    "LLLDDD",
    "DDLLLD",
    "DLLDDD",
    "LLDLLD",
    "XXXXX",
    "XXXXXX",
    "XXXXXXX",
    "LLLLLLL",
    "LLLLL",
    "DDDDLL",
    "LLL DLDD",
    "LL DDD-LL",
    "LL-DDD-LL",
    "LL DD LLL",
    "LL DDDD",
    "L LL DDDD",
    "LL L DDD",
    "DDDD LL",
    "LLL DDD L",
]
_PLATE_COLOURS = [
    ((245, 245, 245), (20, 30, 110)),
    ((250, 250, 250), (10, 10, 10)),
    ((240, 235, 200), (30, 30, 30)),
    ((250, 215, 40), (10, 10, 10)),
    ((230, 240, 250), (140, 20, 20)),
    ((245, 245, 245), (20, 90, 40)),
    ((20, 20, 20), (235, 235, 235)),
    ((30, 50, 120), (245, 245, 245)),
    ((200, 220, 235), (20, 20, 90)),
]
_WORDS = [
    "CALIFORNIA",
    "TEXAS",
    "FLORIDA",
    "NEW YORK",
    "OHIO",
    "ILLINOIS",
    "Sunshine State",
    "EMPIRE",
    "dmv.ca.gov",
    "LAND OF LINCOLN",
    "GARDEN STATE",
    "SK",
    "HR",
    "D",
    "BR",
    "BRASIL",
    "SP",
]


def random_plate(rng: random.Random) -> tuple[str, str]:
    """(printed text with gaps, label without gaps)."""
    fmt = rng.choice(FORMATS)
    chars = []
    for f in fmt:
        if f == "L":
            chars.append(rng.choice(LETTERS))
        elif f == "D":
            chars.append(rng.choice(DIGITS))
        elif f == "X":
            chars.append(rng.choice(LETTERS + DIGITS))
        else:
            chars.append(f)
    printed = "".join(chars)
    return printed, printed.replace(" ", "").replace("-", "")


class PlateLineRenderer:
    def __init__(self, font_dir: Path) -> None:
        self.fonts = sorted(str(p) for p in Path(font_dir).glob("*.ttf"))
        if not self.fonts:
            raise FileNotFoundError(f"no .ttf fonts in {font_dir}")

    def render(self, rng: random.Random) -> tuple[np.ndarray, str]:
        printed, label = random_plate(rng)
        bg, ink = rng.choice(_PLATE_COLOURS)
        size = 64
        font = ImageFont.truetype(rng.choice(self.fonts), size)
        spacing = rng.uniform(-0.02, 0.25) * size
        widths = [font.getlength(c) for c in printed]
        text_w = int(sum(widths) + spacing * (len(printed) - 1))
        pad_x, pad_y = int(size * 1.2), int(size * 0.9)
        canvas = Image.new("RGB", (text_w + 2 * pad_x, size + 2 * pad_y), bg)
        draw = ImageDraw.Draw(canvas)
        if rng.random() < 0.25:
            # OpenCV's Hershey fonts (what plateguard.recognition.synth draws): read them too.
            arr = np.asarray(canvas).copy()
            hfont = rng.choice(
                [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX]
            )
            thick = rng.randint(2, 7)
            (tw, th), _ = cv2.getTextSize(printed, hfont, 1.0, thick)
            scale = min(0.8 * size / max(th, 1), text_w / max(tw, 1))
            cv2.putText(arr, printed, (pad_x, pad_y + int(0.85 * size)), hfont, scale, ink, thick, cv2.LINE_AA)
            canvas = Image.fromarray(arr)
            draw = ImageDraw.Draw(canvas)
        else:
            x = float(pad_x)
            stroke = rng.choice([0, 0, 1, 2])
            for c, w in zip(printed, widths, strict=True):
                draw.text((x, pad_y), c, font=font, fill=ink, stroke_width=stroke, stroke_fill=ink, anchor="la")
                x += w + spacing
        if rng.random() < 0.45:  # plate frame / border close around the text
            mx, my = rng.uniform(0.08, 0.5) * size, rng.uniform(0.08, 0.5) * size
            frame_colour = rng.choice([ink, (60, 60, 60), (20, 20, 20), (150, 150, 150)])
            draw.rectangle(
                (pad_x - mx, pad_y - my, pad_x + text_w + mx, pad_y + size + my),
                outline=frame_colour,
                width=rng.randint(1, 6),
            )
        small = ImageFont.truetype(rng.choice(self.fonts), int(size * rng.uniform(0.3, 0.5)))
        if rng.random() < 0.6:  # state name / slogan partly above or below
            y = (
                pad_y - small.size - rng.uniform(0, 0.3) * size
                if rng.random() < 0.5
                else pad_y + size * rng.uniform(1.0, 1.3)
            )
            draw.text(
                (pad_x + rng.uniform(0, text_w * 0.5), y),
                rng.choice(_WORDS),
                font=small,
                fill=rng.choice([ink, (150, 20, 20), (20, 20, 120)]),
            )
        if rng.random() < 0.25:  # EU band / state badge at the left
            bx = pad_x - size * rng.uniform(0.5, 0.9)
            colour = rng.choice([(160, 60, 0), (40, 40, 200), (30, 30, 180)])
            draw.rectangle((bx, pad_y - 0.1 * size, bx + 0.4 * size, pad_y + 1.05 * size), fill=colour[::-1])
        if rng.random() < 0.2:  # bolt or sticker
            cx, cy = rng.uniform(pad_x, pad_x + text_w), pad_y + rng.choice([-0.15, 1.15]) * size
            draw.ellipse((cx - 6, cy - 6, cx + 6, cy + 6), fill=(120, 120, 120))
        img = cv2.cvtColor(np.asarray(canvas), cv2.COLOR_RGB2BGR)
        # Loose crop like the detector's unclipped boxes, with perspective jitter.
        h = size
        x0 = pad_x - rng.uniform(0.0, 0.5) * h
        x1 = pad_x + text_w + rng.uniform(0.0, 0.5) * h
        y0 = pad_y - rng.uniform(0.05, 0.45) * h
        y1 = pad_y + h * rng.uniform(0.95, 1.4)
        src = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
        src += np.array([[rng.gauss(0, 0.06 * h), rng.gauss(0, 0.06 * h)] for _ in range(4)], np.float32)
        out_h = 48
        out_w = max(16, int(out_h * (x1 - x0) / (y1 - y0)))
        dst = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], np.float32)
        crop = cv2.warpPerspective(
            img, cv2.getPerspectiveTransform(src, dst), (out_w, out_h), borderMode=cv2.BORDER_REPLICATE
        )
        return degrade(crop, rng), label


def degrade(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """Camera-like degradations: low resolution, blur, lighting, noise, JPEG."""
    h, w = img.shape[:2]
    if rng.random() < 0.8:  # the plate seen at 9-40 px text height, scaled back up
        th = rng.randint(9, 40)
        small = cv2.resize(img, (max(4, int(w * th / h)), th), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=rng.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC]))
    if rng.random() < 0.4:
        k = rng.choice([3, 5])
        img = cv2.GaussianBlur(img, (k, k), rng.uniform(0.5, 1.5))
    f = img.astype(np.float32)
    if rng.random() < 0.7:  # contrast, brightness, colour cast, gradient shadow
        f = f * rng.uniform(0.5, 1.3) + rng.uniform(-50, 40)
        f += np.array([rng.uniform(-20, 20) for _ in range(3)], np.float32)
        if rng.random() < 0.3:
            ramp = np.linspace(rng.uniform(-60, 0), rng.uniform(0, 30), w, dtype=np.float32)
            f += ramp[None, :, None]
    if rng.random() < 0.5:
        f += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(2, 12), f.shape)
    img = np.clip(f, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(20, 90)])
        if ok:
            img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return img
