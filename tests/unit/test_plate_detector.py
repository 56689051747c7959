"""Behaviour of the plate detector's post-processing and of the reader's plate-region path."""

from __future__ import annotations

import numpy as np
import pytest

from plateguard.recognition import _sessions
from plateguard.recognition.plate_detector import PlateBox, PlateDetector
from plateguard.recognition.reader import PlateReader, get_reader
from plateguard.recognition.synth import render_scene


class _FixedMapSession:
    """Stands in for an ONNX session: returns a prepared probability map and records the input shape."""

    def __init__(self, prob: np.ndarray) -> None:
        self.prob = prob
        self.shapes: list[tuple[int, ...]] = []

    def get_inputs(self) -> list:
        class _Input:
            name = "image"

        return [_Input()]

    def run(self, _outputs: object, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        self.shapes.append(feeds["image"].shape)
        return [self.prob[None, None]]


def test_connected_plate_regions_become_boxes_in_image_pixels_best_first() -> None:
    """Given a 1/4-resolution map with a strong and a weak plate blob and a lone noisy cell,
    when detected on a 640x320 image, then two boxes come back, scaled by the stride, strongest first."""
    prob = np.zeros((80, 160), np.float32)
    prob[10:15, 20:40] = 0.95  # strong plate
    prob[50:54, 100:112] = 0.6  # weaker plate
    prob[70, 5] = 0.99  # one cell: noise, not a plate
    session = _FixedMapSession(prob)
    detector = PlateDetector(session, shrink_cells=(0.0, 0.0))  # type: ignore[arg-type]

    boxes = detector.detect(np.zeros((320, 640, 3), np.uint8))

    assert session.shapes == [(1, 3, 320, 640)]
    assert [round(b.score, 2) for b in boxes] == [0.95, 0.6]
    assert (boxes[0].x, boxes[0].y, boxes[0].w, boxes[0].h) == (80, 40, 80, 20)
    assert (boxes[1].x, boxes[1].y, boxes[1].w, boxes[1].h) == (400, 200, 48, 16)


def test_large_photos_are_reduced_to_the_model_side_and_boxes_scaled_back() -> None:
    """Given a 1280x720 photo and a 640 px model side, when detected, then the model sees 640x352 and
    boxes are in photo pixels."""
    prob = np.zeros((88, 160), np.float32)
    prob[40:44, 60:80] = 0.9
    session = _FixedMapSession(prob)

    detector = PlateDetector(session, max_side=640, shrink_cells=(0.0, 0.0))  # type: ignore[arg-type]

    (box,) = detector.detect(np.zeros((720, 1280, 3), np.uint8))

    assert session.shapes == [(1, 3, 352, 640)]
    assert (box.x, box.w) == (480, 160)
    assert box.y == pytest.approx(40 * 4 * 720 / 352, abs=1)


def test_boxes_are_shrunk_by_the_calibrated_blob_overshoot_but_never_to_nothing() -> None:
    """Given blobs that overshoot plates by the calibrated margin, when detected, then boxes are pulled in
    by that margin per side, and a blob narrower than twice the margin keeps its centre cell."""
    prob = np.zeros((80, 160), np.float32)
    prob[10:16, 20:40] = 0.9  # 20 x 6 cells
    prob[50:52, 100:103] = 0.8  # 3 x 2 cells
    detector = PlateDetector(_FixedMapSession(prob), shrink_cells=(2.0, 1.0))  # type: ignore[arg-type]

    big, small = detector.detect(np.zeros((320, 640, 3), np.uint8))

    assert (big.x, big.y, big.w, big.h) == ((20 + 2) * 4, (10 + 1) * 4, (20 - 4) * 4, (6 - 2) * 4)
    assert (small.x, small.w) == ((100 + 1) * 4, 4)
    assert (small.y, small.h) == (202, 4)
    assert big.blob == (20 * 4, 10 * 4, 20 * 4, 6 * 4)  # the unshrunk blob, searched for the plate's text


def test_blobs_taller_than_wide_are_not_plates() -> None:
    """Given a strong blob shaped like a pole or gate bar (taller than wide), when detected, then no box."""
    prob = np.zeros((80, 160), np.float32)
    prob[10:60, 20:30] = 0.99

    assert PlateDetector(_FixedMapSession(prob)).detect(np.zeros((320, 640, 3), np.uint8)) == []  # type: ignore[arg-type]


def test_weak_blobs_are_not_plates() -> None:
    """Given a map whose only blob peaks below the minimum score, when detected, then no boxes."""
    prob = np.zeros((80, 160), np.float32)
    prob[10:15, 20:40] = 0.45

    assert PlateDetector(_FixedMapSession(prob)).detect(np.zeros((320, 640, 3), np.uint8)) == []  # type: ignore[arg-type]


def test_shipped_model_is_in_the_package_and_listed_with_the_others() -> None:
    """Given the installed package, then the detector model ships beside the recognizer and is counted."""
    path = _sessions.plate_det_model_path()

    assert path.is_file() and path.stat().st_size < 5_000_000
    assert path in _sessions.model_paths()


class _CountingDetector:
    """Wraps the text detector to record the side each call was made at."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.sides: list[int | None] = []

    def detect(self, image: np.ndarray, max_side: int | None = None) -> list:
        self.sides.append(max_side)
        return self.inner.detect(image, max_side)  # type: ignore[attr-defined]


class _OneBox:
    def __init__(self, box: PlateBox | None) -> None:
        self.box = box

    def detect(self, _image: np.ndarray, _max_side: int | None = None) -> list[PlateBox]:
        return [self.box] if self.box else []


def _reader_with(plate_detector: object, **settings: float) -> tuple[PlateReader, _CountingDetector]:
    shared = get_reader(1)
    counting = _CountingDetector(shared._detector)
    reader = PlateReader(
        counting,  # type: ignore[arg-type]
        shared._recognizer,
        shared._plate_recognizer,
        plate_detector=plate_detector,  # type: ignore[arg-type]
        **settings,  # type: ignore[arg-type]
    )
    return reader, counting


def _plate_box(frame: np.ndarray, text: str) -> PlateBox:
    """The synthetic plate's box, found from the whole-photo path of the shared reader."""
    plate = next(p for p in get_reader(1).read(frame) if p.plate == text)
    x, y, w, h = plate.box
    return PlateBox(x - w // 10, y - h // 3, w + w // 5, h + 2 * h // 3, 0.9)


def test_a_confident_plate_region_skips_the_whole_photo_passes() -> None:
    """Given a plate detector that boxes the plate, when read, then the plate is read from that region
    alone (no whole-photo text detection) and the reported box is the detector's."""
    frame = render_scene(["KXR472"], seed=1)
    box = _plate_box(frame, "KXR472")
    reader, counting = _reader_with(_OneBox(box))

    plates = reader.read(frame)

    assert plates[0].plate == "KXR472"
    assert plates[0].box == (box.x, box.y, box.w, box.h)
    assert all(side is not None and side < 960 for side in counting.sides)


def test_a_region_read_below_the_early_exit_but_above_the_floor_still_skips_the_whole_photo() -> None:
    """Given a region read whose confidence never reaches the early-exit level, when read, then every plate
    height is tried, and the whole photo is searched only when the best read is also below the floor."""
    frame = render_scene(["KXR472"], seed=1)
    box = _plate_box(frame, "KXR472")
    confidence = _reader_with(_OneBox(box))[0].read(frame)[0].confidence
    never_early = {"region_accept_confidence": 1.01}

    above_floor, counting_above = _reader_with(_OneBox(box), **never_early, whole_photo_below=confidence - 0.01)
    below_floor, counting_below = _reader_with(_OneBox(box), **never_early, whole_photo_below=confidence + 0.01)
    plates_above, plates_below = above_floor.read(frame), below_floor.read(frame)

    assert plates_above[0].plate == plates_below[0].plate == "KXR472"
    assert len(counting_above.sides) == len(above_floor.region_heights)
    assert 960 not in counting_above.sides
    assert 960 in counting_below.sides


def test_without_a_plate_region_the_whole_photo_is_searched() -> None:
    """Given a plate detector that finds nothing, when read, then the whole-photo pass still finds the plate."""
    frame = render_scene(["KXR472"], seed=1)
    reader, counting = _reader_with(_OneBox(None))

    plates = reader.read(frame)

    assert plates[0].plate == "KXR472"
    assert counting.sides[0] == 960


def test_shipped_detector_boxes_every_plate_of_a_synthetic_street() -> None:
    """Given a synthetic three-car frame, when read with the shipped models, then every plate is read and
    each read's box is one the plate detector found (the plate-region path, not the whole-photo one)."""
    plates = ["BDF3927", "ZW8154", "HKT6620"]
    frame = render_scene(plates, seed=2)
    reader = get_reader(1)
    assert reader._plate_detector is not None

    detected = {(b.x, b.y, b.w, b.h) for b in reader._plate_detector.detect(frame)}
    reads = reader.read(frame)

    assert set(plates) <= {r.plate for r in reads}
    assert all(r.box in detected for r in reads if r.plate in plates)
