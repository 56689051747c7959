"""Search-audit samples in DynamoDB (implements plateguard.logic.sampling.ReviewStore).

Items are written before their batch, and the batch is written last with a condition that it does
not exist: the batch item is the commit marker, so a re-run after a crash redraws the same sample
(same seed) and completes it, and two concurrent runs cannot both create a period's batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError

from plateguard.dal.tables import ReviewItem
from plateguard.logic.sampling import Batch, Review, ReviewStatus

_BATCH_DATES = ("period_start", "period_end", "created_at", "signed_off_at")
_REVIEW_DATES = ("assigned_at", "due_at", "reviewed_at", "escalated_at")


def batch_key(batch_id: str) -> str:
    return f"BATCH#{batch_id}"


def item_key(review_id: str) -> str:
    return f"ITEM#{review_id}"


def _dump(value: Any, dates: tuple[str, ...]) -> dict[str, Any]:
    body = asdict(value)
    for name in dates:
        if body.get(name) is not None:
            body[name] = body[name].isoformat()
    return body


def _load_dates(body: dict[str, Any], dates: tuple[str, ...]) -> dict[str, Any]:
    return {k: (datetime.fromisoformat(v) if k in dates and v is not None else v) for k, v in body.items()}


def _batch(item: ReviewItem) -> Batch:
    body = _load_dates(dict(item.body), _BATCH_DATES)
    return Batch(**{f.name: body[f.name] for f in fields(Batch) if f.name in body})


def _review(item: ReviewItem) -> Review:
    body = _load_dates(dict(item.body), _REVIEW_DATES)
    body["strata"] = tuple(body.get("strata", ()))
    body["signals"] = tuple(body.get("signals", ()))
    body["status"] = ReviewStatus(body["status"])
    return Review(**{f.name: body[f.name] for f in fields(Review) if f.name in body})


def _review_item(review: Review) -> ReviewItem:
    return ReviewItem(
        review.agency,
        item_key(review.review_id),
        kind="item",
        batch_id=review.batch_id,
        status=review.status.value,
        assignee=review.assignee,
        due_at=review.due_at,
        body=_dump(review, _REVIEW_DATES),
    )


def _batch_item(batch: Batch) -> ReviewItem:
    return ReviewItem(
        batch.agency, batch_key(batch.batch_id), kind="batch", batch_id=batch.batch_id, body=_dump(batch, _BATCH_DATES)
    )


class DynamoReviewStore:
    def create_batch(self, batch: Batch, reviews: Sequence[Review]) -> bool:
        with ReviewItem.batch_write() as writer:
            for review in reviews:
                writer.save(_review_item(review))
        try:
            _batch_item(batch).save(condition=ReviewItem.review_key.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get_batch(self, agency: str, batch_id: str) -> Batch | None:
        try:
            return _batch(ReviewItem.get(agency, batch_key(batch_id), consistent_read=True))
        except ReviewItem.DoesNotExist:
            return None

    def put_batch(self, batch: Batch) -> None:
        _batch_item(batch).save()

    def reviews(self, agency: str, batch_id: str | None = None) -> list[Review]:
        prefix = item_key(f"{batch_id}#") if batch_id else "ITEM#"
        return [
            _review(item)
            for item in ReviewItem.query(
                agency, range_key_condition=ReviewItem.review_key.startswith(prefix), consistent_read=True
            )
        ]

    def get_review(self, agency: str, review_id: str) -> Review | None:
        try:
            return _review(ReviewItem.get(agency, item_key(review_id), consistent_read=True))
        except ReviewItem.DoesNotExist:
            return None

    def put_review(self, review: Review) -> None:
        _review_item(review).save()
