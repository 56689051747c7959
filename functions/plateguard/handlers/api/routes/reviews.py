"""Search-audit reviews: list the sampled searches, record a finding, sign a period off
(plateguard.logic.officer_reviews). Supervisors decide and sign off; supervisors and auditors list.

The logic writes its own domain events (`ReviewSearch`, `SignOffSearchAudit`) to the same trail and
enforces its own rules (never your own search; the assignee, or an approver once escalated; a note when
not justified). The agency is always the caller's: it is never taken from the request.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from plateguard.handlers.api.door import audited, route
from plateguard.logic import officer_reviews as reviews
from plateguard.logic.sampling import ReviewStatus
from plateguard.models.requests import ReviewRequest, SignOffRequest
from plateguard.models.responses import BatchOut, ReviewOut, ReviewsResponse

router = Router()

# Period ids as logic.sampling.last_complete_period names them: 2026-11, 2026-W09, 2026-Q1.
BatchId = Annotated[str, Path(pattern=r"^[0-9]{4}-([0-9]{2}|W[0-9]{2}|Q[1-4])$")]


@route(router, "GET", "/reviews", summary="List your agency's search-audit reviews", tags=["reviews"])
def list_reviews_route(
    batch: Annotated[
        str | None, Query(pattern=r"^[0-9]{4}-([0-9]{2}|W[0-9]{2}|Q[1-4])$", description="one period, e.g. 2026-11")
    ] = None,
    status: Annotated[ReviewStatus | None, Query(description="pending, justified or unjustified")] = None,
    mine: Annotated[
        bool | None, Query(description="only reviews assigned to you (default: true for supervisors)")
    ] = None,
) -> ReviewsResponse:
    return audited(lambda user, deps: reviews.list_reviews(user, batch, status, mine, reviews=deps.reviews))


@route(
    router,
    "POST",
    "/reviews/{batch_id}/sign-off",
    summary="Sign off a period's search audit once every finding is in",
    tags=["reviews"],
)
def sign_off_route(batch_id: BatchId, body: SignOffRequest) -> BatchOut:
    return audited(
        lambda user, deps: reviews.sign_off_batch(
            user, batch_id, body, deps.clock(), reviews=deps.reviews, trail=deps.trail, policy=deps.sampling_policy
        )
    )


@route(
    router,
    "POST",
    "/reviews/{batch_id}/{item}",
    summary="Record whether a sampled search was justified",
    tags=["reviews"],
)
def record_review_route(
    batch_id: BatchId,
    item: Annotated[str, Path(pattern=r"^[0-9]{1,4}$", description="the item number within the period")],
    body: ReviewRequest,
) -> ReviewOut:
    return audited(
        lambda user, deps: reviews.record_finding(
            user,
            batch_id,
            item,
            body,
            deps.clock(),
            reviews=deps.reviews,
            trail=deps.trail,
            policy=deps.sampling_policy,
        )
    )
