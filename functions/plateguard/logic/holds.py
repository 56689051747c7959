"""Legal holds: a supervisor keeps specific reads past their retention for a case, until released or ended.

Placing a hold records it, then extends each held read's expiry to the hold's end, so neither the
sweeper nor DynamoDB TTL removes it. Releasing restores each read's own expiry (or the end of another
active hold on it): if that has passed, the next sweep destroys the read, and normal retention resumes.
The sweeper also skips every read of an active hold, whatever its stored expiry says.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from plateguard.logic.sweeper import HeldSet
from plateguard.models.errors import Conflict, InvalidRequest, PlateGuardError
from plateguard.models.requests import MIN_HOLD_REASON_LENGTH

MIN_REASON_LENGTH = MIN_HOLD_REASON_LENGTH


class HoldError(PlateGuardError):
    """A hold that cannot be placed or released as asked; the message says why."""


class HoldRejected(HoldError, InvalidRequest):
    """A hold that cannot be placed as asked (a 400)."""


class HoldNotReleased(HoldError, Conflict):
    """A hold that cannot be released now: gone, or released already (a 409)."""


class HoldStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"


@dataclass(frozen=True)
class HeldRead:
    """What a hold needs to know about a read (never its plate)."""

    read_id: str
    agency: str
    expires_at: int
    object_keys: tuple[str, ...]


@dataclass(frozen=True)
class LegalHold:
    hold_id: str
    agency: str
    case_number: str
    reason: str
    placed_by: str
    placed_at: datetime
    ends_at: datetime
    read_ids: tuple[str, ...]
    object_keys: tuple[str, ...]
    original_expiry: dict[str, int] = field(default_factory=dict)
    status: HoldStatus = HoldStatus.ACTIVE
    released_at: datetime | None = None
    released_by: str | None = None

    def is_active(self, now: datetime) -> bool:
        return self.status is HoldStatus.ACTIVE and self.ends_at > now


class HoldStore(Protocol):
    def put_hold(self, hold: LegalHold) -> None: ...
    def get_hold(self, agency: str, hold_id: str) -> LegalHold | None: ...
    def list_holds(self, agency: str | None = None) -> list[LegalHold]: ...
    def get_read(self, read_id: str) -> HeldRead | None: ...
    def set_read_expiry(self, read_id: str, expires_at: int) -> None: ...


def place_hold(
    store: HoldStore,
    *,
    agency: str,
    read_ids: Iterable[str],
    case_number: str,
    reason: str,
    placed_by: str,
    ends_at: datetime,
    now: datetime,
) -> LegalHold:
    ids = tuple(dict.fromkeys(r.strip() for r in read_ids if r.strip()))
    if not ids:
        raise HoldRejected("a hold needs at least one read id")
    if not case_number.strip():
        raise HoldRejected("a hold needs a case number")
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise HoldRejected(f"the reason must say why in at least {MIN_REASON_LENGTH} characters")
    if not placed_by.strip():
        raise HoldRejected("a hold needs the supervisor who places it")
    if ends_at <= now:
        raise HoldRejected("the end date must be in the future")
    reads: list[HeldRead] = []
    for read_id in ids:
        read = store.get_read(read_id)
        # An expired read may no longer be served or kept: a hold cannot bring it back.
        if read is None or read.agency != agency or read.expires_at <= now.timestamp():
            raise HoldRejected(f"read {read_id} does not exist for {agency} (or its retention has already ended)")
        reads.append(read)
    hold = LegalHold(
        hold_id=uuid.uuid4().hex[:12],
        agency=agency,
        case_number=case_number.strip(),
        reason=reason.strip(),
        placed_by=placed_by.strip(),
        placed_at=now,
        ends_at=ends_at,
        read_ids=ids,
        object_keys=tuple(dict.fromkeys(key for read in reads for key in read.object_keys)),
        original_expiry={read.read_id: read.expires_at for read in reads},
    )
    # Recorded first: from this moment the sweeper skips these reads even before their expiry moves.
    store.put_hold(hold)
    end_epoch = int(ends_at.timestamp())
    for read in reads:
        if end_epoch > read.expires_at:
            store.set_read_expiry(read.read_id, end_epoch)
    return hold


def release_hold(store: HoldStore, *, agency: str, hold_id: str, released_by: str, now: datetime) -> LegalHold:
    hold = store.get_hold(agency, hold_id)
    if hold is None:
        raise HoldNotReleased(f"no hold {hold_id} for {agency}")
    if hold.status is HoldStatus.RELEASED:
        raise HoldNotReleased(f"hold {hold_id} was already released on {hold.released_at}")
    released = replace(hold, status=HoldStatus.RELEASED, released_at=now, released_by=released_by)
    store.put_hold(released)
    others = [h for h in store.list_holds(agency) if h.hold_id != hold_id and h.is_active(now)]
    for read_id, original in hold.original_expiry.items():
        # Another active hold on the same read keeps it until that hold's end.
        still_held = [int(h.ends_at.timestamp()) for h in others if read_id in h.read_ids]
        target = max([original, *still_held])
        if store.get_read(read_id) is not None:
            store.set_read_expiry(read_id, target)
    return released


class ActiveHolds:
    """The sweeper's view of holds: every read and object under an active hold."""

    def __init__(self, store: HoldStore) -> None:
        self._store = store

    def held(self, now: datetime) -> HeldSet:
        active = [h for h in self._store.list_holds() if h.is_active(now)]
        return HeldSet(
            read_ids=frozenset(r for h in active for r in h.read_ids),
            object_keys=frozenset(k for h in active for k in h.object_keys),
        )
