"""The recognition benchmark on a tiny OpenALPR-format folder the test writes itself."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from benchmarks.recognition import load_frame, main, reliability
from benchmarks.upscale import main as upscale_main
from benchmarks.upscale import upscale_folder
from plateguard.recognition.synth import render_scene


def test_reliability_bands_count_reads_and_their_exact_rate() -> None:
    """Given top reads at known confidences, when tabulated, then each band shows n / exact rate."""
    table = reliability([(0.95, True), (0.97, False), (0.85, True), (0.1, False)])

    assert "0.00-0.30:1/0.00" in table
    assert "0.80-0.90:1/1.00" in table
    assert "0.95-1.00:2/0.50" in table
    assert "0.50-0.70:0/-" in table


def test_benchmark_prints_accuracy_speed_reliability_and_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given two labelled synthetic photos (one label deliberately wrong), when benchmarked, then exact
    accuracy is 1/2 and the detector, speed, reliability and PP-OCR baseline lines are printed."""
    for name, plate, label in (("a", "KXR472", "KXR472"), ("b", "BDF3927", "ZZZ999")):
        frame = render_scene([plate], seed=1, size=(960, 540))
        cv2.imwrite(str(tmp_path / f"{name}.jpg"), frame)
        (tmp_path / f"{name}.txt").write_text(f"{name}.jpg\t0\t0\t10\t10\t{label}\n")

    assert main([str(tmp_path), "--no-cold"]) == 0

    out = capsys.readouterr().out
    assert "exact_top1=0.500" in out
    assert "plate_detector_recall_iou50=" in out
    assert "median_ms=" in out and "p90_ms=" in out and "model_mb=" in out
    assert out.count("reliability ") == 1
    assert "baseline_ppocr_whole_image exact_top1=0.500" in out


def test_upscaled_copy_fits_1080p_keeps_the_aspect_and_scales_the_boxes(tmp_path: Path) -> None:
    """Given a labelled 640x480 photo, when copied to 1080p, then the copy is 1440x1080 and its box and
    plate text are the original's scaled by 2.25 and unchanged."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    cv2.imwrite(str(src / "a.jpg"), render_scene(["KXR472"], seed=1, size=(640, 480)))
    (src / "a.txt").write_text("a.jpg\t100\t200\t40\t20\tKXR472\n")

    assert upscale_folder(src, dst) == 1

    image = cv2.imread(str(dst / "a.jpg"))
    assert image is not None and image.shape[:2] == (1080, 1440)
    assert (dst / "a.txt").read_text() == "a.jpg\t225\t450\t90\t45\tKXR472\n"


def test_perturbed_photos_are_re_encoded_or_resized_and_bad_names_are_refused(tmp_path: Path) -> None:
    """Given a photo, when loaded with `jpeg50` or `scale0.5`, then it is changed as named; an unknown
    or out-of-range perturbation is refused with a message."""
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), render_scene(["KXR472"], seed=1, size=(640, 480)))
    original = cv2.imread(str(path))

    recoded = load_frame(path, "jpeg50")
    halved = load_frame(path, "scale0.5")

    assert recoded is not None and recoded.shape == original.shape and (recoded != original).any()
    assert halved is not None and halved.shape[:2] == (240, 320)
    for bad in ("blur3", "jpeg0", "scale9"):
        with pytest.raises(SystemExit):
            main([str(tmp_path), "--perturb", bad])


def test_upscaling_a_folder_without_labelled_photos_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an empty folder, when copied to 1080p, then the command exits 2 and says why."""
    assert upscale_main([str(tmp_path), str(tmp_path / "out")]) == 2

    assert "no readable photo with ground-truth boxes" in capsys.readouterr().err
