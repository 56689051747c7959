"""Cut labelled plate-text line crops from OpenALPR-format folders for recognizer training.

usage: python -m training.prepare_crops [--regions] OUT_DIR DATASET_DIR [DATASET_DIR ...]

The crops come from the shipped pipeline's own text detector, so training sees what inference sees: for
each image, the detected line (or joined pair) whose PP-OCR reading is closest to the ground truth (at
most 2 edits) is kept and labelled with the ground truth. Training images also get 3 jittered copies.
`--regions` cuts the lines from the plate detector's enlarged plate regions instead (what the reader
reads first), so both kinds of crop can be mixed for training.
The split is `evaluation.splits.is_validation`. Output: OUT_DIR/*.png and OUT_DIR/manifest.jsonl. The
datasets are AGPL: the output is training material only and must never be committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

from evaluation.dataset import load_truth
from evaluation.splits import is_validation
from evaluation.text import edit_distance
from plateguard.recognition import get_reader
from plateguard.recognition.candidates import join_boxes
from plateguard.recognition.detector import TextBox
from plateguard.recognition.formats import apply_plate_syntax
from plateguard.recognition.reader import PlateReader, plate_region, text_lines, worth_reading
from plateguard.recognition.recognizer import warp_crop


def _region_lines(reader: PlateReader, image: np.ndarray) -> tuple[np.ndarray, list[TextBox]]:
    """The lines of the plate detector's best region, in that enlarged region's pixels."""
    boxes = reader.plate_detector.detect(image) if reader.plate_detector else []
    found = plate_region(image, boxes[0]) if boxes else None
    if found is None:
        return image, []
    region = found[0]
    return region, text_lines(reader.detector, region, max(region.shape[:2]), in_plate=True)


def main() -> int:
    args = sys.argv[1:]
    regions = "--regions" in args
    args = [a for a in args if a != "--regions"]
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    reader = get_reader(1)
    det, rec = reader.detector, reader.recognizer
    rng = np.random.default_rng(0)
    kept = skipped = 0
    with (out / "manifest.jsonl").open("w") as manifest:
        for folder in map(Path, args[1:]):
            for image_path, plates in load_truth(folder).items():
                image = cv2.imread(str(image_path))
                if image is None:
                    continue
                label = plates[0][0]
                if regions:
                    image, lines = _region_lines(reader, image)
                else:
                    boxes = [b for b in det.detect(image) if worth_reading(b)]
                    lines = boxes + [
                        j for i, a in enumerate(boxes) for b in boxes[i + 1 :] if (j := join_boxes(a, b)) is not None
                    ]
                if not lines:
                    skipped += 1
                    continue
                readings = [apply_plate_syntax(r) for r in rec.recognize([warp_crop(image, b.corners) for b in lines])]
                dists = [edit_distance(r.text, label) for r in readings]
                best = int(np.argmin(dists))
                if dists[best] > 2:
                    skipped += 1
                    continue
                val = is_validation(image_path.name)
                corners = lines[best].corners
                h = float(np.linalg.norm(corners[3] - corners[0]))
                variants = [corners] + (
                    []
                    if val
                    else [corners + rng.normal(0, 0.07 * h, corners.shape).astype(np.float32) for _ in range(3)]
                )
                for k, c in enumerate(variants):
                    name = f"{folder.name}__{image_path.stem}__{'r' if regions else ''}{k}.png"
                    cv2.imwrite(str(out / name), warp_crop(image, c))
                    manifest.write(
                        json.dumps(
                            {
                                "file": name,
                                "label": label,
                                "split": "val" if val else "train",
                                "source": folder.name,
                                "ppocr": readings[best].text,
                            }
                        )
                        + "\n"
                    )
                kept += 1
    print(f"kept {kept} images, skipped {skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
