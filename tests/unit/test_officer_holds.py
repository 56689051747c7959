"""The legal-hold routes' business work (plateguard.logic.officer_holds) on in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plateguard.logic.holds import HeldRead, HoldRejected
from plateguard.logic.officer_holds import list_legal_holds, place_legal_hold, place_terms, release_legal_hold
from plateguard.models.errors import Conflict, InvalidRequest, NotFound
from plateguard.models.requests import PlaceHoldRequest
from plateguard.models.routes import Role
from tests.fakes.officer_api import MemoryHolds
from tests.fakes.oversight import T0, user

SUPERVISOR = user("sgt.chen", Role.SUPERVISOR)
EXPIRES = int((T0 + timedelta(days=30)).timestamp())


def reads() -> MemoryHolds:
    return MemoryHolds(
        HeldRead("r1", "demo-pd", EXPIRES, ("crops/r1.jpg",)),
        HeldRead("r2", "demo-pd", EXPIRES, ("crops/r2.jpg",)),
        HeldRead("theirs", "other-pd", EXPIRES, ()),
    )


def request(*read_ids: str, days: int = 365) -> PlaceHoldRequest:
    return PlaceHoldRequest(
        read_ids=list(read_ids), case_number="DPD-2026-000123", reason="Homicide investigation evidence",
        until=T0 + timedelta(days=days),
    )  # fmt: skip


def test_placing_holds_the_reads_in_the_callers_agency_and_records_the_hold_id() -> None:
    # Given two reads of the caller's agency
    holds = reads()
    recorded: dict[str, object] = {}

    # When the supervisor places a hold on both
    response, count = place_legal_hold(SUPERVISOR, request("r1", "r2"), T0, holds=holds, audit_elements=recorded)

    # Then the hold is active, placed by them, its id recorded for the audit, and both reads counted
    assert (response.state, response.placed_by, response.read_ids, count) == ("active", "sgt.chen", ["r1", "r2"], 2)
    assert recorded == {"holdId": response.hold_id}
    assert holds.reads["r1"].expires_at == int((T0 + timedelta(days=365)).timestamp())
    assert response.model_dump(mode="json")["until"] == (T0 + timedelta(days=365)).isoformat()
    # And the request's read ids are recorded as one searchable string
    assert place_terms(request("r1", "r2")) == {"readIds": "r1,r2", "readCount": 2}


def test_a_hold_on_another_agencys_read_is_rejected_as_an_invalid_request() -> None:
    # Given a read of another agency
    holds = reads()

    # When the supervisor tries to hold it, then HoldRejected: an InvalidRequest (400) saying why
    with pytest.raises(HoldRejected, match="read theirs does not exist for demo-pd") as refused:
        place_legal_hold(SUPERVISOR, request("theirs"), T0, holds=holds)
    assert isinstance(refused.value, InvalidRequest) and refused.value.code == "InvalidRequest"
    assert holds.holds == {}


def test_listing_shows_active_holds_unless_ended_ones_are_asked_for() -> None:
    # Given an active hold and one that has ended
    holds = reads()
    place_legal_hold(SUPERVISOR, request("r1"), T0, holds=holds)
    place_legal_hold(SUPERVISOR, request("r2", days=1), T0, holds=holds)
    later = T0 + timedelta(days=2)

    # When the supervisor lists, with and without ended holds
    active, active_count = list_legal_holds(SUPERVISOR, False, later, holds=holds)
    every, every_count = list_legal_holds(SUPERVISOR, True, later, holds=holds)

    # Then the ended hold shows only when asked for, as ended
    assert [h.read_ids for h in active.holds] == [["r1"]] and active_count == 1
    assert sorted(h.state for h in every.holds) == ["active", "ended"] and every_count == 2


def test_releasing_restores_retention_and_a_second_release_or_an_unknown_hold_is_refused() -> None:
    # Given a placed hold
    holds = reads()
    placed, _ = place_legal_hold(SUPERVISOR, request("r1"), T0, holds=holds)

    # When the supervisor releases it
    released, count = release_legal_hold(SUPERVISOR, placed.hold_id, T0 + timedelta(hours=1), holds=holds)

    # Then it is released by them and the read's own expiry applies again
    assert (released.state, released.released_by, count) == ("released", "sgt.chen", 1)
    assert holds.reads["r1"].expires_at == EXPIRES

    # And releasing it again is a Conflict naming when it was released
    with pytest.raises(Conflict, match=f"hold {placed.hold_id} was already released on .* 10:00 UTC"):
        release_legal_hold(SUPERVISOR, placed.hold_id, T0, holds=holds)

    # And an unknown hold is a NotFound naming the agency
    with pytest.raises(NotFound, match="no hold 0123456789ab in agency demo-pd"):
        release_legal_hold(SUPERVISOR, "0123456789ab", T0, holds=holds)
