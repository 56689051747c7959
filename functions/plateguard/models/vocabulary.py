"""Words the API's requests, the logic and storage share: hot-list types and priorities, alert dispositions.

They live in models (not logic) so request and response models can use them; plateguard.logic re-exports
them where they were defined before (hotlist_admin, alert_lifecycle).
"""

from __future__ import annotations

from enum import StrEnum


class ListType(StrEnum):
    STOLEN_VEHICLE = "stolen-vehicle"
    WANTED_PERSON = "wanted-person"
    MISSING_PERSON = "missing-person"  # AMBER alerts and missing persons
    BOLO = "bolo"  # be-on-the-lookout / custom lists


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Disposition(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    MISREAD = "misread"
    NOT_LOCATED = "not-located"
    STOP_MADE = "stop-made"
