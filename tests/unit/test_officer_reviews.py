"""The search-audit review routes' business work (plateguard.logic.officer_reviews) on in-memory fakes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from plateguard.logic.officer_reviews import list_reviews, record_finding, sign_off_batch
from plateguard.logic.sampling import Batch, Review, ReviewStatus, SamplingPolicy
from plateguard.models.errors import AccessDenied, Conflict
from plateguard.models.requests import ReviewRequest, SignOffRequest
from plateguard.models.routes import Role
from tests.fakes.oversight import T0, MemoryReviews, trail, user

CHEN = user("sgt.chen", Role.SUPERVISOR)
DIAZ = user("sgt.diaz", Role.SUPERVISOR)
AUDITOR = user("aud.kim", Role.AUDITOR)
POLICY = SamplingPolicy()


def sampled(item: int, assignee: str) -> Review:
    """A sampled search by ofc.lee, pending, assigned to `assignee`."""
    return Review(
        agency="demo-pd", batch_id="2026-02", item=item, event_id=f"ev-{item}", event_seq=item, event_hash="h",
        searcher="ofc.lee", searcher_principal="arn:lee", search={"plate": "7KDR394"}, strata=("random",),
        signals=(), assignee=assignee, assigned_at=T0, due_at=T0 + timedelta(days=14),
    )  # fmt: skip


def world() -> MemoryReviews:
    """A February batch of two sampled searches, one assigned to each supervisor."""
    store = MemoryReviews()
    batch = Batch("demo-pd", "2026-02", T0, T0 + timedelta(days=28), "seed", T0, 120, 2, {"random": 2}, [])
    reviews = [sampled(n, assignee) for n, assignee in ((1, "sgt.chen"), (2, "sgt.diaz"))]
    store.create_batch(batch, reviews)
    return store


def test_a_supervisor_sees_their_own_reviews_an_auditor_all_with_the_period() -> None:
    # Given a batch with one review for each supervisor
    store = world()

    # When a supervisor and an auditor list, and the supervisor asks for all
    mine, mine_count = list_reviews(CHEN, None, None, None, reviews=store)
    every, every_count = list_reviews(AUDITOR, None, None, None, reviews=store)
    asked, _ = list_reviews(CHEN, "2026-02", ReviewStatus.PENDING, False, reviews=store)

    # Then the supervisor sees theirs, the auditor both, and each answer carries the period's batch
    assert [r.item for r in mine.reviews] == [1] and mine.mine and mine_count == 1
    assert [r.item for r in every.reviews] == [1, 2] and not every.mine and every_count == 2
    assert asked.count == 2
    assert mine.model_dump(mode="json")["batches"] == [
        {
            "batch_id": "2026-02", "period_start": T0.isoformat(), "period_end": (T0 + timedelta(days=28)).isoformat(),
            "seed": "seed", "searches_in_period": 120, "items": 2, "pending": 2, "unjustified": 0,
            "strata_counts": {"random": 2}, "signed_off_by": None, "signed_off_at": None, "sign_off_note": None,
        }
    ]  # fmt: skip


def test_findings_by_their_assignees_then_sign_off() -> None:
    # Given the batch and the audit trail
    store = world()
    audit, _ = trail()
    deps: dict[str, Any] = {"reviews": store, "trail": audit, "policy": POLICY}

    # Then a supervisor may not decide another's review, and sign-off waits for every finding
    with pytest.raises(AccessDenied, match="assigned to someone else"):
        record_finding(DIAZ, "2026-02", "1", ReviewRequest(justified=True), T0, **deps)
    with pytest.raises(Conflict, match="2 sampled searches still have no finding"):
        sign_off_batch(CHEN, "2026-02", SignOffRequest(note="done"), T0, **deps)

    # When each assignee records their finding (the item number as the path writes it)
    first, count = record_finding(CHEN, "2026-02", "0001", ReviewRequest(justified=True), T0, **deps)
    record_finding(DIAZ, "2026-02", "2", ReviewRequest(justified=False, notes="no case number on file"), T0, **deps)

    # And a supervisor signs the period off
    signed, items = sign_off_batch(CHEN, "2026-02", SignOffRequest(note="February complete"), T0, **deps)

    # Then the findings and the sign-off are answered as stored
    assert (first.review_id, first.status, first.reviewed_by, count) == ("2026-02#0001", "justified", "sgt.chen", 1)
    assert (signed.signed_off_by, signed.unjustified, signed.pending, items) == ("sgt.chen", 1, 0, 2)
    assert signed.model_dump(mode="json")["signed_off_at"] == T0.isoformat()
