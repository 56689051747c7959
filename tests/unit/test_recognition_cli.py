"""The `plateguard read` command's contract: JSON lines, errors per image, exit code."""

from __future__ import annotations

import argparse
import json

import cv2
import pytest

from plateguard.recognition.cli import register
from plateguard.recognition.synth import render_scene


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="plateguard")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.fixture()
def scene_files(tmp_path):
    png = tmp_path / "scene.png"
    jpg = tmp_path / "scene2.jpg"
    cv2.imwrite(str(png), render_scene(["KXR472"], seed=1))
    cv2.imwrite(str(jpg), render_scene(["7HTV285", "PGW4821"], seed=7), [cv2.IMWRITE_JPEG_QUALITY, 92])
    return png, jpg


def test_json_mode_prints_one_object_per_image(scene_files, capsys) -> None:
    """Given a PNG and a JPEG scene, when `read --json` runs, then each image gives one JSON line with
    the path as given, timing and confidence-sorted plates, and the exit code is 0."""
    png, jpg = scene_files
    args = _parse(["read", str(png), str(jpg), "--json"])

    code = args.func(args)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert code == 0
    assert [rec["image"] for rec in lines] == [str(png), str(jpg)]
    assert lines[0]["plates"][0]["plate"] == "KXR472"
    assert {p["plate"] for p in lines[1]["plates"]} >= {"7HTV285", "PGW4821"}
    for rec in lines:
        assert rec["ms"] > 0
        confs = [p["confidence"] for p in rec["plates"]]
        assert confs == sorted(confs, reverse=True)
        for p in rec["plates"]:
            assert set(p) == {"plate", "confidence", "box", "alternatives"}
            assert len(p["box"]) == 4 and all(isinstance(v, int) for v in p["box"])
            assert all(len(alt) == 2 for alt in p["alternatives"])


def test_unreadable_file_reports_error_and_goes_on(scene_files, tmp_path, capsys) -> None:
    """Given a missing file and a non-image between readable ones, when `read --json` runs, then those
    images get an "error" object, the others are still read, and the exit code is non-zero."""
    png, _ = scene_files
    bogus = tmp_path / "notes.jpg"
    bogus.write_text("not an image")
    args = _parse(["read", str(tmp_path / "missing.jpg"), str(bogus), str(png), "--json"])

    code = args.func(args)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert code != 0
    assert "error" in lines[0] and lines[0]["image"] == str(tmp_path / "missing.jpg")
    assert "error" in lines[1]
    assert lines[2]["plates"][0]["plate"] == "KXR472"


def test_table_mode_is_readable(scene_files, capsys) -> None:
    """Given an image, when `read` runs without --json, then a table lists the plate and its confidence."""
    png, _ = scene_files
    args = _parse(["read", str(png), "--threads", "1"])

    code = args.func(args)

    out = capsys.readouterr().out
    assert code == 0
    assert "KXR472" in out and str(png) in out
    assert not out.lstrip().startswith("{")
