"""`plateguard read IMAGE [IMAGE ...] [--json] [--threads N]`: read plates from image files, offline."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import cv2
import numpy as np

from .reader import RecognizedPlate, get_reader


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `read` subcommand to an argparse subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "read",
        help="read license plates from image files (offline)",
        description="Read license plates from image files. Fully offline; one thread unless --threads.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files (JPEG, PNG, ...)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per image per line")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads (default 1)")
    parser.set_defaults(func=run_read)
    return parser


def _plate_json(p: RecognizedPlate) -> dict[str, Any]:
    return {
        "plate": p.plate,
        "confidence": round(p.confidence, 4),
        "box": list(p.box),
        "alternatives": [[text, round(conf, 4)] for text, conf in p.alternatives],
    }


def _decode(path: str) -> tuple[np.ndarray | None, str]:
    """Decode from bytes (no OpenCV warnings on stderr, non-ASCII paths work)."""
    try:
        with open(path, "rb") as fh:
            data = np.frombuffer(fh.read(), np.uint8)
    except OSError as exc:
        return None, f"cannot open file: {exc.strerror or exc}"
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        return None, "not a decodable image (unsupported or corrupt format)"
    return image, ""


def run_read(args: argparse.Namespace) -> int:
    """Read every image; a failing image prints an error and the rest go on. Returns the exit code."""
    reader = get_reader(max(1, args.threads))
    failed = 0
    width = max([len("image"), *(len(path) for path in args.images)])  # columns line up for any path length
    if not args.json:
        print(f"{'image':{width}} {'ms':>8}  {'plate':12} {'conf':>6}  box")
    for path in args.images:
        t0 = time.perf_counter()
        image, message = _decode(path)
        if image is None:
            failed += 1
            if args.json:
                print(json.dumps({"image": path, "error": message}), flush=True)
            else:
                print(f"{path}: error: {message}", file=sys.stderr, flush=True)
            continue
        plates = reader.read(image)
        ms = (time.perf_counter() - t0) * 1000.0
        if args.json:
            print(
                json.dumps({"image": path, "ms": round(ms, 1), "plates": [_plate_json(p) for p in plates]}),
                flush=True,
            )
        elif not plates:
            print(f"{path:{width}} {ms:8.1f}  {'-':12}")
        else:
            for i, p in enumerate(plates):
                name, t = (path, f"{ms:8.1f}") if i == 0 else ("", " " * 8)
                print(f"{name:{width}} {t}  {p.plate:12} {p.confidence:6.3f}  {list(p.box)}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Run `read` on its own (until the main `plateguard` CLI registers it)."""
    parser = argparse.ArgumentParser(prog="plateguard")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["read", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
