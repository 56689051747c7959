"""Aggregate counts for the transparency report, read from the tables and the destruction log.

Only the attributes a count needs are fetched (never a plate), and only aggregates leave this module.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from plateguard.dal.holds import DynamoHoldStore
from plateguard.dal.sweeper_store import S3DestructionLog
from plateguard.dal.tables import AlertItem, AuditItem, ReadItem
from plateguard.logic.retention import is_expired
from plateguard.policy.transparency import AUDIT_SAMPLE_EVENT, UsageStats, month_of

SEARCH_EVENTS = frozenset({"SearchReads"})


def _audit_month(record: dict[str, Any]) -> str:
    return str(record.get("eventTime", ""))[:7]


def collect_stats(s3: Any, audit_bucket: str, now: datetime | None = None) -> UsageStats:
    now = now or datetime.now(UTC)
    stats = UsageStats(source="local environment")
    for item in ReadItem.scan(attributes_to_get=["captured_at", "hit", "expires_at"]):
        if is_expired(item.expires_at, now):  # past expiry: as good as destroyed, never counted as held data
            continue
        month = month_of(item.captured_at)
        stats.reads[month] += 1
        if item.hit:
            stats.hits[month] += 1
    for alert in AlertItem.scan(attributes_to_get=["created_at", "expires_at"]):
        if not is_expired(alert.expires_at, now):
            stats.alerts[month_of(alert.created_at)] += 1
    for entry in AuditItem.scan(attributes_to_get=["record"]):
        record = json.loads(entry.record)
        name, month = record.get("eventName"), _audit_month(record)
        if name in SEARCH_EVENTS:
            if record.get("outcome") == "Success":
                params = record.get("requestParameters") or {}
                offense = str(params.get("offenseType") or params.get("offense_type") or "unstated")
                stats.searches[month][offense] += 1
            else:
                stats.searches_denied[month] += 1
        elif name == AUDIT_SAMPLE_EVENT and record.get("outcome") == "Success":
            stats.audit_samples[month] += 1
        elif name == "SampleSearches" and record.get("outcome") == "Success":
            stats.audit_sampled[month] += int((record.get("responseElements") or {}).get("resultCount") or 0)
        elif name == "ReviewSearch" and record.get("outcome") == "Success":
            stats.audit_reviewed[month] += 1
            if (record.get("requestParameters") or {}).get("justified") is False:
                stats.audit_not_justified[month] += 1
    for log_entry in S3DestructionLog(s3, audit_bucket).entries():
        stats.add_sweep(log_entry)
    stats.active_holds = sum(1 for hold in DynamoHoldStore().list_holds() if hold.is_active(now))
    return stats
