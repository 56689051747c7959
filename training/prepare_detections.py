"""Collect plate boxes from public detection sets into one manifest for plate-detector training.

usage: python -m training.prepare_detections OUT_DIR SOURCES_DIR [OPENALPR_DIR ...] [--paste US_CROPS_DIR]

SOURCES_DIR holds the public sets obtained with `fetch` (see the detector's model card and
training/README.md), unpacked as they are in their repositories:
- `LP_Detection/{train,valid}` + `{train,valid}labels` (unknowncz/LP_recognition: Open Images photos,
  CC BY 2.0; labels CC BY 4.0), Pascal VOC;
- `dataset/{train,valid}/{images,annots}` (RobertLucian/license-plate-dataset, MIT), Pascal VOC;
- `yolo_training/content/experiment-plates-1/{train,valid,test}` (chirag-agrawal24/ANPR, MIT): YOLO
  boxes; Roboflow's augmented copies of one photo (`<id>_jpg.rf.<hash>`) are reduced to one.
OPENALPR_DIR folders (OpenALPR benchmark format, AGPL) add their *training split* photos only
(`evaluation.splits`); openalpr-us-dev is never passed, so it stays unseen.
`--paste US_CROPS_DIR` lists the training-split plate images of a crop folder for copy-paste augmentation.

Output: OUT_DIR/images/*.jpg (long side <= 1024 px) and OUT_DIR/manifest.json
({"images": [{"file", "boxes": [[x0, y0, x1, y1], ...], "source"}], "paste": [paths]}).
Nothing here is committed: OUT_DIR lives in the git-ignored .train_data/.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2

from evaluation.splits import is_validation

MAX_SIDE = 1024
Box = list[float]


def _voc(xml_path: Path) -> list[Box]:
    boxes = []
    for obj in ET.parse(xml_path).getroot().iter("object"):
        bb = obj.find("bndbox")
        if bb is None:
            continue
        vals = [float(bb.findtext(k) or 0) for k in ("xmin", "ymin", "xmax", "ymax")]
        boxes.append(vals)
    return boxes


def _voc_pairs(src: Path) -> Iterator[tuple[Path, list[Box], str]]:
    for split in ("train", "valid"):
        images, labels = src / "LP_Detection" / split, src / "LP_Detection" / f"{split}labels"
        for xml in sorted(labels.glob("*.xml")) if labels.is_dir() else []:
            img = images / f"{xml.stem}.jpg"
            if img.exists():
                yield img, _voc(xml), "openimages"
        images, labels = src / "dataset" / split / "images", src / "dataset" / split / "annots"
        for xml in sorted(labels.glob("*.xml")) if labels.is_dir() else []:
            img = images / f"{xml.stem}.jpg"
            if img.exists():
                yield img, _voc(xml), "dashcam-ro"


def _yolo(src: Path) -> Iterator[tuple[Path, list[Box], str]]:
    root = src / "yolo_training" / "content" / "experiment-plates-1"
    seen: set[str] = set()
    for split in ("train", "valid", "test"):
        for lbl in sorted((root / split / "labels").glob("*.txt")) if (root / split).is_dir() else []:
            photo = lbl.name.split("_jpg.rf.")[0]
            img = root / split / "images" / f"{lbl.stem}.jpg"
            if photo in seen or not img.exists():
                continue
            seen.add(photo)
            photo_image = cv2.imread(str(img))
            if photo_image is None:
                continue
            h, w = photo_image.shape[:2]
            boxes = []
            for line in lbl.read_text().splitlines():
                parts = line.split()
                if len(parts) == 5:
                    cx, cy, bw, bh = (float(v) for v in parts[1:])
                    boxes.append([(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h])
            yield img, boxes, "anpr-mixed"


def _openalpr(folder: Path) -> Iterator[tuple[Path, list[Box], str]]:
    per_image: dict[Path, list[Box]] = {}
    for txt in sorted(folder.glob("*.txt")):
        for line in txt.read_text().splitlines():
            parts = line.strip().split("\t")
            if len(parts) >= 6 and not is_validation(Path(parts[0]).name):
                x, y, w, h = (float(v) for v in parts[1:5])
                img = folder / parts[0]
                if img.exists():
                    per_image.setdefault(img, []).append([x, y, x + w, y + h])
    for img, boxes in per_image.items():
        yield img, boxes, f"openalpr-{folder.name}"


def main(argv: list[str]) -> int:
    paste_dir = None
    if "--paste" in argv:
        i = argv.index("--paste")
        paste_dir = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    out, src, alpr = Path(argv[0]), Path(argv[1]), [Path(a) for a in argv[2:]]
    (out / "images").mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    sources = [_voc_pairs(src), _yolo(src), *(_openalpr(f) for f in alpr)]
    for gen in sources:
        for img_path, boxes, source in gen:
            boxes = [b for b in boxes if b[2] - b[0] >= 4 and b[3] - b[1] >= 3]
            image = cv2.imread(str(img_path))
            if image is None or not boxes:
                continue
            scale = min(1.0, MAX_SIDE / max(image.shape[:2]))
            if scale < 1:
                image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            name = f"{len(records):05d}.jpg"
            cv2.imwrite(str(out / "images" / name), image, [cv2.IMWRITE_JPEG_QUALITY, 93])
            records.append({"file": name, "boxes": [[round(v * scale, 1) for v in b] for b in boxes], "source": source})
    paste = []
    if paste_dir is not None:
        paste = [str(p) for p in sorted(paste_dir.glob("*.png")) if not is_validation(p.name)]
    (out / "manifest.json").write_text(json.dumps({"images": records, "paste": paste}))
    counts: dict[str, int] = {}
    for r in records:
        counts[r["source"]] = counts.get(r["source"], 0) + 1
    print(json.dumps({"images": len(records), "by_source": counts, "paste_plates": len(paste)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
