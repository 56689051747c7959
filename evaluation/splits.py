"""The one train/validation split of the evaluation photos used for training (documented in model cards).

An image is in validation when sha1(file name) mod 5 == 0 (about 20 %), independent of order and machine.
"""

from __future__ import annotations

import hashlib


def is_validation(file_name: str) -> bool:
    return int(hashlib.sha1(file_name.encode()).hexdigest(), 16) % 5 == 0
