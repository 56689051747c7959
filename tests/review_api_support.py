"""Search-audit batches seeded straight into the review store, and well-formed requests for the review
routes (used by the role matrix and the review API tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from plateguard.logic.sampling import Batch, Review, ReviewStatus
from plateguard.models.routes import Route
from tests.api_support import NOW, USERS

BATCH_ID = "2026-10"
AGENCY = "demo-pd"


def make_review(item: int, searcher: str, assignee: str | None, **changes: Any) -> Review:
    review = Review(
        agency=AGENCY,
        batch_id=BATCH_ID,
        item=item,
        event_id=f"evt-{item:04d}",
        event_seq=100 + item,
        event_hash=f"{item:064x}",
        searcher=searcher,
        searcher_principal=f"arn:aws:iam::123456789012:user/{AGENCY}/{searcher}",
        search={
            "plate": "7KDR394",
            "purpose": "Locate vehicle seen leaving armed robbery at 5th and Main",
            "caseNumber": "DPD-2026-004417",
            "offenseType": "robbery",
        },
        strata=("random",),
        signals=(),
        assignee=assignee,
        assigned_at=NOW - timedelta(days=2),
        due_at=NOW + timedelta(days=12),
    )
    return replace(review, **changes)


def seed_batch(reviews: list[Review], **changes: Any) -> Batch:
    """Store a period's batch and its items as the sampling job would (binds the reviews table)."""
    from plateguard.wiring.api import dependencies as get_reviews_api_dependencies

    store = get_reviews_api_dependencies().reviews
    batch = Batch(
        agency=AGENCY,
        batch_id=BATCH_ID,
        period_start=datetime(2026, 10, 1, tzinfo=UTC),
        period_end=datetime(2026, 11, 1, tzinfo=UTC),
        seed=f"{AGENCY}:{BATCH_ID}",
        created_at=NOW - timedelta(days=2),
        searches_in_period=40,
        items=len(reviews),
        strata_counts={"random": len(reviews)},
        signals=[],
    )
    batch = replace(batch, **changes)
    assert store.create_batch(batch, reviews)
    return batch


def review_route_request(route: Route) -> dict[str, Any]:
    """Seed what the route needs and return the request parts (as the supervisor, sgt.chen, may send)."""
    supervisor, officer = USERS["supervisor"].username, USERS["officer"].username
    if route.path == "/reviews/{batch_id}/{item}":
        seed_batch([make_review(1, officer, supervisor)])
        return {
            "path": f"/reviews/{BATCH_ID}/1",
            "path_params": {"batch_id": BATCH_ID, "item": "1"},
            "body": {"justified": True, "notes": "Case number and purpose match the robbery report"},
        }
    if route.path == "/reviews/{batch_id}/sign-off":
        decided = make_review(1, officer, supervisor, status=ReviewStatus.JUSTIFIED, reviewed_by=supervisor)
        seed_batch([decided])
        return {
            "path": f"/reviews/{BATCH_ID}/sign-off",
            "path_params": {"batch_id": BATCH_ID},
            "body": {"note": "October sample reviewed"},
        }
    seed_batch([make_review(1, officer, supervisor)])
    return {"query": {"batch": BATCH_ID}}
