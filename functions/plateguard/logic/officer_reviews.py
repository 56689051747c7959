"""What the officer API's search-audit review routes do: list the sampled searches, record a finding,
sign a period off (logic.sampling enforces the rules and writes its own events to the trail).

The agency is always the caller's. Supervisors see the reviews assigned to them unless they ask for
all (`mine=false`); auditors see all. Each function returns the response and the count the audit
record carries.
"""

from __future__ import annotations

from datetime import datetime

from plateguard.logic.access import User
from plateguard.logic.audit_chain import AuditTrail
from plateguard.logic.sampling import Batch, Review, ReviewStatus, ReviewStore, SamplingPolicy, record_review, sign_off
from plateguard.models.requests import ReviewRequest, SignOffRequest
from plateguard.models.responses import BatchOut, ReviewOut, ReviewsResponse
from plateguard.models.routes import Role


def review_out(review: Review) -> ReviewOut:
    """A sampled search as the API shows it: the audited terms, why it was drawn, and its finding."""
    return ReviewOut(
        review_id=review.review_id,
        batch_id=review.batch_id,
        item=review.item,
        audit_event_id=review.event_id,
        searcher=review.searcher,
        search=review.search,
        strata=list(review.strata),
        signals=list(review.signals),
        assignee=review.assignee,
        assigned_at=review.assigned_at,
        due_at=review.due_at,
        escalated_at=review.escalated_at,
        status=review.status.value,
        reviewed_by=review.reviewed_by,
        reviewed_at=review.reviewed_at,
        notes=review.notes,
    )


def batch_out(batch: Batch, reviews: list[Review]) -> BatchOut:
    return BatchOut(
        batch_id=batch.batch_id,
        period_start=batch.period_start,
        period_end=batch.period_end,
        seed=batch.seed,
        searches_in_period=batch.searches_in_period,
        items=batch.items,
        pending=sum(r.status is ReviewStatus.PENDING for r in reviews),
        unjustified=sum(r.status is ReviewStatus.UNJUSTIFIED for r in reviews),
        strata_counts=dict(batch.strata_counts),
        signed_off_by=batch.signed_off_by,
        signed_off_at=batch.signed_off_at,
        sign_off_note=batch.sign_off_note,
    )


def list_reviews(
    user: User, batch: str | None, status: ReviewStatus | None, mine: bool | None, *, reviews: ReviewStore
) -> tuple[ReviewsResponse, int]:
    """The agency's sampled searches (one period, one status, or only the caller's), with their periods."""
    everything = reviews.reviews(user.agency, batch)
    only_mine = mine if mine is not None else user.role is Role.SUPERVISOR
    listed = [
        r
        for r in everything
        if (status is None or r.status is status) and (not only_mine or r.assignee == user.username)
    ]
    batches = []
    for batch_id in sorted({r.batch_id for r in everything} | ({batch} if batch else set())):
        found = reviews.get_batch(user.agency, batch_id)
        if found is not None:
            batches.append(batch_out(found, [r for r in everything if r.batch_id == batch_id]))
    response = ReviewsResponse(
        reviews=[review_out(r) for r in listed], count=len(listed), mine=only_mine, batches=batches
    )
    return response, len(listed)


def sign_off_batch(
    user: User,
    batch_id: str,
    body: SignOffRequest,
    now: datetime,
    *,
    reviews: ReviewStore,
    trail: AuditTrail,
    policy: SamplingPolicy,
) -> tuple[BatchOut, int]:
    """Close a period's audit once every finding is in (NotFound, AccessDenied, Conflict otherwise)."""
    signed = sign_off(user, user.agency, batch_id, body.note, reviews=reviews, trail=trail, policy=policy, now=now)
    items = reviews.reviews(user.agency, batch_id)
    return batch_out(signed, items), len(items)


def record_finding(
    user: User,
    batch_id: str,
    item: str,
    body: ReviewRequest,
    now: datetime,
    *,
    reviews: ReviewStore,
    trail: AuditTrail,
    policy: SamplingPolicy,
) -> tuple[ReviewOut, int]:
    """Whether the sampled search `item` of the period was justified (the rules: logic.sampling)."""
    decided = record_review(
        user,
        user.agency,
        f"{batch_id}#{int(item):04d}",
        body.justified,
        body.notes,
        reviews=reviews,
        trail=trail,
        policy=policy,
        now=now,
    )
    return review_out(decided), 1
