"""Search-audit reviews through the officer API: a supervisor records findings and signs the period off;
the logic's rules (not your own search, the assignee only, notes when not justified) are enforced and
every request is audited beside the logic's own domain event."""

from __future__ import annotations

from typing import Any

from tests.api_support import USERS, ApiWorld, api_world
from tests.review_api_support import BATCH_ID, make_review, seed_batch

__all__ = ["api_world"]

CHEN, GARCIA = USERS["supervisor"].username, USERS["officer"].username


def decide(world: ApiWorld, who: str, item: int, justified: bool, notes: str = "") -> tuple[int, dict[str, Any]]:
    return world.call(
        who,
        "POST",
        "/reviews/{batch_id}/{item}",
        path=f"/reviews/{BATCH_ID}/{item}",
        path_params={"batch_id": BATCH_ID, "item": str(item)},
        body={"justified": justified, "notes": notes},
    )


def sign(world: ApiWorld, who: str, note: str = "October sample reviewed") -> tuple[int, dict[str, Any]]:
    return world.call(
        who,
        "POST",
        "/reviews/{batch_id}/sign-off",
        path=f"/reviews/{BATCH_ID}/sign-off",
        path_params={"batch_id": BATCH_ID},
        body={"note": note},
    )


def test_a_supervisor_records_findings_and_signs_off_and_each_step_is_audited(api_world: ApiWorld) -> None:
    # Given a sampled period with two searches assigned to sgt.chen and one to another supervisor
    seed_batch([make_review(1, GARCIA, CHEN), make_review(2, GARCIA, CHEN), make_review(3, CHEN, "sgt.diaz")])
    # When sgt.chen lists reviews, Then by default only those assigned to him, with the batch's state
    status, listed = api_world.call("supervisor", "GET", "/reviews")
    assert status == 200, listed
    assert [r["item"] for r in listed["reviews"]] == [1, 2] and listed["mine"] is True
    assert listed["batches"][0]["pending"] == 3 and listed["batches"][0]["signed_off_by"] is None
    assert api_world.audit_records()[-1]["eventName"] == "ListSearchReviews"
    # And ?mine=false shows all of them; an auditor sees all by default, filtered by status
    assert api_world.call("supervisor", "GET", "/reviews", query={"mine": "false"})[1]["count"] == 3
    status, audited = api_world.call("auditor", "GET", "/reviews", query={"batch": BATCH_ID, "status": "pending"})
    assert status == 200 and audited["count"] == 3 and audited["mine"] is False

    # When he records a finding, Then it is stored, and the trail has the finding and the access record
    status, finding = decide(api_world, "supervisor", 1, True, "Purpose and case number match the robbery report")
    assert status == 200, finding
    assert (finding["status"], finding["reviewed_by"]) == ("justified", CHEN)
    domain, access = api_world.audit_records()[-2:]
    assert domain["eventName"] == "ReviewSearch" and domain["requestParameters"]["reviewId"] == f"{BATCH_ID}#0001"
    assert access["eventName"] == "RecordSearchReview" and access["outcome"] == "Success"
    assert access["requestParameters"]["justified"] is True and access["readOnly"] is False

    # "Not justified" needs a note saying what is missing: 400, audited, nothing decided
    status, body = decide(api_world, "supervisor", 2, False, "no")
    assert status == 400 and body["error"] == "InvalidRequest"
    assert api_world.audit_records()[-1]["outcome"] == "Rejected"
    assert decide(api_world, "supervisor", 2, False, "The purpose names no incident for this plate")[0] == 200
    # A decided review is not decided again; an item that does not exist is 404
    assert decide(api_world, "supervisor", 1, False, "Changed my mind about this one")[0] == 409
    assert decide(api_world, "supervisor", 9, True)[0] == 404

    # Sign-off waits for every finding (item 3 is sgt.diaz's and still open)
    status, body = sign(api_world, "supervisor")
    assert status == 409 and "1 sampled searches still have no finding" in body["message"]


def test_sign_off_closes_a_fully_reviewed_period_once(api_world: ApiWorld) -> None:
    from plateguard.logic.sampling import ReviewStatus

    done = {"status": ReviewStatus.UNJUSTIFIED, "reviewed_by": CHEN, "notes": "No incident matches the case"}
    seed_batch([make_review(1, GARCIA, CHEN, **done)])
    status, batch = sign(api_world, "supervisor")
    assert status == 200, batch
    assert (batch["signed_off_by"], batch["unjustified"], batch["pending"]) == (CHEN, 1, 0)
    domain, access = api_world.audit_records()[-2:]
    assert domain["eventName"] == "SignOffSearchAudit" and domain["requestParameters"]["unjustified"] == 1
    assert access["eventName"] == "SignOffSearchAuditBatch" and access["requestParameters"]["note"]
    assert api_world.call("auditor", "GET", "/reviews")[1]["batches"][0]["signed_off_by"] == CHEN
    assert sign(api_world, "supervisor")[0] == 409


def test_officers_get_403_and_nobody_decides_their_own_or_someone_elses_search(api_world: ApiWorld) -> None:
    from tests.api_support import NOW

    # Item 1: chen's own search, escalated (so an approver could otherwise take it); item 2: diaz's
    own = make_review(1, CHEN, "sgt.diaz", escalated_at=NOW, due_at=NOW)
    seed_batch([own, make_review(2, GARCIA, "sgt.diaz")])
    # An officer may not call the route at all
    status, body = decide(api_world, "officer", 2, True)
    assert status == 403 and set(body) == {"error", "message"}
    assert api_world.audit_records()[-1]["errorCode"] == "AccessDenied.role_not_permitted"
    assert api_world.call("officer", "GET", "/reviews")[0] == 403
    # Deciding your own search is refused, and the refusal is audited in the agency's chain
    status, body = decide(api_world, "supervisor", 1, True, "Looks fine to me")
    assert status == 403 and body["message"] == "nobody reviews their own searches"
    last = api_world.audit_records()[-1]
    assert (last["outcome"], last["errorCode"]) == ("Denied", "AccessDenied.own_search")
    assert last["userIdentity"]["userName"] == CHEN
    # A pending review assigned to someone else (not escalated) is theirs to decide
    status, _ = decide(api_world, "supervisor", 2, True, "Looks fine to me")
    assert status == 403 and api_world.audit_records()[-1]["errorCode"] == "AccessDenied.not_assigned"
    # A malformed period id is refused before anything is read
    assert api_world.call("auditor", "GET", "/reviews", query={"batch": "october"})[0] == 400
