"""Scheduled oversight jobs (EventBridge): `{"job": "disable-inactive-accounts" | "sample-searches" |
"escalate-reviews"}`, optionally `"agencies": [...]` to run for fewer agencies than configured.

Thin: pick the job, run its logic once per agency with injected dependencies, report what changed.

`handle_audit_digest` is the hourly audit digest (logic/audit_digest.py), a function of its own: its
role is the only one that may sign with the digest key, and it may not write audit records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard.logic.accounts import disable_lapsed_accounts
from plateguard.logic.sampling import escalate_overdue, sample_searches
from plateguard.observability import logger, metrics, tracer
from plateguard.wiring import digest as digest_wiring
from plateguard.wiring import jobs as jobs_wiring
from plateguard.wiring.jobs import JobDependencies


def _disable(agency: str, deps: JobDependencies, now: datetime) -> dict[str, Any]:
    s = deps.sampling
    changes = disable_lapsed_accounts(
        agency, users=deps.users, trail=deps.trail, notifier=s.notifier, policy=deps.accounts, now=now,
        subscriptions=deps.subscriptions,
    )  # fmt: skip
    metrics.add_metric(name="AccountsDisabled", unit=MetricUnit.Count, value=len(changes))
    return {"disabled": [c.summary() for c in changes]}


def _sample(agency: str, deps: JobDependencies, now: datetime) -> dict[str, Any]:
    result = sample_searches(agency, deps.sampling_for(agency), deps.sampling_policy, now)
    if result.created:
        metrics.add_metric(name="SearchesSampled", unit=MetricUnit.Count, value=len(result.reviews))
        metrics.add_metric(name="MisuseSignals", unit=MetricUnit.Count, value=len(result.signals))
    return {
        "batch": result.batch.batch_id,
        "created": result.created,
        "items": len(result.reviews),
        "signals": [s.summary() for s in result.signals],
    }


def _escalate(agency: str, deps: JobDependencies, now: datetime) -> dict[str, Any]:
    s = deps.sampling
    escalated = escalate_overdue(agency, reviews=s.reviews, trail=deps.trail, notifier=s.notifier, now=now)
    metrics.add_metric(name="ReviewsEscalated", unit=MetricUnit.Count, value=len(escalated))
    return {"escalated": [r.review_id for r in escalated]}


JOBS: dict[str, Callable[[str, JobDependencies, datetime], dict[str, Any]]] = {
    "disable-inactive-accounts": _disable,
    "sample-searches": _sample,
    "escalate-reviews": _escalate,
}


@logger.inject_lambda_context(log_event=True)  # the event is only the job name: no personal data
@tracer.capture_lambda_handler
@metrics.log_metrics
def handle_scheduled_job(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = JOBS.get(str(event.get("job")))
    if job is None:
        raise ValueError(f"unknown job {event.get('job')!r}; expected one of {', '.join(JOBS)}")
    deps = jobs_wiring.dependencies()
    agencies = [a for a in event.get("agencies", deps.agencies) if a in deps.agencies]
    now = deps.clock()
    # One agency's failure (e.g. the audit trail refusing a write) must not hide the others' results;
    # the invocation still fails so EventBridge/Lambda retry and alarms see it.
    results: dict[str, Any] = {}
    failed: list[str] = []
    for agency in agencies:
        try:
            results[agency] = job(agency, deps, now)
        except Exception:
            logger.exception("job failed for agency", extra={"job": event["job"], "agency": agency})
            failed.append(agency)
    if failed:
        raise RuntimeError(f"{event['job']} failed for {', '.join(failed)}")
    return {"job": event["job"], "at": now.isoformat(), "results": results}


@logger.inject_lambda_context(log_event=True)  # the event names no one
@tracer.capture_lambda_handler
@metrics.log_metrics
def handle_audit_digest(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Sign and store the next digest of every audit chain's head (hourly, and on demand)."""
    from plateguard.logic.audit_digest import create_digest

    deps = digest_wiring.dependencies()
    result = create_digest(deps.store, deps.archive, deps.signer, deps.clock(), deps.agencies)
    metrics.add_metric(name="AuditDigestProblems", unit=MetricUnit.Count, value=len(result.problems))
    if result.digest is None:
        # Another run wrote this sequence number first (an on-demand run racing the schedule): its digest stands.
        logger.warning("audit digest already written", extra={"key": result.key})
        return {"job": "audit-digest", "key": result.key, "written": False}
    digest = result.digest.digest
    if result.problems:
        logger.error("audit digest found chains that do not extend their anchor", extra={"problems": result.problems})
    return {
        "job": "audit-digest",
        "key": result.key,
        "written": True,
        "sequence": digest.sequence,
        "chains": len(digest.heads),
        "records": sum(seq for seq, _ in digest.heads.values()),
        "problems": list(result.problems),
    }
