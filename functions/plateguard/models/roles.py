"""The PlateGuard roles a user account holds (each maps to one IAM role of the stack)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


ALL_ROLES: frozenset[Role] = frozenset(Role)
