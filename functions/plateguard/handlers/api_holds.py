"""Officer API routes for legal holds (included by handlers/api.py): place, list, release.

Same door as every other route (handlers/api.py): the caller is authorized against the route
catalogue (supervisors place and release; supervisors and auditors list) before anything else,
`_audited` records the attempt of a change before plateguard.logic.holds acts, and the outcome record
is written before the answer leaves. The hold is always placed in
the caller's agency and by the caller: neither is taken from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, Field, field_validator

from plateguard import schema
from plateguard.logic.access import User
from plateguard.logic.holds import MIN_REASON_LENGTH, HoldError, HoldStatus, LegalHold, place_hold, release_hold
from plateguard.models.api import CASE_NUMBER_PATTERN, READ_ID_PATTERN
from plateguard.models.errors import Conflict, InvalidRequest, NotFound
from plateguard.models.settings import get_holds_api_settings

router = Router()

# CloudTrail-style eventName of each route below (merged into handlers/api.py EVENT_NAMES).
EVENT_NAMES: dict[tuple[str, str], str] = {
    ("POST", "/holds"): "PlaceLegalHold",
    ("GET", "/holds"): "ListLegalHolds",
    ("DELETE", "/holds/{hold_id}"): "ReleaseLegalHold",
}
HOLD_ID_PATTERN = r"^[0-9a-f]{12}$"
MAX_READS_PER_HOLD = 100


@dataclass(frozen=True)
class HoldsApiDependencies:
    holds: Any  # dal.holds.DynamoHoldStore (implements logic.holds.HoldStore)


@lru_cache(maxsize=1)
def get_holds_api_dependencies() -> HoldsApiDependencies:
    from plateguard.dal.holds import DynamoHoldStore
    from plateguard.dal.tables import bind_tables

    settings = get_holds_api_settings()
    bind_tables(
        {
            schema.HOLDS.logical_id: settings.holds_table_name,
            schema.READS.logical_id: settings.reads_table_name,
        },
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    return HoldsApiDependencies(holds=DynamoHoldStore())


def _audited(action: Any, **options: Any) -> Any:
    from plateguard.handlers.api import _audited as audited  # the one audited door

    return audited(action, **options)


def _now() -> datetime:
    return datetime.now(UTC)


class PlaceHoldRequest(BaseModel):
    read_ids: list[Annotated[str, Field(pattern=READ_ID_PATTERN)]] = Field(min_length=1, max_length=MAX_READS_PER_HOLD)
    case_number: str = Field(pattern=CASE_NUMBER_PATTERN)
    reason: str = Field(min_length=MIN_REASON_LENGTH, max_length=500)
    until: datetime = Field(description="end of the hold (ISO 8601; naive means UTC)")

    @field_validator("until")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _state(hold: LegalHold, now: datetime) -> str:
    if hold.status is HoldStatus.RELEASED:
        return "released"
    return "active" if hold.is_active(now) else "ended"


def hold_out(hold: LegalHold, now: datetime) -> dict[str, Any]:
    """A hold as the API shows it (its S3 object keys stay internal)."""
    return {
        "hold_id": hold.hold_id,
        "case_number": hold.case_number,
        "reason": hold.reason,
        "placed_by": hold.placed_by,
        "placed_at": hold.placed_at.isoformat(),
        "until": hold.ends_at.isoformat(),
        "read_ids": list(hold.read_ids),
        "state": _state(hold, now),
        "released_at": hold.released_at.isoformat() if hold.released_at else None,
        "released_by": hold.released_by,
    }


@router.post("/holds", summary="Place a legal hold on reads for a case", tags=["holds"])
def place_hold_route(body: PlaceHoldRequest) -> dict[str, Any]:
    recorded: dict[str, Any] = {}

    def run(user: User) -> tuple[dict[str, Any], int]:
        now = _now()
        try:
            hold = place_hold(
                get_holds_api_dependencies().holds,
                agency=user.agency,
                read_ids=body.read_ids,
                case_number=body.case_number,
                reason=body.reason,
                placed_by=user.username,
                ends_at=body.until,
                now=now,
            )
        except HoldError as exc:
            raise InvalidRequest(str(exc)) from exc
        recorded["holdId"] = hold.hold_id
        return hold_out(hold, now), len(hold.read_ids)

    # The door records every body field as sent; the read ids also as one string an auditor can search.
    terms = {"readIds": ",".join(body.read_ids), "readCount": len(body.read_ids)}
    return _audited(run, parameters=terms, response_elements=recorded)


@router.get("/holds", summary="List your agency's legal holds", tags=["holds"])
def list_holds_route(
    include_ended: Annotated[bool, Query(description="also released and ended holds")] = False,
) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        now = _now()
        holds = [
            h for h in get_holds_api_dependencies().holds.list_holds(user.agency) if include_ended or h.is_active(now)
        ]
        return {"holds": [hold_out(h, now) for h in holds], "count": len(holds)}, len(holds)

    return _audited(run)


@router.delete("/holds/<hold_id>", summary="Release a legal hold: normal retention resumes", tags=["holds"])
def release_hold_route(hold_id: Annotated[str, Path(pattern=HOLD_ID_PATTERN)]) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        store = get_holds_api_dependencies().holds
        now = _now()
        found = store.get_hold(user.agency, hold_id)
        if found is None:
            raise NotFound(f"no hold {hold_id} in agency {user.agency}")
        if found.status is HoldStatus.RELEASED:
            raise Conflict(f"hold {hold_id} was already released on {found.released_at:%Y-%m-%d %H:%M} UTC")
        try:
            released = release_hold(store, agency=user.agency, hold_id=hold_id, released_by=user.username, now=now)
        except HoldError as exc:
            raise Conflict(str(exc)) from exc
        return hold_out(released, now), len(released.read_ids)

    return _audited(run)
