"""The OCR confusion table: characters a plate reader commonly mistakes for one another.

One place, tested: hot-list matching folds each character to its class representative, so two
plates that differ only by confusable characters share a canonical form.
"""

from __future__ import annotations

# Each group is one class of characters that cameras and OCR confuse on plates.
CONFUSION_GROUPS: tuple[str, ...] = ("0ODQ", "1IL", "2Z", "5S", "8B", "6G")

_FOLD = {ch: group[0] for group in CONFUSION_GROUPS for ch in group}
_TABLE = str.maketrans(_FOLD)


def canonical(plate: str) -> str:
    """Fold every confusable character to its class representative (plate is normalized A-Z0-9)."""
    return plate.translate(_TABLE)


def confusable(a: str, b: str) -> bool:
    return a == b or _FOLD.get(a, a) == _FOLD.get(b, b)


def differing_positions(read: str, listed: str) -> list[int]:
    """Positions in `read` where it differs from `listed` (same length: substitutions; one longer or
    shorter: the position of the extra or missing character)."""
    if len(read) == len(listed):
        return [i for i, (x, y) in enumerate(zip(read, listed, strict=True)) if x != y]
    shorter, longer = (read, listed) if len(read) < len(listed) else (listed, read)
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1 :] == shorter or canonical(longer[:i] + longer[i + 1 :]) == canonical(shorter):
            others = [j for j, (x, y) in enumerate(zip(shorter, longer[:i] + longer[i + 1 :], strict=True)) if x != y]
            return sorted({i, *(j if j < i else j + 1 for j in others)})
    return list(range(max(len(read), len(listed))))
