"""The recognition benchmark on a tiny OpenALPR-format folder the test writes itself."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from benchmarks.recognition import main, reliability
from benchmarks.robustness import main as robustness_main
from benchmarks.upscale import main as upscale_main
from benchmarks.upscale import upscale_folder
from evaluation.dataset import load_frame
from plateguard.recognition.synth import render_scene
from tests.unit.recognition_support import write_labelled_photo


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
    write_labelled_photo(tmp_path, "a", "KXR472")
    write_labelled_photo(tmp_path, "b", "BDF3927", label="ZZZ999")

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
    """Given a photo, when loaded with `jpeg50`, `scale0.5` or `shift8`, then it is changed as named (the
    shift keeps every other pixel as it was); an unknown or out-of-range perturbation is refused."""
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), render_scene(["KXR472"], seed=1, size=(640, 480)))
    original = cv2.imread(str(path))

    recoded = load_frame(path, "jpeg50")
    halved = load_frame(path, "scale0.5")
    shifted = load_frame(path, "shift8")

    assert recoded is not None and recoded.shape == original.shape and (recoded != original).any()
    assert halved is not None and halved.shape[:2] == (240, 320)
    assert shifted is not None and (shifted == original[8:, 8:]).all()
    for bad in ("blur3", "jpeg0", "scale9", "shift0", "shift99"):
        with pytest.raises(SystemExit):
            main([str(tmp_path), "--perturb", bad])


def test_upscaling_a_folder_without_labelled_photos_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an empty folder, when copied to 1080p, then the command exits 2 and says why."""
    assert upscale_main([str(tmp_path), str(tmp_path / "out")]) == 2

    assert "no readable photo with ground-truth boxes" in capsys.readouterr().err


def test_robustness_benchmark_counts_photos_right_under_every_condition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a correctly and a wrongly labelled synthetic photo, when read as given and cut by 4 px, then
    each condition's exact rate is 1/2, one photo is right always and one never."""
    write_labelled_photo(tmp_path, "a", "KXR472")
    write_labelled_photo(tmp_path, "b", "BDF3927", label="ZZZ999")

    assert robustness_main([str(tmp_path), "--perturb", "shift4"]) == 0

    out = capsys.readouterr().out
    assert "condition=as-given exact_top1=0.500" in out
    assert "condition=shift4 exact_top1=0.500" in out
    assert "conditions=2 mean_exact=0.500" in out
    assert "right_always=1 right_sometimes=0 right_never=1" in out


def test_robustness_benchmark_refuses_a_folder_without_labelled_photos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an empty folder, when benchmarked, then it exits 2 with a message."""
    assert robustness_main([str(tmp_path)]) == 2
    assert "no labelled photo" in capsys.readouterr().err
