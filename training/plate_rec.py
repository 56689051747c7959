"""One command for the plate-text recognizer: cut real line crops, then train and export.

usage: python -m training.plate_rec OUT_DIR DATASET_DIR [DATASET_DIR ...] [--minutes 7.4] [--device cpu]

Runs training.prepare_crops into OUT_DIR/crops and training.train_recognizer into OUT_DIR/model (fonts
from .train_data/fonts, see training/README.md). Copy OUT_DIR/model/plate_rec.onnx to
functions/plateguard/recognition/models/ only when the benchmark says it is better.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("datasets", nargs="+")
    ap.add_argument("--fonts", default=".train_data/fonts")
    ap.add_argument("--minutes", default="7.4")
    ap.add_argument("--device", default=None)
    args = ap.parse_args()
    crops = args.out / "crops"
    subprocess.run([sys.executable, "-m", "training.prepare_crops", str(crops), *args.datasets], check=True)
    train = [
        sys.executable,
        "-m",
        "training.train_recognizer",
        "--crops",
        str(crops),
        "--fonts",
        args.fonts,
        "--out",
        str(args.out / "model"),
        "--minutes",
        args.minutes,
    ]
    if args.device:
        train += ["--device", args.device]
    subprocess.run(train, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
