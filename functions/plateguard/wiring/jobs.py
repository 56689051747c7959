"""The scheduled oversight jobs' dependencies, from JobSettings: users, the audit trail, reviews, supervisor
messages, subscriptions and the agency's case-number export."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from plateguard import schema
from plateguard.logic.access import UserDirectory
from plateguard.logic.accounts import AccountPolicy
from plateguard.logic.audit_chain import AuditTrail
from plateguard.logic.sampling import SamplingDependencies, SamplingPolicy
from plateguard.logic.subscriptions import SubscriptionRemover
from plateguard.models.job_settings import JobSettings
from plateguard.wiring import Provider, cached, utc_now

if TYPE_CHECKING:
    from plateguard.dal.cases import S3CaseRegistry


@dataclass(frozen=True)
class JobDependencies:
    users: UserDirectory
    trail: AuditTrail
    sampling: SamplingDependencies
    accounts: AccountPolicy
    sampling_policy: SamplingPolicy
    agencies: list[str]  # the agencies this deployment holds; a run may name fewer, never others
    clock: Callable[[], datetime]
    cases: S3CaseRegistry | None = None  # the agency's case-number export, when configured
    subscriptions: SubscriptionRemover | None = None  # a disabled account's alert subscriptions go with it

    def sampling_for(self, agency: str) -> SamplingDependencies:
        """The unknown-case-number signal runs only for an agency that has exported its case list."""
        registry = self.cases if self.cases is not None and self.cases.has_export(agency) else None
        return dataclasses.replace(self.sampling, cases=registry)


@cached
def settings() -> JobSettings:
    return JobSettings()  # values come from the environment


def build() -> JobDependencies:
    from plateguard.dal.audit import DynamoAuditStore, S3AuditArchive
    from plateguard.dal.cases import S3CaseRegistry
    from plateguard.dal.clients import aws_client
    from plateguard.dal.reviews import DynamoReviewStore
    from plateguard.dal.subscriptions import DynamoSubscriptionStore, SnsUnsubscriber
    from plateguard.dal.supervisors import SnsSupervisorNotifier
    from plateguard.dal.tables import bind_tables
    from plateguard.dal.users import DynamoUserDirectory

    config = settings()
    bind_tables(
        {
            schema.USERS.logical_id: config.users_table_name,
            schema.AUDIT.logical_id: config.audit_table_name,
            schema.REVIEWS.logical_id: config.reviews_table_name,
            schema.SUBSCRIPTIONS.logical_id: config.subscriptions_table_name,
        },
        region=config.aws_region,
        host=config.aws_endpoint_url,
    )
    s3 = aws_client("s3", config.aws_region, config.aws_endpoint_url)
    sns = aws_client("sns", config.aws_region, config.aws_endpoint_url)
    users = DynamoUserDirectory()
    store = DynamoAuditStore()
    trail = AuditTrail(store, S3AuditArchive(s3, config.audit_bucket_name))
    return JobDependencies(
        users=users,
        trail=trail,
        sampling=SamplingDependencies(
            audit=store,
            reviews=DynamoReviewStore(),
            users=users,
            trail=trail,
            notifier=SnsSupervisorNotifier(sns, config.supervisor_topic_arn),
            tz=ZoneInfo(config.agency_timezone),
        ),
        accounts=AccountPolicy(
            inactivity_disable_days=config.inactivity_disable_days,
            training_refresh_months=config.training_refresh_months,
        ),
        sampling_policy=SamplingPolicy(
            frequency=config.audit_frequency, sample_size=config.audit_sample_size, review_days=config.review_days
        ),
        agencies=config.agency_list,
        clock=utc_now,
        cases=S3CaseRegistry(s3, config.images_bucket_name) if config.images_bucket_name else None,
        subscriptions=SubscriptionRemover(DynamoSubscriptionStore(), SnsUnsubscriber(sns)),
    )


dependencies = Provider(build)
