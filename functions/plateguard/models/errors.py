"""Typed domain errors. Each carries what a user needs to act on it."""

from __future__ import annotations


class PlateGuardError(Exception):
    """Base of every domain error."""


class RejectedImage(PlateGuardError):
    """An uploaded object that cannot be processed as a camera image: it goes to quarantine.

    `reason` is a stable machine-readable code; `detail` explains it to a person.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
