"""How stable the reader's accuracy is when the same photos change slightly.

usage: python -m benchmarks.robustness DATASET_DIR [--perturb P ...] [--split all|train|val] [--threads 1]

Reads every labelled photo of an OpenALPR-format folder as given and under each perturbation of
`evaluation.dataset` (`jpegQ`, `scaleF`, `shiftN`; default: JPEG 92, x0.8, x1.5 and cuts of 2, 5, 8,
11 and 16 px at the top and left) and prints the exact top-1 rate per condition, then their mean, minimum
and maximum, and how many photos were read right under every condition, under some, or under none.

Why: a score measured on the photos that chose the reader's settings is the best of many possible
draws. Cutting a few pixel rows off a photo changes no pixel of the plate, yet moves which reads come
out right; the mean over such conditions is the better estimate for new photos of the same kind.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2

from evaluation.dataset import load_frame, load_truth, perturbation
from evaluation.splits import is_validation
from plateguard.recognition import get_reader

DEFAULT_PERTURBATIONS = ("jpeg92", "scale0.8", "scale1.5", "shift2", "shift5", "shift8", "shift11", "shift16")


def run(
    truth: dict[Path, list[str]], perturbations: list[str | None], threads: int = 1
) -> dict[str | None, dict[Path, bool]]:
    """For each condition (None = as given), whether each photo's top read is one of its plates."""
    reader = get_reader(threads)
    results: dict[str | None, dict[Path, bool]] = {}
    for perturb in perturbations:
        right: dict[Path, bool] = {}
        times: list[float] = []
        for image, plates in truth.items():
            t0 = time.perf_counter()
            frame = load_frame(image, perturb)
            reads = reader.read(frame) if frame is not None else []
            times.append((time.perf_counter() - t0) * 1000)
            right[image] = bool(reads) and reads[0].plate in plates
        results[perturb] = right
        print(
            f"condition={perturb or 'as-given'} exact_top1={sum(right.values()) / len(right):.3f} "
            f"median_ms={statistics.median(times):.1f}",
            flush=True,
        )
    return results


def summary(results: dict[str | None, dict[Path, bool]]) -> str:
    rates = [sum(r.values()) / len(r) for r in results.values()]
    photos = next(iter(results.values())).keys()
    counts = [sum(r[p] for r in results.values()) for p in photos]
    return (
        f"conditions={len(rates)} mean_exact={statistics.mean(rates):.3f} min_exact={min(rates):.3f} "
        f"max_exact={max(rates):.3f} photos={len(counts)} right_always={counts.count(len(rates))} "
        f"right_sometimes={sum(0 < c < len(rates) for c in counts)} right_never={counts.count(0)}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--perturb", type=perturbation, action="append", help="jpegQ, scaleF or shiftN (repeatable)")
    ap.add_argument("--split", choices=("all", "train", "val"), default="all")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    truth = {p: [t for t, _ in rows] for p, rows in load_truth(args.dataset).items()}
    if args.split != "all":
        truth = {p: t for p, t in truth.items() if is_validation(p.name) == (args.split == "val")}
    if not truth:
        print(f"error: no labelled photo in {args.dataset}", file=sys.stderr)
        return 2
    cv2.setNumThreads(args.threads)
    perturbations: list[str | None] = [None, *(args.perturb or DEFAULT_PERTURBATIONS)]
    print(f"dataset={args.dataset} n={len(truth)} threads={args.threads}")
    print(summary(run(truth, perturbations, args.threads)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
