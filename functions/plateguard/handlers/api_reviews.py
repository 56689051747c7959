"""Officer API routes for the search-audit review workflow (included by handlers/api.py): list the
sampled searches, record a finding, sign a period off.

Same door as every other route (handlers/api.py): the caller is authorized against the route
catalogue (supervisors decide and sign off; supervisors and auditors list) before anything else,
`_audited` records the attempt of a change before plateguard.logic.sampling acts, and the outcome
(access) record is written before the answer leaves. The logic writes its own
domain event (`ReviewSearch`, `SignOffSearchAudit`) to the same trail, and enforces its own rules
(never your own search; the assignee, or an approver once escalated; a note when not justified): its
NotFound / AccessDenied / Conflict / InvalidRequest become 404 / 403 / 409 / 400 at the door.
The agency is always the caller's: it is never taken from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, Field

from plateguard import schema
from plateguard.logic.access import User
from plateguard.logic.sampling import Batch, Review, ReviewStatus, SamplingPolicy, record_review, sign_off
from plateguard.models.routes import Role
from plateguard.models.settings import get_reviews_api_settings

router = Router()

# CloudTrail-style eventName of each route below (merged into handlers/api.py EVENT_NAMES).
EVENT_NAMES: dict[tuple[str, str], str] = {
    ("GET", "/reviews"): "ListSearchReviews",
    ("POST", "/reviews/{batch_id}/sign-off"): "SignOffSearchAuditBatch",
    ("POST", "/reviews/{batch_id}/{item}"): "RecordSearchReview",
}
# Period ids as logic.sampling.last_complete_period names them: 2026-11, 2026-W09, 2026-Q1.
BATCH_ID_PATTERN = r"^[0-9]{4}-([0-9]{2}|W[0-9]{2}|Q[1-4])$"
ITEM_PATTERN = r"^[0-9]{1,4}$"
MAX_NOTES = 2000


@dataclass(frozen=True)
class ReviewsApiDependencies:
    reviews: Any  # dal.reviews.DynamoReviewStore (implements logic.sampling.ReviewStore)
    # The jobs Lambda samples with the default reviewer and approver roles; the API decides with the same.
    policy: SamplingPolicy


@lru_cache(maxsize=1)
def get_reviews_api_dependencies() -> ReviewsApiDependencies:
    from plateguard.dal.reviews import DynamoReviewStore
    from plateguard.dal.tables import bind_tables

    settings = get_reviews_api_settings()
    bind_tables(
        {schema.REVIEWS.logical_id: settings.reviews_table_name},
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    return ReviewsApiDependencies(reviews=DynamoReviewStore(), policy=SamplingPolicy())


def _audited(action: Any, **options: Any) -> Any:
    from plateguard.handlers.api import _audited as audited  # the one audited door

    return audited(action, **options)


def _trail() -> Any:
    from plateguard.handlers.api import get_api_dependencies

    return get_api_dependencies().trail


def _now() -> datetime:
    return datetime.now(UTC)


class ReviewRequest(BaseModel):
    justified: bool
    notes: str = Field(default="", max_length=MAX_NOTES)


class SignOffRequest(BaseModel):
    note: str = Field(default="", max_length=MAX_NOTES)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def review_out(review: Review) -> dict[str, Any]:
    """A sampled search as the API shows it: the audited terms, why it was drawn, and its finding."""
    return {
        "review_id": review.review_id,
        "batch_id": review.batch_id,
        "item": review.item,
        "audit_event_id": review.event_id,
        "searcher": review.searcher,
        "search": review.search,
        "strata": list(review.strata),
        "signals": list(review.signals),
        "assignee": review.assignee,
        "assigned_at": review.assigned_at.isoformat(),
        "due_at": review.due_at.isoformat(),
        "escalated_at": _iso(review.escalated_at),
        "status": review.status.value,
        "reviewed_by": review.reviewed_by,
        "reviewed_at": _iso(review.reviewed_at),
        "notes": review.notes,
    }


def batch_out(batch: Batch, reviews: list[Review]) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id,
        "period_start": batch.period_start.isoformat(),
        "period_end": batch.period_end.isoformat(),
        "seed": batch.seed,
        "searches_in_period": batch.searches_in_period,
        "items": batch.items,
        "pending": sum(r.status is ReviewStatus.PENDING for r in reviews),
        "unjustified": sum(r.status is ReviewStatus.UNJUSTIFIED for r in reviews),
        "strata_counts": dict(batch.strata_counts),
        "signed_off_by": batch.signed_off_by,
        "signed_off_at": _iso(batch.signed_off_at),
        "sign_off_note": batch.sign_off_note,
    }


@router.get("/reviews", summary="List your agency's search-audit reviews", tags=["reviews"])
def list_reviews_route(
    batch: Annotated[str | None, Query(pattern=BATCH_ID_PATTERN, description="one period, e.g. 2026-11")] = None,
    status: Annotated[ReviewStatus | None, Query(description="pending, justified or unjustified")] = None,
    mine: Annotated[
        bool | None, Query(description="only reviews assigned to you (default: true for supervisors)")
    ] = None,
) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        store = get_reviews_api_dependencies().reviews
        everything = store.reviews(user.agency, batch)
        only_mine = mine if mine is not None else user.role is Role.SUPERVISOR
        listed = [
            r
            for r in everything
            if (status is None or r.status is status) and (not only_mine or r.assignee == user.username)
        ]
        batches = []
        for batch_id in sorted({r.batch_id for r in everything} | ({batch} if batch else set())):
            found = store.get_batch(user.agency, batch_id)
            if found is not None:
                batches.append(batch_out(found, [r for r in everything if r.batch_id == batch_id]))
        body = {"reviews": [review_out(r) for r in listed], "count": len(listed), "mine": only_mine, "batches": batches}
        return body, len(listed)

    return _audited(run)


@router.post(
    "/reviews/<batch_id>/sign-off",
    summary="Sign off a period's search audit once every finding is in",
    tags=["reviews"],
)
def sign_off_route(batch_id: Annotated[str, Path(pattern=BATCH_ID_PATTERN)], body: SignOffRequest) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        deps = get_reviews_api_dependencies()
        signed = sign_off(
            user,
            user.agency,
            batch_id,
            body.note,
            reviews=deps.reviews,
            trail=_trail(),
            policy=deps.policy,
            now=_now(),
        )
        items = deps.reviews.reviews(user.agency, batch_id)
        return batch_out(signed, items), len(items)

    return _audited(run)


@router.post("/reviews/<batch_id>/<item>", summary="Record whether a sampled search was justified", tags=["reviews"])
def record_review_route(
    batch_id: Annotated[str, Path(pattern=BATCH_ID_PATTERN)],
    item: Annotated[str, Path(pattern=ITEM_PATTERN, description="the item number within the period")],
    body: ReviewRequest,
) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        deps = get_reviews_api_dependencies()
        decided = record_review(
            user,
            user.agency,
            f"{batch_id}#{int(item):04d}",
            body.justified,
            body.notes,
            reviews=deps.reviews,
            trail=_trail(),
            policy=deps.policy,
            now=_now(),
        )
        return review_out(decided), 1

    return _audited(run)
