"""Settings: one pydantic model per function, read from the environment through a cached getter."""

from __future__ import annotations

import json

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from plateguard.models.routes import Role


class AwsSettings(BaseSettings):
    """Where AWS is: the real one, or moto's server in local mode (AWS_ENDPOINT_URL)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    aws_region: str = Field(default="us-west-2", validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")


class IngestSettings(AwsSettings):
    """Ingest function (handlers/ingest.py); read once per container by plateguard.wiring.ingest."""

    reads_table_name: str = Field(validation_alias="READS_TABLE_NAME")
    images_table_name: str = Field(validation_alias="IMAGES_TABLE_NAME")
    cameras_table_name: str = Field(validation_alias="CAMERAS_TABLE_NAME")
    hotlist_table_name: str = Field(validation_alias="HOTLIST_TABLE_NAME")
    alerts_table_name: str = Field(validation_alias="ALERTS_TABLE_NAME")
    images_bucket_name: str = Field(validation_alias="IMAGES_BUCKET_NAME")
    alert_topic_arn: str = Field(validation_alias="ALERT_TOPIC_ARN")

    # Retention (days). Non-hit reads are the bulk of the data and are kept the shortest.
    # Float days: New Hampshire keeps non-hit data for minutes (3 min = 0.00208 days).
    read_retention_days: float = Field(default=30, gt=0, le=3650, validation_alias="READ_RETENTION_DAYS")
    hit_retention_days: float = Field(default=365, gt=0, le=3650, validation_alias="HIT_RETENTION_DAYS")
    alert_retention_days: float = Field(default=365, gt=0, le=3650, validation_alias="ALERT_RETENTION_DAYS")
    # False: a read that hits no hot list is never stored (for minute-level non-hit retention).
    persist_non_hit_reads: bool = Field(default=True, validation_alias="PERSIST_NON_HIT_READS")

    # Input guards: an object larger than this, or decoding to more pixels, is quarantined.
    max_object_bytes: int = Field(default=25 * 1024 * 1024, ge=1, validation_alias="MAX_OBJECT_BYTES")
    max_decoded_pixels: int = Field(default=40_000_000, ge=1, validation_alias="MAX_DECODED_PIXELS")

    # Reads below this confidence are stored but flagged, and never raise an alert.
    alert_min_confidence: float = Field(default=0.8, ge=0, le=1, validation_alias="ALERT_MIN_CONFIDENCE")
    recognition_threads: int = Field(default=1, ge=1, le=16, validation_alias="RECOGNITION_THREADS")
    hotlist_refresh_seconds: int = Field(default=60, ge=0, validation_alias="HOTLIST_REFRESH_SECONDS")
    # One alert per (plate, list, camera) within this window; repeats are counted, not re-sent.
    alert_dedup_seconds: int = Field(default=600, ge=0, le=86400, validation_alias="ALERT_DEDUP_SECONDS")


DEFAULT_OFFENSE_TYPES = (
    "stolen-vehicle",
    "homicide",
    "robbery",
    "kidnapping",
    "missing-person",
    "amber-alert",
    "hit-and-run",
    "carjacking",
    "assault-with-deadly-weapon",
    "burglary",
)


class ApiSettings(AwsSettings):
    """The officer API Lambda: one function serves every route, so one model reads its whole environment."""

    reads_table_name: str = Field(validation_alias="READS_TABLE_NAME")
    users_table_name: str = Field(validation_alias="USERS_TABLE_NAME")
    audit_table_name: str = Field(validation_alias="AUDIT_TABLE_NAME")
    images_bucket_name: str = Field(validation_alias="IMAGES_BUCKET_NAME")
    audit_bucket_name: str = Field(validation_alias="AUDIT_BUCKET_NAME")

    # Pagination tokens are HMAC-protected with a key derived once per container from a KMS HMAC key
    # (GenerateMac over a fixed label), so key material never leaves KMS and all containers agree.
    pagination_kms_key_id: str = Field(validation_alias="PAGINATION_KMS_KEY_ID")
    pagination_token_ttl_seconds: int = Field(
        default=900, ge=30, le=86_400, validation_alias="PAGINATION_TOKEN_TTL_SECONDS"
    )

    # Search policy: a purpose must name one of these offense types (comma-separated in the environment).
    offense_types: str = Field(default=",".join(DEFAULT_OFFENSE_TYPES), validation_alias="OFFENSE_TYPES")
    max_search_window_days: float = Field(default=7, gt=0, le=366, validation_alias="MAX_SEARCH_WINDOW_DAYS")
    min_pattern_literals: int = Field(default=3, ge=1, le=10, validation_alias="MIN_PATTERN_LITERALS")
    default_page_size: int = Field(default=50, ge=1, le=1000, validation_alias="DEFAULT_PAGE_SIZE")
    max_page_size: int = Field(default=200, ge=1, le=1000, validation_alias="MAX_PAGE_SIZE")
    # Items examined per request by scanning searches; past it the page ends early with a next_token.
    max_scanned_items: int = Field(default=5000, ge=100, le=100_000, validation_alias="MAX_SCANNED_ITEMS")
    max_audit_query_days: float = Field(default=366, gt=0, le=3660, validation_alias="MAX_AUDIT_QUERY_DAYS")
    crop_url_expires_seconds: int = Field(default=60, ge=1, le=900, validation_alias="CROP_URL_EXPIRES_SECONDS")

    # Accounts unused for this long are refused (CJIS: disable inactive accounts; 90 days is common).
    inactivity_disable_days: int = Field(default=90, ge=1, le=3650, validation_alias="INACTIVITY_DISABLE_DAYS")
    # Training older than this is refused on every request, not only by the nightly job.
    training_refresh_months: int = Field(default=12, ge=1, le=60, validation_alias="TRAINING_REFRESH_MONTHS")
    # Each PlateGuard role's IAM role name, as JSON ({"officer": "PlateGuard-ApiOfficerRole-X", ...}).
    # Only sessions of these roles are trusted (their trust policies pin the session name); none: all refused.
    api_role_names: str = Field(default="{}", validation_alias="API_ROLE_NAMES")
    # The policy's sharing grants (plateguard.policy.enforcement.sharing_grants_json): none, no sharing.
    sharing_grants: str = Field(default="[]", validation_alias="SHARING_GRANTS")

    # User accounts: changes are reported to the agency's supervisors; disabling or separating an account
    # removes its alert subscriptions (plateguard.logic.accounts).
    supervisor_topic_arn: str = Field(validation_alias="SUPERVISOR_TOPIC_ARN")
    subscriptions_table_name: str = Field(validation_alias="SUBSCRIPTIONS_TABLE_NAME")

    # Hot lists, alerts and subscriptions.
    cameras_table_name: str = Field(validation_alias="CAMERAS_TABLE_NAME")
    hotlist_table_name: str = Field(validation_alias="HOTLIST_TABLE_NAME")
    hotlists_table_name: str = Field(validation_alias="HOTLISTS_TABLE_NAME")
    alerts_table_name: str = Field(validation_alias="ALERTS_TABLE_NAME")
    alert_topic_arn: str = Field(validation_alias="ALERT_TOPIC_ARN")
    # Float days, as ingest reads it: a policy may keep alerts for hours (36 hours = 1.5 days).
    alert_retention_days: float = Field(default=365, gt=0, le=3650, validation_alias="ALERT_RETENTION_DAYS")
    alert_min_confidence: float = Field(default=0.8, ge=0, le=1, validation_alias="ALERT_MIN_CONFIDENCE")
    # The policy's alerts.allowed_endpoint_domains, comma-separated; empty: e-mail and HTTPS refused.
    alert_endpoint_domains: str = Field(default="", validation_alias="ALERT_ENDPOINT_DOMAINS")

    # Legal holds and search-audit reviews.
    holds_table_name: str = Field(validation_alias="HOLDS_TABLE_NAME")
    reviews_table_name: str = Field(validation_alias="REVIEWS_TABLE_NAME")

    # Cameras: the IoT policy attached to every camera certificate (AssumeRoleWithCertificate on the alias).
    camera_iot_policy_name: str = Field(validation_alias="CAMERA_IOT_POLICY_NAME")
    camera_role_alias: str = Field(validation_alias="CAMERA_ROLE_ALIAS")
    # Unset: the account's iot:CredentialProvider endpoint (DescribeEndpoint); local mode sets its emulator.
    camera_credentials_endpoint: str | None = Field(default=None, validation_alias="CAMERA_CREDENTIALS_ENDPOINT")

    @property
    def offense_type_list(self) -> tuple[str, ...]:
        return tuple(t.strip().lower() for t in self.offense_types.split(",") if t.strip())

    @property
    def role_name_map(self) -> dict[str, Role]:
        return {str(name): Role(role) for role, name in json.loads(self.api_role_names).items()}

    @property
    def endpoint_domain_list(self) -> tuple[str, ...]:
        return tuple(d.strip().lower() for d in self.alert_endpoint_domains.split(",") if d.strip())


class SweeperSettings(AwsSettings):
    """Retention sweeper (handlers/sweeper.py): explicit, hold-aware deletion on time (wiring.sweeper)."""

    reads_table_name: str = Field(validation_alias="READS_TABLE_NAME")
    alerts_table_name: str = Field(validation_alias="ALERTS_TABLE_NAME")
    hotlist_table_name: str = Field(validation_alias="HOTLIST_TABLE_NAME")
    images_table_name: str = Field(validation_alias="IMAGES_TABLE_NAME")
    holds_table_name: str = Field(validation_alias="HOLDS_TABLE_NAME")
    images_bucket_name: str = Field(validation_alias="IMAGES_BUCKET_NAME")
    audit_bucket_name: str = Field(validation_alias="AUDIT_BUCKET_NAME")
    # Object ages for the S3 pass (from the policy file); unset: that class is left to the lifecycle.
    images_retention_seconds: int | None = Field(default=None, ge=60, validation_alias="IMAGES_RETENTION_SECONDS")
    crops_retention_seconds: int | None = Field(default=None, ge=60, validation_alias="CROPS_RETENTION_SECONDS")
    # The schedule's interval: at one minute a run sweeps twice (plateguard.logic.sweeper.sweep_run).
    sweep_interval_seconds: int = Field(default=900, ge=60, validation_alias="SWEEP_INTERVAL_SECONDS")
