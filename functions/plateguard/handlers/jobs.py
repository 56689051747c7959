"""Scheduled oversight jobs (EventBridge): `{"job": "disable-inactive-accounts" | "sample-searches" |
"escalate-reviews"}`, optionally `"agencies": [...]` to run for fewer agencies than configured.

Thin: pick the job, run its logic once per agency with injected dependencies, report what changed.

`handle_audit_digest` is the hourly audit digest (logic/audit_digest.py), a function of its own: its
role is the only one that may sign with the digest key, and it may not write audit records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard import schema
from plateguard.dal.cases import S3CaseRegistry
from plateguard.logic.access import UserDirectory
from plateguard.logic.accounts import AccountPolicy, disable_lapsed_accounts
from plateguard.logic.audit_chain import AuditTrail
from plateguard.logic.sampling import SamplingDependencies, SamplingPolicy, escalate_overdue, sample_searches
from plateguard.logic.subscriptions import SubscriptionRemover
from plateguard.models.job_settings import get_digest_settings, get_job_settings
from plateguard.observability import logger, metrics, tracer


@dataclass(frozen=True)
class JobDependencies:
    users: UserDirectory
    trail: AuditTrail
    sampling: SamplingDependencies
    accounts: AccountPolicy
    sampling_policy: SamplingPolicy
    clock: Callable[[], datetime]
    cases: S3CaseRegistry | None = None  # the agency's case-number export, when configured
    subscriptions: SubscriptionRemover | None = None  # a disabled account's alert subscriptions go with it


@lru_cache(maxsize=1)
def get_job_dependencies() -> JobDependencies:
    from plateguard.dal.audit import DynamoAuditStore, S3AuditArchive
    from plateguard.dal.clients import aws_client
    from plateguard.dal.reviews import DynamoReviewStore
    from plateguard.dal.subscriptions import DynamoSubscriptionStore, SnsUnsubscriber
    from plateguard.dal.supervisors import SnsSupervisorNotifier
    from plateguard.dal.tables import bind_tables
    from plateguard.dal.users import DynamoUserDirectory

    settings = get_job_settings()
    bind_tables(
        {
            schema.USERS.logical_id: settings.users_table_name,
            schema.AUDIT.logical_id: settings.audit_table_name,
            schema.REVIEWS.logical_id: settings.reviews_table_name,
            schema.SUBSCRIPTIONS.logical_id: settings.subscriptions_table_name,
        },
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    users = DynamoUserDirectory()
    store = DynamoAuditStore()
    trail = AuditTrail(
        store,
        S3AuditArchive(aws_client("s3", settings.aws_region, settings.aws_endpoint_url), settings.audit_bucket_name),
    )
    sns = aws_client("sns", settings.aws_region, settings.aws_endpoint_url)
    notifier = SnsSupervisorNotifier(sns, settings.supervisor_topic_arn)
    return JobDependencies(
        users=users,
        trail=trail,
        sampling=SamplingDependencies(
            audit=store,
            reviews=DynamoReviewStore(),
            users=users,
            trail=trail,
            notifier=notifier,
            tz=ZoneInfo(settings.agency_timezone),
        ),
        accounts=AccountPolicy(
            inactivity_disable_days=settings.inactivity_disable_days,
            training_refresh_months=settings.training_refresh_months,
        ),
        sampling_policy=SamplingPolicy(
            frequency=settings.audit_frequency, sample_size=settings.audit_sample_size, review_days=settings.review_days
        ),
        clock=lambda: datetime.now(UTC),
        cases=S3CaseRegistry(
            aws_client("s3", settings.aws_region, settings.aws_endpoint_url), settings.images_bucket_name
        )
        if settings.images_bucket_name
        else None,
        subscriptions=SubscriptionRemover(DynamoSubscriptionStore(), SnsUnsubscriber(sns)),
    )


def _disable(agency: str, deps: JobDependencies, now: datetime) -> dict[str, Any]:
    s = deps.sampling
    changes = disable_lapsed_accounts(
        agency, users=deps.users, trail=deps.trail, notifier=s.notifier, policy=deps.accounts, now=now,
        subscriptions=deps.subscriptions,
    )  # fmt: skip
    metrics.add_metric(name="AccountsDisabled", unit=MetricUnit.Count, value=len(changes))
    return {"disabled": [c.summary() for c in changes]}


def sampling_for(agency: str, deps: JobDependencies) -> SamplingDependencies:
    """The unknown-case-number signal runs only for an agency that has exported its case list."""
    registry = deps.cases if deps.cases is not None and deps.cases.has_export(agency) else None
    return dataclasses.replace(deps.sampling, cases=registry)


def _sample(agency: str, deps: JobDependencies, now: datetime) -> dict[str, Any]:
    result = sample_searches(agency, sampling_for(agency, deps), deps.sampling_policy, now)
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
    deps = get_job_dependencies()
    configured = get_job_settings().agency_list
    agencies = [a for a in event.get("agencies", configured) if a in configured]
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


@dataclass(frozen=True)
class DigestDependencies:
    store: Any  # plateguard.dal.audit.DynamoAuditStore
    archive: Any  # plateguard.dal.audit.S3AuditArchive
    signer: Any  # plateguard.dal.audit.KmsDigestSigner
    agencies: list[str]
    clock: Callable[[], datetime]


@lru_cache(maxsize=1)
def get_digest_dependencies() -> DigestDependencies:
    from plateguard.dal.audit import DynamoAuditStore, KmsDigestSigner, S3AuditArchive
    from plateguard.dal.clients import aws_client
    from plateguard.dal.tables import bind_tables

    settings = get_digest_settings()
    bind_tables(
        {schema.AUDIT.logical_id: settings.audit_table_name},
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    return DigestDependencies(
        store=DynamoAuditStore(),
        archive=S3AuditArchive(
            aws_client("s3", settings.aws_region, settings.aws_endpoint_url), settings.audit_bucket_name
        ),
        signer=KmsDigestSigner(
            aws_client("kms", settings.aws_region, settings.aws_endpoint_url), settings.digest_key_id
        ),
        agencies=settings.agency_list,
        clock=lambda: datetime.now(UTC),
    )


@logger.inject_lambda_context(log_event=True)  # the event names no one
@tracer.capture_lambda_handler
@metrics.log_metrics
def handle_audit_digest(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Sign and store the next digest of every audit chain's head (hourly, and on demand)."""
    from plateguard.logic.audit_digest import create_digest

    deps = get_digest_dependencies()
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
