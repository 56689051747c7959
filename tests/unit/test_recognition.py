"""Behaviour of the plate reader on synthetic scenes (no datasets, GPU or font files needed)."""

from __future__ import annotations

import numpy as np
import pytest

from plateguard.recognition import RecognizedPlate, get_reader
from plateguard.recognition.candidates import plate_prior
from plateguard.recognition.synth import render_scene

# Hershey glyphs draw O and 0 (and I and 1) alike, so the test plates avoid those pairs.
SINGLE = "KXR472"
PAIR = ["7HTV285", "PGW4821"]


@pytest.fixture(scope="module")
def reader():
    return get_reader(1)


def test_reads_single_synthetic_plate(reader) -> None:
    """Given a synthetic frame with one plate, when read, then the top reading is that plate."""
    frame = render_scene([SINGLE], seed=1)

    plates = reader.read(frame)

    assert plates, "expected at least one plate"
    top = plates[0]
    assert isinstance(top, RecognizedPlate)
    assert top.plate == SINGLE
    assert 0.5 <= top.confidence <= 1.0
    assert len(top.char_confidences) == len(top.raw_text)


def test_reads_every_plate_in_multi_car_scene_with_boxes_inside_frame(reader) -> None:
    """Given two cars with plates, when read, then both plates come back, sorted by confidence,
    with boxes inside the image and left-to-right positions matching the layout."""
    frame = render_scene(PAIR, seed=7)

    plates = reader.read(frame)

    found = {p.plate: p for p in plates}
    assert set(PAIR) <= set(found)
    assert [p.confidence for p in plates] == sorted((p.confidence for p in plates), reverse=True)
    h, w = frame.shape[:2]
    for p in plates:
        x, y, bw, bh = p.box
        assert x >= 0 and y >= 0 and x + bw <= w + 1 and y + bh <= h + 1 and bw > 0 and bh > 0
    assert found[PAIR[0]].box[0] < found[PAIR[1]].box[0]


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_reads_plates_across_layouts(reader, seed: int) -> None:
    """Given scenes drawn with different seeds (colours, positions), when read, then the plate is found."""
    plates = ["BDF3927", "ZW8154", "HKT6620"]
    frame = render_scene(plates, seed=seed)

    readings = {p.plate for p in reader.read(frame)}

    assert set(plates) <= readings


def test_blank_and_tiny_images_yield_no_plates(reader) -> None:
    """Given frames with no text (flat, empty scene, tiny, greyscale), when read, then no plates."""
    assert reader.read(np.zeros((720, 1280, 3), np.uint8)) == []
    assert reader.read(render_scene([], seed=5)) == []
    assert reader.read(np.full((4, 4, 3), 255, np.uint8)) == []
    assert reader.read(np.zeros((50, 50), np.uint8)) == []


def test_reader_is_cached_per_thread_count() -> None:
    """Given repeated requests, when asking for a reader, then sessions are built once per thread count."""
    assert get_reader(1) is get_reader(1)
    assert get_reader(2) is not get_reader(1)


def test_render_scene_has_requested_size_and_is_deterministic() -> None:
    """Given a seed and size, when rendering twice, then frames are identical BGR uint8 of that size."""
    a = render_scene(["ABC123"], seed=11, size=(640, 360))
    b = render_scene(["ABC123"], seed=11, size=(640, 360))

    assert a.shape == (360, 640, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)


def test_digits_only_text_is_more_plate_like_inside_a_detected_plate_than_in_the_scene() -> None:
    """Given a 7-digit string (an older California plate, or a phone or house number in a scene), when
    scored, then it counts as more plate-like inside a plate-detector box, and still below a mixed one."""
    in_scene, in_plate = plate_prior("1365847"), plate_prior("1365847", in_plate=True)
    mixed = plate_prior("6RJN062", in_plate=True)

    assert in_scene < in_plate < mixed
    assert plate_prior("ABCDEFG", in_plate=True) == plate_prior("ABCDEFG")
