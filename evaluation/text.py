"""Distance between plate strings: how far a read is from its ground truth."""

from __future__ import annotations


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions, each costing 1."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def within_one_edit(a: str, b: str) -> bool:
    # Lengths further apart than one cannot be one edit apart: skip the table.
    return abs(len(a) - len(b)) <= 1 and edit_distance(a, b) <= 1
