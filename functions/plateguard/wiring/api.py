"""The officer API function's dependencies, from ApiSettings: one container for every route.

One Lambda serves every route, so one settings model and one container: table bindings, clients and
stores are made once per container on first use (never at import time). The door
(plateguard.handlers.api.door) takes the container from `dependencies()` once per request and hands the
same one to the route, so a test that overrides it (`dependencies.override(...)`) changes the door and
the routes alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from plateguard import schema
from plateguard.logic.access import AccessPolicy, UserDirectory
from plateguard.logic.accounts import AccountPolicy
from plateguard.logic.audit_chain import AuditStore, AuditTrail
from plateguard.logic.cameras import CameraIdentities, CameraRegistry
from plateguard.logic.historical import StoredReadsCheck
from plateguard.logic.holds import HoldStore
from plateguard.logic.officer_alerts import AlertRecords
from plateguard.logic.officer_cameras import UploadTarget
from plateguard.logic.officer_hotlists import HistoricalCheck, HotListRegistry
from plateguard.logic.officer_subscriptions import AlertTopic
from plateguard.logic.oversight import SupervisorNotifier
from plateguard.logic.read_requests import CropUrlSigner, ReadAccess
from plateguard.logic.sampling import ReviewStore, SamplingPolicy
from plateguard.logic.search import ReadSource, SearchPolicy
from plateguard.logic.subscriptions import SubscriptionRemover, SubscriptionStore, Unsubscriber
from plateguard.logic.tokens import TokenCodec
from plateguard.models.settings import ApiSettings
from plateguard.policy.enforcement import parse_sharing_grants
from plateguard.policy.model import SharingGrant
from plateguard.wiring import Provider, cached, utc_now

if TYPE_CHECKING:
    from plateguard.dal.cameras import IotCameraIdentities


@cached
def settings() -> ApiSettings:
    return ApiSettings()  # values come from the environment (pydantic-settings)


@dataclass(frozen=True)
class ApiDependencies:
    # Search, fetch and audit: who calls, what they may see, where every request is recorded.
    users: UserDirectory
    reads: ReadSource
    audit_store: AuditStore
    trail: AuditTrail
    crops: CropUrlSigner
    codec: TokenCodec
    search_policy: SearchPolicy
    access_policy: AccessPolicy
    crop_url_expires_seconds: int
    # Hot lists, alerts and alert subscriptions.
    hotlists: HotListRegistry
    historical: HistoricalCheck  # a new entry is checked against the reads already stored
    alerts: AlertRecords
    topic: AlertTopic
    subscriptions: SubscriptionStore
    unsubscriber: Unsubscriber
    endpoint_domains: tuple[str, ...]  # the policy's alerts.allowed_endpoint_domains
    # Legal holds and search-audit reviews (sampled with the jobs Lambda's default roles; decided with the same).
    holds: HoldStore
    reviews: ReviewStore
    sampling_policy: SamplingPolicy
    # User accounts: supervisors are told of changes; disabling removes the account's subscriptions.
    notifier: SupervisorNotifier
    accounts: AccountPolicy
    subscription_remover: SubscriptionRemover
    # Cameras.
    camera_registry: CameraRegistry
    camera_identities: CameraIdentities
    camera_uploads: UploadTarget  # where a registered camera uploads
    # The IoT credentials endpoint cameras use: configured, or asked of IoT once on first need.
    camera_credentials_endpoint: Callable[[], str]
    clock: Callable[[], datetime] = utc_now
    # The policy's sharing grants (SHARING_GRANTS): what another agency's users may search here.
    grants: tuple[SharingGrant, ...] = field(default=())

    def granting_agencies(self) -> frozenset[str]:
        return frozenset(grant.granting_agency for grant in self.grants)

    def read_access(self) -> ReadAccess:
        return ReadAccess(self.reads, self.search_policy, self.codec, self.grants)


def build() -> ApiDependencies:
    """Built on first use per container (never at import time)."""
    from plateguard.dal.alerts import DynamoAlertStore
    from plateguard.dal.audit import DynamoAuditStore, S3AuditArchive
    from plateguard.dal.cameras import DynamoCameraRegistry, IotCameraIdentities
    from plateguard.dal.clients import aws_client
    from plateguard.dal.holds import DynamoHoldStore
    from plateguard.dal.hotlists import DynamoHotListStore
    from plateguard.dal.notify import SnsAlertPublisher
    from plateguard.dal.read_queries import DynamoReadSource, KmsMacKey, S3CropUrls
    from plateguard.dal.repositories import DynamoIngestRepository
    from plateguard.dal.reviews import DynamoReviewStore
    from plateguard.dal.subscriptions import DynamoSubscriptionStore, SnsAlertTopic
    from plateguard.dal.supervisors import SnsSupervisorNotifier
    from plateguard.dal.tables import bind_tables
    from plateguard.dal.users import DynamoUserDirectory

    config = settings()
    bind_tables(
        {
            schema.READS.logical_id: config.reads_table_name,
            schema.USERS.logical_id: config.users_table_name,
            schema.AUDIT.logical_id: config.audit_table_name,
            schema.CAMERAS.logical_id: config.cameras_table_name,
            schema.HOTLIST.logical_id: config.hotlist_table_name,
            schema.HOTLISTS.logical_id: config.hotlists_table_name,
            schema.ALERTS.logical_id: config.alerts_table_name,
            schema.HOLDS.logical_id: config.holds_table_name,
            schema.REVIEWS.logical_id: config.reviews_table_name,
            schema.SUBSCRIPTIONS.logical_id: config.subscriptions_table_name,
        },
        region=config.aws_region,
        host=config.aws_endpoint_url,
    )

    def client(service: str) -> Any:
        return aws_client(service, config.aws_region, config.aws_endpoint_url)

    store = DynamoAuditStore()
    sns = client("sns")
    identities = IotCameraIdentities(client("iot"), config.camera_iot_policy_name)
    subscriptions = DynamoSubscriptionStore()
    topic = SnsAlertTopic(sns, config.alert_topic_arn)  # subscribes and unsubscribes
    ingest = DynamoIngestRepository()
    return ApiDependencies(
        users=DynamoUserDirectory(),
        reads=DynamoReadSource(),
        audit_store=store,
        trail=AuditTrail(store, S3AuditArchive(client("s3"), config.audit_bucket_name)),
        crops=S3CropUrls(client("s3"), config.images_bucket_name),
        codec=TokenCodec(
            KmsMacKey(client("kms"), config.pagination_kms_key_id).derive(),
            config.pagination_token_ttl_seconds,
            utc_now,
        ),
        search_policy=SearchPolicy(
            offense_types=config.offense_type_list,
            max_window=timedelta(days=config.max_search_window_days),
            min_pattern_literals=config.min_pattern_literals,
            default_page_size=config.default_page_size,
            max_page_size=config.max_page_size,
            max_scanned_items=config.max_scanned_items,
            max_audit_window=timedelta(days=config.max_audit_query_days),
        ),
        access_policy=AccessPolicy(
            inactivity_disable_days=config.inactivity_disable_days,
            training_refresh_months=config.training_refresh_months,
            role_names=config.role_name_map,
        ),
        crop_url_expires_seconds=config.crop_url_expires_seconds,
        hotlists=DynamoHotListStore(),
        historical=StoredReadsCheck(
            ingest.reads_for_day,
            ingest.get_camera,
            ingest,
            SnsAlertPublisher(sns, config.alert_topic_arn),
            # A hit read is kept longest, as long as its alert (cdk/config.py): no stored read is older.
            window=config.alert_retention_days,
            alert_retention_days=config.alert_retention_days,
            min_confidence=config.alert_min_confidence,
        ),
        alerts=DynamoAlertStore(),
        topic=topic,
        subscriptions=subscriptions,
        unsubscriber=topic,
        endpoint_domains=config.endpoint_domain_list,
        holds=DynamoHoldStore(),
        reviews=DynamoReviewStore(),
        sampling_policy=SamplingPolicy(),
        notifier=SnsSupervisorNotifier(sns, config.supervisor_topic_arn),
        accounts=AccountPolicy(
            inactivity_disable_days=config.inactivity_disable_days,
            training_refresh_months=config.training_refresh_months,
        ),
        subscription_remover=SubscriptionRemover(subscriptions, topic),
        camera_registry=DynamoCameraRegistry(),
        camera_identities=identities,
        camera_uploads=UploadTarget(
            images_bucket=config.images_bucket_name,
            region=config.aws_region,
            role_alias=config.camera_role_alias,
            s3_endpoint_url=config.aws_endpoint_url,
        ),
        camera_credentials_endpoint=_credentials_endpoint(config, identities),
        clock=utc_now,
        grants=parse_sharing_grants(config.sharing_grants),
    )


def _credentials_endpoint(config: ApiSettings, identities: IotCameraIdentities) -> Callable[[], str]:
    """The IoT credentials endpoint cameras use: configured, or described once on first need."""
    configured = config.camera_credentials_endpoint
    if configured:
        return lambda: configured

    # Per container: rebuilt (and so asked again) with the container after a reset.
    return lru_cache(maxsize=1)(lambda: f"https://{identities.credentials_endpoint()}")


dependencies = Provider(build)
