"""Retention arithmetic: when a record expires, and whether it already has."""

from __future__ import annotations

from datetime import datetime, timedelta


def expires_at_epoch(start: datetime, retention_days: float) -> int:
    """DynamoDB TTL value (epoch seconds) for a record that starts at `start`."""
    return int((start + timedelta(days=retention_days)).timestamp())


def is_expired(expires_at: int | float | None, now: datetime) -> bool:
    """True once `now` reaches the expiry: DynamoDB TTL may lag ~48 h, so readers must check this."""
    return expires_at is not None and now.timestamp() >= float(expires_at)
