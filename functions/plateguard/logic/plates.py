"""Plate text rules live in plateguard.models.plates, where recognition (below logic) can use them too;
re-exported here for the logic modules and tests that import them from logic."""

from plateguard.models.plates import MAX_PLATE_LENGTH, canonical_plate_text, is_valid_plate, normalize_plate

__all__ = ["MAX_PLATE_LENGTH", "canonical_plate_text", "is_valid_plate", "normalize_plate"]
