"""Benchmark the plate reader on an OpenALPR-format folder.

usage: python -m benchmarks.recognition DATASET_DIR [--threads 1] [--misses] [--jsonl OUT] [--no-baseline]
       [--split all|train|val] [--no-cold] [--perturb jpeg92|scale0.8|shift8|...]

Folders: `NAME.jpg` + `NAME.txt` (tab-separated `file x y w h PLATE` lines), or crops with
`groundtruth.csv` (`file,state,PLATE`). Scoring matches /work/shared/tools/score_read.py: an image is
correct when the top-confidence plate equals one ground-truth plate exactly.

`--perturb` re-reads the same photos slightly changed (`jpegQ`: re-encoded at JPEG quality Q; `scaleF`:
resized by F; `shiftN`: N pixel rows and columns cut off the top and left, every other pixel unchanged),
to show how much of a score is tied to the exact pixels of these photos; timings then include the change
(a few ms).

Also printed, from the same run: a reliability table (exact rate of the top plate per confidence band),
the expected calibration error of the confidence and of the uncalibrated ranking score, and the
whole-image PP-OCR baseline (PP-OCRv6 text detection at 960 px + generic recognition + the same
plate scoring, without PlateGuard's plate detector and plate CRNN) for comparison.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2

from evaluation.dataset import (
    Box,
    Truth,
    load_frame,
    load_truth,
    perturb_scale,
    perturb_shift,
    perturbation,
    scaled_box,
    shifted_box,
)
from evaluation.splits import is_validation
from evaluation.text import within_one_edit
from plateguard.recognition import get_reader, model_paths
from plateguard.recognition.reader import PlateReader


def iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def cold_start_seconds(image: Path, threads: int) -> float:
    """Fresh interpreter: import, build sessions, read one image (what a Lambda cold start pays)."""
    code = (
        "import time; t=time.perf_counter(); import cv2; from plateguard.recognition import get_reader; "
        f"get_reader({threads}).read(cv2.imread({str(image)!r})); print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--misses", action="store_true", help="print every miss")
    ap.add_argument("--jsonl", type=Path, help="also write `plateguard read --json` style lines here")
    ap.add_argument(
        "--split",
        choices=["all", "train", "val"],
        default="all",
        help="restrict to the training split (evaluation/splits.py) used for the shipped models",
    )
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-start measurement")
    ap.add_argument("--no-baseline", action="store_true", help="skip the whole-image PP-OCR baseline")
    ap.add_argument("--perturb", type=perturbation, help="jpegQ, scaleF or shiftN: read slightly changed photos")
    args = ap.parse_args(argv)

    truth = load_truth(args.dataset)
    if args.split != "all":
        truth = {p: t for p, t in truth.items() if is_validation(p.name) == (args.split == "val")}
    factor = perturb_scale(args.perturb)
    if factor != 1.0:
        truth = {p: [(t, scaled_box(b, factor)) for t, b in rows] for p, rows in truth.items()}
    cut = perturb_shift(args.perturb)
    if cut:
        truth = {p: [(t, shifted_box(b, cut)) for t, b in rows] for p, rows in truth.items()}
    if not truth:
        print(f"no ground truth found in {args.dataset}", file=sys.stderr)
        return 2
    cold = None if args.no_cold else cold_start_seconds(next(iter(truth)), args.threads)
    reader = get_reader(args.threads)
    warm = cv2.imread(str(next(iter(truth))))
    if warm is not None:
        reader.read(warm)  # warm-up, excluded from timings
    exact = near = found = boxed = folded = 0
    plate_det = reader.plate_detector
    det_found = det_boxes = 0  # the plate detector alone: recall of ground-truth boxes, boxes per image
    confident = confident_ok = 0
    times: list[float] = []
    top_reads: list[tuple[float, bool]] = []  # (top plate confidence, exact) for the reliability table
    top_scores: list[tuple[float, bool]] = []  # the same with the uncalibrated ranking score
    cpu_times: list[float] = []  # CPU time: a steadier figure than wall time on a shared machine
    sink = args.jsonl.open("w") if args.jsonl else None
    for image, plates in truth.items():
        t0, c0 = time.perf_counter(), time.process_time()
        frame = load_frame(image, args.perturb)
        reads = reader.read(frame) if frame is not None else []
        ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        cpu_times.append((time.process_time() - c0) * 1000)
        texts = [p for p, _ in plates]
        guess = reads[0].plate if reads else ""
        ok = guess in texts
        exact += ok
        near += any(within_one_edit(guess, t) for t in texts)
        folded += guess.replace("O", "0") in [t.replace("O", "0") for t in texts]
        if reads:
            top_reads.append((reads[0].confidence, ok))
            top_scores.append((reads[0].score, ok))
        if reads and reads[0].confidence >= 0.9:
            confident += 1
            confident_ok += ok
        gt_boxes = [b for _, b in plates if b is not None]
        if gt_boxes:
            boxed += len(gt_boxes)
            found += sum(any(iou(r.box, b) >= 0.5 for r in reads) for b in gt_boxes)
            if plate_det is not None and frame is not None:
                detected = [(d.x, d.y, d.w, d.h) for d in plate_det.detect(frame)]
                det_boxes += len(detected)
                det_found += sum(any(iou(d, b) >= 0.5 for d in detected) for b in gt_boxes)
        if args.misses and not ok:
            print(
                f"miss {image.name}: read {guess or '-'} ({reads[0].confidence if reads else 0:.2f}) "
                f"truth {'/'.join(texts)}; others {[r.plate for r in reads[1:4]]}"
            )
        if sink:
            sink.write(
                json.dumps(
                    {
                        "image": str(image),
                        "ms": round(ms, 1),
                        "plates": [
                            {
                                "plate": r.plate,
                                "confidence": r.confidence,
                                "box": list(r.box),
                                "alternatives": [list(a) for a in r.alternatives],
                            }
                            for r in reads
                        ],
                    }
                )
                + "\n"
            )
    if sink:
        sink.close()
    n = len(truth)
    times.sort()
    size_mb = sum(p.stat().st_size for p in model_paths()) / 1e6
    print(f"dataset={args.dataset} n={n} threads={args.threads}" + (f" perturb={args.perturb}" if args.perturb else ""))
    print(
        f"exact_top1={exact / n:.3f} within_one_edit={near / n:.3f} detection_recall_iou50={found / boxed:.3f}"
        if boxed
        else f"exact_top1={exact / n:.3f} within_one_edit={near / n:.3f} detection_recall_iou50=n/a"
    )
    if plate_det is not None and boxed:
        print(f"plate_detector_recall_iou50={det_found / boxed:.3f} plate_detector_boxes_per_image={det_boxes / n:.2f}")
    print(f"confident(>=0.9)={confident} precision_at_0.9={confident_ok / confident if confident else 0:.3f}")
    print(
        f"median_ms={statistics.median(times):.1f} p90_ms={times[int(0.9 * (n - 1))]:.1f} "
        f"cold_start_s={cold if cold is None else round(cold, 2)} model_mb={size_mb:.1f}"
    )
    cpu_times.sort()
    print(
        f"cpu_median_ms={statistics.median(cpu_times):.1f} cpu_p90_ms={cpu_times[int(0.9 * (n - 1))]:.1f} "
        f"o0_folded={folded / n:.3f}"
    )
    print("reliability " + reliability(top_reads) + f" no_read={n - len(top_reads)}")
    print(
        f"calibration_error={calibration_error(top_reads):.3f} "
        f"uncalibrated_score_error={calibration_error(top_scores):.3f}"
    )
    if not args.no_baseline:
        baseline(reader, truth, args.perturb)
    return 0


BANDS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.01)


def reliability(top_reads: list[tuple[float, bool]]) -> str:
    """`lo-hi:n/exact_rate` per confidence band: how often a top read in that band is exactly right."""
    cells = []
    for lo, hi in itertools.pairwise(BANDS):
        band = [ok for conf, ok in top_reads if lo <= conf < hi]
        rate = f"{sum(band) / len(band):.2f}" if band else "-"
        cells.append(f"{lo:.2f}-{min(hi, 1.0):.2f}:{len(band)}/{rate}")
    return " ".join(cells)


def calibration_error(top_reads: list[tuple[float, bool]], bins: int = 10) -> float:
    """Expected calibration error: over ten equal confidence bins, the read-weighted mean gap between the
    bin's mean confidence and its exact rate (0 = a confidence of c is right c of the time)."""
    if not top_reads:
        return 0.0
    gap = 0.0
    for b in range(bins):
        cell = [(c, ok) for c, ok in top_reads if b / bins <= c < (b + 1) / bins or (b == bins - 1 and c >= 1)]
        if cell:
            gap += abs(sum(c for c, _ in cell) - sum(ok for _, ok in cell))
    return gap / len(top_reads)


def baseline(reader: PlateReader, truth: Truth, perturb: str | None = None) -> None:
    """The whole-image PP-OCR reader (no plate detector, no plate CRNN, one 960 px pass), same photos."""
    plain = PlateReader(reader.detector, reader.recognizer, None, detect_sides=(960,))
    exact = 0
    times: list[float] = []
    for image, plates in truth.items():
        t0 = time.perf_counter()
        frame = load_frame(image, perturb)
        reads = plain.read(frame) if frame is not None else []
        times.append((time.perf_counter() - t0) * 1000)
        exact += bool(reads) and reads[0].plate in [p for p, _ in plates]
    times.sort()
    n = len(truth)
    print(
        f"baseline_ppocr_whole_image exact_top1={exact / n:.3f} median_ms={statistics.median(times):.1f} "
        f"p90_ms={times[int(0.9 * (n - 1))]:.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
