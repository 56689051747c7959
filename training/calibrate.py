"""Fit the reader's confidence calibration (functions/plateguard/recognition/models/calibration.json).

    PYTHONPATH=.:functions .venv/bin/python -m training.calibrate \
        /work/shared/datasets/openalpr-us-plates /work/shared/datasets/openalpr-eu

Reads the validation split (evaluation/splits.py) of each OpenALPR-format folder, as given and with three
perturbations (JPEG 92, x0.8, x1.5: one camera's frames are never pixel-identical), with the shipped
models and without calibration, and fits P(top read exactly right | ranking score) by isotonic
regression (see plateguard.recognition.calibration). The models never trained on these photos. The US dev
photos (openalpr-us-dev) are not to be passed: they are where the calibration is checked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import cv2

from evaluation.dataset import load_frame, load_truth
from evaluation.splits import is_validation
from plateguard.recognition import get_reader
from plateguard.recognition.calibration import DEFAULT_BAND, CalibrationError, fit_isotonic

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "functions/plateguard/recognition/models/calibration.json"
PERTURBATIONS = (None, "jpeg92", "scale0.8", "scale1.5")


def collect(folders: list[Path], perturbations: tuple[str | None, ...]) -> list[tuple[float, bool]]:
    """(ranking score of the top read, exactly right) for every validation photo that got a read."""
    reader = get_reader(1, calibrated=False)
    pairs: list[tuple[float, bool]] = []
    for folder in folders:
        truth = {p: t for p, t in load_truth(folder).items() if is_validation(p.name)}
        for perturb in perturbations:
            for image, labels in sorted(truth.items()):
                frame = load_frame(image, perturb)
                plates = reader.read(frame) if frame is not None else []
                if plates:  # no read: nothing to calibrate
                    pairs.append((plates[0].score, plates[0].plate in {plate for plate, _ in labels}))
            print(f"{folder.name} {perturb or 'as-given'}: {len(truth)} photos", file=sys.stderr, flush=True)
    return pairs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path, help="OpenALPR-format folders (their validation split is read)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if any(folder.name == "openalpr-us-dev" for folder in args.folders):
        print("error: openalpr-us-dev is the held-out check of the calibration; do not fit on it", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    pairs = collect(args.folders, PERTURBATIONS)
    if not pairs:
        print("error: no labelled validation photo was read", file=sys.stderr)
        return 2
    try:
        calibration, blocks = fit_isotonic(pairs, DEFAULT_BAND)
    except CalibrationError as exc:
        print(f"error: {exc} ({len(pairs)} reads)", file=sys.stderr)
        return 2
    record = {
        "method": "isotonic regression (pool adjacent violators) of 'top read exact' on the ranking score; "
        "scores >= band pass through unchanged, lower scores map below band",
        "fitted_on": [f"{folder.name} validation split" for folder in args.folders],
        "perturbations": [p or "as given" for p in PERTURBATIONS],
        "reads": len(pairs),
        "exact": round(sum(ok for _, ok in pairs) / len(pairs), 4),
        "fitted": dt.date.today().isoformat(),
        "band": calibration.band,
        "blocks": [[round(s, 4), round(rate, 4), n] for s, rate, n in blocks],
        "knots": [[s, c] for s, c in zip(calibration.scores, calibration.confidences, strict=True)],
    }
    # One key per line, each value on one line: small diffs when the calibration is refitted.
    args.out.write_text("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in record.items()) + "\n}\n")
    print(f"reads={len(pairs)} knots={len(calibration.scores)} out={args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
