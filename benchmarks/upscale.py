"""Write a 1080p copy of an OpenALPR-format folder, for the issue's "per 1080p image" latency figure.

usage: python -m benchmarks.upscale SRC_DIR DST_DIR [--width 1920 --height 1080]

Each photo is enlarged (bicubic, aspect kept) to fit 1920x1080 and re-encoded as JPEG (quality 92); the
ground-truth boxes are scaled with it. Enlarged frames are softer than a native 1080p camera's, so read
accuracy on them is a lower bound; the figure they are for is the cost of decoding and searching a frame
that size. Then: python -m benchmarks.recognition DST_DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2

from evaluation.dataset import load_truth, scaled_box


def upscale_folder(src: Path, dst: Path, width: int = 1920, height: int = 1080) -> int:
    """Copies written; photos without a readable image or ground-truth box are skipped."""
    dst.mkdir(parents=True, exist_ok=True)
    written = 0
    for image_path, plates in load_truth(src).items():
        image = cv2.imread(str(image_path))
        if image is None or any(box is None for _, box in plates):
            continue
        h, w = image.shape[:2]
        scale = min(width / w, height / h)
        big = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
        name = image_path.stem + ".jpg"
        cv2.imwrite(str(dst / name), big, [cv2.IMWRITE_JPEG_QUALITY, 92])
        rows = ["\t".join([name, *map(str, scaled_box(box, scale) or ()), plate]) for plate, box in plates]
        (dst / (image_path.stem + ".txt")).write_text("\n".join(rows) + "\n")
        written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    args = ap.parse_args(argv)
    written = upscale_folder(args.src, args.dst, args.width, args.height)
    if not written:
        print(f"error: no readable photo with ground-truth boxes in {args.src}", file=sys.stderr)
        return 2
    print(f"upscaled={written} dst={args.dst}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
