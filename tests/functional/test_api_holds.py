"""Legal holds through the officer API: placed, listed and released by the caller, audited each time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from plateguard.models.routes import Role
from tests.api_support import NOW, ApiWorld, api_world, make_read, make_user, session_arn

__all__ = ["api_world"]

REASON = "Vehicle seen leaving an armed robbery"


def place(world: ApiWorld, who: str, read_ids: list[str], **changes: Any) -> tuple[int, dict[str, Any]]:
    body = {
        "read_ids": read_ids,
        "case_number": "DPD-2026-004417",
        "reason": REASON,
        "until": (NOW + timedelta(days=60)).isoformat(),
        **changes,
    }
    return world.call(who, "POST", "/holds", body=body)


def test_a_supervisor_places_lists_and_releases_a_hold_and_each_step_is_audited(api_world: ApiWorld) -> None:
    from plateguard.dal.holds import DynamoHoldStore

    read = make_read("7KDR394")
    api_world.put_reads(read)
    # When a supervisor places a hold
    status, hold = place(api_world, "supervisor", [read.read_id])
    # Then it is the caller's agency's, placed by the caller, and the read's expiry moved to its end
    assert status == 200, hold
    assert (hold["placed_by"], hold["state"], hold["read_ids"]) == ("sgt.chen", "active", [read.read_id])
    assert DynamoHoldStore().get_read(read.read_id).expires_at > read.expires_at  # type: ignore[union-attr]
    placed = api_world.audit_records()[-1]
    assert placed["eventName"] == "PlaceLegalHold" and placed["outcome"] == "Success"
    assert placed["readOnly"] is False
    assert placed["requestParameters"]["caseNumber"] == "DPD-2026-004417"
    assert placed["requestParameters"]["readIds"] == read.read_id
    assert placed["responseElements"] == {"resultCount": 1, "holdId": hold["hold_id"]}

    # And supervisors and auditors list it
    for who in ("supervisor", "auditor"):
        status, listed = api_world.call(who, "GET", "/holds")
        assert status == 200 and [h["hold_id"] for h in listed["holds"]] == [hold["hold_id"]]
    assert api_world.audit_records()[-1]["eventName"] == "ListLegalHolds"

    # When it is released, Then the read's own expiry is back and the release is audited
    path = {"path": f"/holds/{hold['hold_id']}", "path_params": {"hold_id": hold["hold_id"]}}
    status, released = api_world.call("supervisor", "DELETE", "/holds/{hold_id}", **path)
    assert status == 200 and released["state"] == "released" and released["released_by"] == "sgt.chen"
    assert DynamoHoldStore().get_read(read.read_id).expires_at == read.expires_at  # type: ignore[union-attr]
    record = api_world.audit_records()[-1]
    assert (record["eventName"], record["requestParameters"]["holdId"]) == ("ReleaseLegalHold", hold["hold_id"])
    # And a second release is a conflict; released holds are listed only when asked for
    assert api_world.call("supervisor", "DELETE", "/holds/{hold_id}", **path)[0] == 409
    assert api_world.call("auditor", "GET", "/holds")[1]["count"] == 0
    assert api_world.call("auditor", "GET", "/holds", query={"include_ended": "true"})[1]["count"] == 1


def test_holds_never_cross_agencies_and_bad_requests_are_refused_and_audited(api_world: ApiWorld) -> None:
    ours, theirs = make_read("7KDR394"), make_read("7KDR394", agency="other-pd")
    expired = make_read("7KDR394", expires_at=int((NOW - timedelta(hours=1)).timestamp()))
    api_world.put_reads(ours, theirs, expired)
    # Another agency's read, an expired read, a vague reason, a past end: 400, audited, nothing held
    for read_ids, changes in (
        ([theirs.read_id], {}),
        ([expired.read_id], {}),
        ([ours.read_id], {"reason": "case"}),
        ([ours.read_id], {"until": (NOW - timedelta(days=1)).isoformat()}),
    ):
        status, body = place(api_world, "supervisor", read_ids, **changes)
        assert status == 400 and body["error"] == "InvalidRequest", (read_ids, changes)
        assert api_world.audit_records()[-1]["outcome"] == "Rejected"
    assert api_world.call("supervisor", "GET", "/holds")[1]["count"] == 0
    # An officer may not place a hold; another agency's hold id is simply not found
    assert place(api_world, "officer", [ours.read_id])[0] == 403
    status, hold = place(api_world, "supervisor", [ours.read_id])
    assert status == 200
    from plateguard.dal.users import DynamoUserDirectory

    novak = make_user("other-pd", "sgt.novak", Role.SUPERVISOR)
    DynamoUserDirectory().put(novak)
    status, _ = api_world.call(
        session_arn(novak),
        "DELETE",
        "/holds/{hold_id}",
        path=f"/holds/{hold['hold_id']}",
        path_params={"hold_id": hold["hold_id"]},
    )
    assert status == 404
    assert api_world.audit_records("other-pd")[-1]["outcome"] == "Rejected"
