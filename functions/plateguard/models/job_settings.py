"""Settings of the scheduled oversight jobs and audit digest Lambdas (read once per container by
plateguard.wiring.jobs and plateguard.wiring.digest)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from plateguard import schema
from plateguard.models.settings import AwsSettings


class JobSettings(AwsSettings):
    users_table_name: str = Field(validation_alias=schema.USERS.env_var)
    audit_table_name: str = Field(validation_alias=schema.AUDIT.env_var)
    audit_bucket_name: str = Field(validation_alias=schema.AUDIT_BUCKET.env_var)
    reviews_table_name: str = Field(validation_alias=schema.REVIEWS.env_var)
    supervisor_topic_arn: str = Field(validation_alias=schema.SUPERVISOR_TOPIC.env_var)
    # The disabling job removes a disabled account's alert subscriptions (plateguard.logic.accounts).
    subscriptions_table_name: str = Field(validation_alias=schema.SUBSCRIPTIONS.env_var)
    # Where the agency's case-number export lives (schema.CASE_REGISTRY_PREFIX); unset: signal not evaluated.
    images_bucket_name: str | None = Field(default=None, validation_alias=schema.IMAGES_BUCKET.env_var)
    # Agencies whose registry and audit chain this deployment holds (comma-separated agency ids).
    agencies: str = Field(validation_alias="AGENCIES")

    # Account lifecycle (policy file: accounts.inactive_disable_days, roles[].training.refresh_months).
    inactivity_disable_days: int = Field(default=90, ge=1, le=3650, validation_alias="INACTIVITY_DISABLE_DAYS")
    training_refresh_months: int = Field(default=12, ge=1, le=60, validation_alias="TRAINING_REFRESH_MONTHS")

    # Search-audit sampling (policy file: audit.frequency, audit.sample_size).
    audit_frequency: Literal["weekly", "monthly", "quarterly"] = Field(
        default="monthly", validation_alias="AUDIT_FREQUENCY"
    )
    audit_sample_size: int = Field(default=50, ge=1, le=10_000, validation_alias="AUDIT_SAMPLE_SIZE")
    review_days: int = Field(default=14, ge=1, le=90, validation_alias="REVIEW_DAYS")
    # IANA zone for the off-hours signal ("usual hours" are the agency's local hours).
    agency_timezone: str = Field(default="UTC", validation_alias="AGENCY_TIMEZONE")

    @property
    def agency_list(self) -> list[str]:
        return [a.strip() for a in self.agencies.split(",") if a.strip()]


class DigestSettings(AwsSettings):
    """The audit digest function: it reads the audit table and bucket and signs; nothing else."""

    audit_table_name: str = Field(validation_alias=schema.AUDIT.env_var)
    audit_bucket_name: str = Field(validation_alias=schema.AUDIT_BUCKET.env_var)
    digest_key_id: str = Field(validation_alias=schema.AUDIT_DIGEST_KEY_ENV_VAR)
    agencies: str = Field(validation_alias="AGENCIES")

    @property
    def agency_list(self) -> list[str]:
        return [a.strip() for a in self.agencies.split(",") if a.strip()]
