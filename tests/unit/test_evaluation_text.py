"""Plate text distance shared by the benchmarks and the training scripts (evaluation.text)."""

from __future__ import annotations

import pytest

from evaluation.text import edit_distance, within_one_edit


@pytest.mark.parametrize(
    ("read", "truth", "distance"),
    [("KXR472", "KXR472", 0), ("KXR472", "KXR47", 1), ("KXR472", "KXB472", 1), ("", "ABC", 3), ("ABC12", "XBC1", 2)],
)
def test_edit_distance_counts_insertions_deletions_and_substitutions(read: str, truth: str, distance: int) -> None:
    # Given a read and its ground truth, when compared, then the distance is the fewest single-character edits
    assert edit_distance(read, truth) == distance
    assert edit_distance(truth, read) == distance


def test_within_one_edit_accepts_one_change_and_refuses_two() -> None:
    # Given reads one and two edits from the truth, when checked, then only the first is within one edit
    assert within_one_edit("KXR47", "KXR472")
    assert within_one_edit("0XR472", "OXR472")
    assert not within_one_edit("KX472", "KXR4720")
    assert not within_one_edit("AB", "BA1")
