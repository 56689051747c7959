"""What the officer API's legal-hold routes do: place, list, release (logic.holds does the holding).

The hold is always placed in the caller's agency and by the caller: neither is taken from the request.
A hold that cannot be placed is a HoldRejected (400); one that is missing a NotFound; one released
already, or that cannot be released now, a Conflict. Each function returns the response and the count
the audit record carries (the number of reads held).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plateguard.logic.access import User
from plateguard.logic.holds import HoldStatus, HoldStore, LegalHold, place_hold, release_hold
from plateguard.models.errors import Conflict, NotFound
from plateguard.models.requests import PlaceHoldRequest
from plateguard.models.responses import HoldOut, HoldsResponse


def hold_state(hold: LegalHold, now: datetime) -> str:
    if hold.status is HoldStatus.RELEASED:
        return "released"
    return "active" if hold.is_active(now) else "ended"


def hold_out(hold: LegalHold, now: datetime) -> HoldOut:
    """A hold as the API shows it (its S3 object keys stay internal)."""
    return HoldOut(
        hold_id=hold.hold_id,
        case_number=hold.case_number,
        reason=hold.reason,
        placed_by=hold.placed_by,
        placed_at=hold.placed_at,
        until=hold.ends_at,
        read_ids=list(hold.read_ids),
        state=hold_state(hold, now),
        released_at=hold.released_at,
        released_by=hold.released_by,
    )


def place_terms(body: PlaceHoldRequest) -> dict[str, Any]:
    """Recorded beside the body as sent: the read ids also as one string an auditor can search."""
    return {"readIds": ",".join(body.read_ids), "readCount": len(body.read_ids)}


def place_legal_hold(
    user: User,
    body: PlaceHoldRequest,
    now: datetime,
    *,
    holds: HoldStore,
    audit_elements: dict[str, Any] | None = None,
) -> tuple[HoldOut, int]:
    """Hold the reads for the case until `body.until`; `audit_elements` gets the new hold's id."""
    hold = place_hold(
        holds,
        agency=user.agency,
        read_ids=body.read_ids,
        case_number=body.case_number,
        reason=body.reason,
        placed_by=user.username,
        ends_at=body.until,
        now=now,
    )
    if audit_elements is not None:
        audit_elements["holdId"] = hold.hold_id
    return hold_out(hold, now), len(hold.read_ids)


def list_legal_holds(user: User, include_ended: bool, now: datetime, *, holds: HoldStore) -> tuple[HoldsResponse, int]:
    """The agency's active holds (with `include_ended`, also released and ended ones)."""
    listed = [h for h in holds.list_holds(user.agency) if include_ended or h.is_active(now)]
    return HoldsResponse(holds=[hold_out(h, now) for h in listed], count=len(listed)), len(listed)


def release_legal_hold(user: User, hold_id: str, now: datetime, *, holds: HoldStore) -> tuple[HoldOut, int]:
    """Release the hold: each read's own expiry (or another active hold's end) applies again."""
    found = holds.get_hold(user.agency, hold_id)
    if found is None:
        raise NotFound(f"no hold {hold_id} in agency {user.agency}")
    if found.status is HoldStatus.RELEASED:
        raise Conflict(f"hold {hold_id} was already released on {found.released_at:%Y-%m-%d %H:%M} UTC")
    released = release_hold(holds, agency=user.agency, hold_id=hold_id, released_by=user.username, now=now)
    return hold_out(released, now), len(released.read_ids)
