"""The confidence calibration: its fit, its file, and how the reader applies it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.recognition import calibration_error
from evaluation.splits import is_validation
from plateguard.recognition import PlateReader, get_reader
from plateguard.recognition.calibration import (
    Calibration,
    CalibrationError,
    fit_isotonic,
    load_calibration,
    shipped_calibration,
)
from plateguard.recognition.synth import render_scene
from tests.unit.recognition_support import write_labelled_photo
from training import calibrate


def test_fit_maps_a_score_to_how_often_reads_with_that_score_are_right() -> None:
    """Given reads scored 0.4 that are right 3 times in 4 and reads scored 0.8 that are always right, when
    fitted, then a 0.4 read is reported at 0.75, and a 0.8 read just under the 0.9 band."""
    pairs = [(0.4, True), (0.4, True), (0.4, True), (0.4, False)] + [(0.8, True)] * 4

    calibration, blocks = fit_isotonic(pairs)

    assert calibration.apply(0.4) == pytest.approx(0.75)
    assert calibration.apply(0.8) == pytest.approx(0.899)
    assert blocks == [(0.4, 0.75, 4), (0.8, 1.0, 4)]


def test_fit_pools_reads_whose_exact_rate_falls_as_the_score_rises() -> None:
    """Given a higher-scored read that is wrong and a lower-scored one that is right, when fitted, then the
    two are pooled, so the calibrated confidence never falls as the score rises."""
    calibration, blocks = fit_isotonic([(0.3, True), (0.5, False)])

    assert blocks == [(pytest.approx(0.4), 0.5, 2)]
    scores = [i / 100 for i in range(100)]
    confidences = [calibration.apply(s) for s in scores]
    assert confidences == sorted(confidences)


def test_the_alert_band_is_neither_entered_nor_changed_by_the_fit() -> None:
    """Given reads scored below 0.9 that were all right, when fitted, then none is promoted to 0.9 or more,
    and a score in the band is reported unchanged."""
    calibration, _ = fit_isotonic([(0.6, True)] * 50 + [(0.95, False)] * 10)

    assert max(calibration.apply(i / 100) for i in range(90)) < 0.9
    assert calibration.apply(0.9) == 0.9
    assert calibration.apply(0.97) == 0.97


def test_a_fit_without_reads_below_the_band_is_refused() -> None:
    """Given only reads in the band, when fitted, then a CalibrationError says what is missing."""
    with pytest.raises(CalibrationError, match="below the band"):
        fit_isotonic([(0.95, True), (0.99, True)])


@pytest.mark.parametrize(
    ("scores", "confidences", "message"),
    [
        ((0.0, 0.5), (0.6, 0.4), "must not decrease"),
        ((0.5, 0.2), (0.1, 0.4), "strictly increasing"),
        ((0.0, 0.95), (0.1, 0.4), r"\[0, band"),
        ((0.0,), (0.1,), "at least two"),
    ],
)
def test_a_calibration_that_would_reorder_reads_or_enter_the_band_is_rejected(
    scores: tuple[float, ...], confidences: tuple[float, ...], message: str
) -> None:
    """Given knots that decrease, go backwards, reach the band or are too few, when built, then rejected."""
    with pytest.raises(CalibrationError, match=message):
        Calibration(scores, confidences)


def test_a_malformed_calibration_file_names_itself_in_the_error(tmp_path: Path) -> None:
    """Given a file without knots and a missing file, when loaded, then the error names the file."""
    bad = tmp_path / "calibration.json"
    bad.write_text(json.dumps({"band": 0.9}))

    with pytest.raises(CalibrationError, match=r"calibration\.json is not valid"):
        load_calibration(bad)
    with pytest.raises(CalibrationError, match="missing"):
        load_calibration(tmp_path / "absent.json")


def test_shipped_calibration_was_fitted_away_from_the_dev_photos_and_keeps_the_band() -> None:
    """Given the shipped calibration file, when loaded, then it is valid, names validation splits (never the
    US dev photos) as its data, and leaves the >= 0.9 band as it is."""
    path = Path(__file__).resolve().parents[2] / "functions/plateguard/recognition/models/calibration.json"
    record = json.loads(path.read_text())
    calibration = shipped_calibration()

    assert record["fitted_on"] and all("validation split" in name for name in record["fitted_on"])
    assert not any("us-dev" in name for name in record["fitted_on"])
    assert calibration.band == 0.9 and calibration.apply(0.93) == 0.93
    assert all(calibration.apply(i / 100) < 0.9 for i in range(90))


def test_the_reader_reports_calibrated_confidence_and_keeps_the_score() -> None:
    """Given the shared reader and an uncalibrated one, when both read a plate the two models disagree on
    (a score below the band), then the same plate and score come back, and the reported confidence and
    the alternatives' confidences are the shipped calibration of the uncalibrated ones."""
    frame = render_scene(["HKT6620"], seed=1)

    calibrated = get_reader(1).read(frame)[0]
    raw = get_reader(1, calibrated=False).read(frame)[0]

    assert calibrated.plate == raw.plate == "HKT6620"
    assert raw.score < 0.9 and raw.alternatives
    assert calibrated.confidence != raw.confidence
    assert calibrated.score == raw.score == raw.confidence
    assert calibrated.confidence == round(shipped_calibration().apply(raw.score), 4)
    assert [c for _, c in calibrated.alternatives] == [
        round(shipped_calibration().apply(c), 4) for _, c in raw.alternatives
    ]


def test_the_reader_decides_its_passes_on_the_score_not_on_the_calibrated_confidence() -> None:
    """Given a plate the two models disagree on (score 0.7, above the reader's 0.6 early exit) and a
    calibration that reports every read below the band as nearly worthless, when read, then the reader
    makes the same passes and picks the same plate as without the calibration: it changes only what is
    reported."""
    shared = get_reader(1)
    frame = render_scene(["HKT6620"], seed=1)
    pessimist = Calibration((0.0, 0.89), (0.0, 0.01))
    calls: dict[str, list[int | None]] = {"raw": [], "pessimist": []}

    def counting(key: str) -> object:
        class _Counting:
            def detect(self, image: object, max_side: int | None = None) -> list:
                calls[key].append(max_side)
                return shared._detector.detect(image, max_side)  # type: ignore[arg-type]

        return _Counting()

    def reader(key: str, calibration: Calibration | None) -> PlateReader:
        return PlateReader(
            counting(key),  # type: ignore[arg-type]
            shared._recognizer,
            shared._plate_recognizer,
            plate_detector=shared._plate_detector,
            region_accept_confidence=0.6,
            calibration=calibration,
        )

    raw = reader("raw", None).read(frame)
    gloomy = reader("pessimist", pessimist).read(frame)

    assert raw and 0.6 <= raw[0].score < 0.9
    assert [p.plate for p in gloomy] == [p.plate for p in raw]
    assert calls["pessimist"] == calls["raw"]
    assert all(g.confidence == round(pessimist.apply(r.score), 4) for g, r in zip(gloomy, raw, strict=True))


def test_calibration_error_is_zero_when_confidence_matches_the_exact_rate() -> None:
    """Given reads at 0.75 right 3 times in 4, and reads at 1.0 always wrong, when scored, then 0 and 1."""
    assert calibration_error([(0.75, True), (0.75, True), (0.75, True), (0.75, False)]) == pytest.approx(0.0)
    assert calibration_error([(1.0, False), (1.0, False)]) == pytest.approx(1.0)
    assert calibration_error([]) == 0.0


def test_calibrate_refuses_the_dev_photos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Given the US dev folder as input, when calibrating, then it exits 2 and says why."""
    dev = tmp_path / "openalpr-us-dev"
    dev.mkdir()

    assert calibrate.main([str(dev), "--out", str(tmp_path / "c.json")]) == 2
    assert "held-out check" in capsys.readouterr().err


def test_calibrate_writes_a_file_the_reader_can_load(tmp_path: Path) -> None:
    """Given a small labelled folder whose photos are in the validation split (one label wrong), when
    calibrated, then the written file loads, and records how many reads it was fitted on."""
    folder = tmp_path / "plates"
    folder.mkdir()
    names = [n for n in (f"scene{i}" for i in range(40)) if is_validation(f"{n}.jpg")][:3]
    for k, (name, plate) in enumerate(zip(names, ["KXR472", "BDF3927", "HKT6620"], strict=True)):
        write_labelled_photo(folder, name, plate, label="ZZZ999" if k == 0 else None, seed=k + 1)
    out = tmp_path / "calibration.json"

    assert calibrate.main([str(folder), "--out", str(out)]) == 0

    record = json.loads(out.read_text())
    assert record["reads"] == 3 * len(calibrate.PERTURBATIONS)
    assert record["fitted_on"] == ["plates validation split"]
    assert isinstance(load_calibration(out), Calibration)


def test_calibrate_refuses_reads_that_leave_nothing_to_fit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Given a validation photo read with full confidence only (no read below the band), when calibrating,
    then it exits 2 with the reason instead of writing a file."""
    folder = tmp_path / "plates"
    folder.mkdir()
    name = next(n for n in (f"scene{i}" for i in range(40)) if is_validation(f"{n}.jpg"))
    write_labelled_photo(folder, name, "KXR472")
    out = tmp_path / "calibration.json"

    assert calibrate.main([str(folder), "--out", str(out)]) == 2

    assert "below the band" in capsys.readouterr().err
    assert not out.exists()
