"""PlateGuard's single stack: constructs per concern, wired together here and nowhere else."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from cdk.config import PlateGuardConfig
from cdk.constructs.alerts import Alerts
from cdk.constructs.api import OfficerApi
from cdk.constructs.audit import AuditTrail
from cdk.constructs.cameras import CameraAccess
from cdk.constructs.function import retention_at_most
from cdk.constructs.ingest import Ingest
from cdk.constructs.jobs import OversightJobs
from cdk.constructs.keys import EncryptionKeys
from cdk.constructs.layers import Layers
from cdk.constructs.monitoring import Monitoring
from cdk.constructs.retention import RetentionSweeper
from cdk.constructs.storage import Storage
from cdk.nag import suppress_cdk_internals
from plateguard import schema
from plateguard.commands import stack_outputs as out

STACK_NAME = "PlateGuard"


class PlateGuardStack(Stack):
    """Environment-agnostic (no account/region lookups): synthesizes offline without credentials."""

    def __init__(self, scope: Construct, construct_id: str = STACK_NAME, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = PlateGuardConfig.from_context(self.node)
        assert config.layers_dir is not None  # from_context always resolves it
        # Function logs can contain plate numbers: never keep them longer than a non-hit read.
        function_log_retention = retention_at_most(config.log_retention_cap_days)

        keys = EncryptionKeys(self, "Keys")
        storage = Storage(
            self,
            "Storage",
            data_key=keys.data,
            image_lifecycle_days=config.image_lifecycle_days,
            crop_lifecycle_days=config.crop_lifecycle_days,
            expiring_pitr_days=config.log_retention_cap_days,  # whole days <= non-hit retention, >= 1
        )
        audit = AuditTrail(
            self,
            "Audit",
            key=keys.audit,
            access_logs_bucket=storage.access_logs_bucket,
            lock_days=config.audit_lock_days,
        )
        alerts = Alerts(self, "Alerts", key=keys.alerts)
        self.cameras = CameraAccess(
            self, "Cameras", images_bucket=storage.images_bucket, data_key=keys.data, agencies=config.agencies
        )
        layers = Layers(self, "Layers", layers_dir=config.layers_dir)
        self.ingest = Ingest(
            self,
            "Ingest",
            tables=storage.tables,
            images_bucket=storage.images_bucket,
            alert_topic=alerts.topic,
            queue_key=keys.queues,
            logs_key=keys.logs,
            layers=[layers.runtime, layers.recognition],
            policy_environment=config.ingest_environment(),
            reserved_concurrency=config.ingest_reserved_concurrency,
            log_retention=function_log_retention,
        )
        self.api = OfficerApi(
            self,
            "Api",
            tables=storage.tables,
            images_bucket=storage.images_bucket,
            audit_bucket=audit.bucket,
            alert_topic=alerts.topic,
            policy_environment=config.api_environment(),
            logs_key=keys.logs,
            pagination_key=keys.pagination,
            layers=[layers.runtime],
            reserved_concurrency=config.api_reserved_concurrency,
            throttle_rate_limit=config.api_throttle_rate_limit,
            throttle_burst_limit=config.api_throttle_burst_limit,
            log_retention=function_log_retention,
        )
        # Admins register cameras through the API: IoT things, certificates and the registry.
        self.api.grant_camera_registration(self.cameras, storage.tables[schema.CAMERAS.logical_id])
        self.jobs = OversightJobs(
            self,
            "Jobs",
            tables=storage.tables,
            audit_bucket=audit.bucket,
            images_bucket=storage.images_bucket,
            topic_key=keys.alerts,
            queue_key=keys.queues,
            logs_key=keys.logs,
            layers=[layers.runtime],
            log_retention=function_log_retention,
            job_environment=config.job_environment(),
        )
        # Account changes made through the API (disable, separate, reactivate) are reported to supervisors.
        self.api.grant_supervisor_notices(self.jobs.topic)
        # The disabling job removes a disabled account's alert subscriptions.
        self.jobs.grant_subscription_removal(alerts.topic)
        self.sweeper = RetentionSweeper(
            self,
            "Retention",
            tables=storage.tables,
            images_bucket=storage.images_bucket,
            audit_bucket=audit.bucket,
            queue_key=keys.queues,
            logs_key=keys.logs,
            layers=[layers.runtime],
            log_retention=function_log_retention,
            interval_seconds=config.sweep_interval_seconds,
            policy_environment=config.sweeper_environment(),
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            topic_key=keys.alerts,
            dead_letter_queues={
                "Ingest": self.ingest.dead_letter_queue,
                "Jobs": self.jobs.dead_letter_queue,
                "Sweeper": self.sweeper.dead_letter_queue,
            },
            api=self.api.api,
        )
        self._outputs(storage, audit, alerts, config)
        suppress_cdk_internals(self)

    def _outputs(self, storage: Storage, audit: AuditTrail, alerts: Alerts, config: PlateGuardConfig) -> None:
        """What an operator (and `plateguard ... --stack NAME`) needs, under the stable keys of
        plateguard.commands.stack_outputs: children of the stack itself, so each logical id is the key."""
        values: dict[str, str] = {
            out.IMAGES_BUCKET_NAME: storage.images_bucket.bucket_name,
            out.AUDIT_BUCKET_NAME: audit.bucket.bucket_name,
            **{key: storage.tables[logical_id].table_name for logical_id, key in out.TABLE_OUTPUT_KEYS.items()},
            out.API_URL: self.api.api.url,
            **{key: self.api.roles[role].role_arn for role, key in out.ROLE_OUTPUT_KEYS.items()},
            out.ALERT_TOPIC_ARN: alerts.topic.topic_arn,
            out.SUPERVISOR_TOPIC_ARN: self.jobs.topic.topic_arn,
            out.INGEST_QUEUE_URL: self.ingest.queue.queue_url,
            out.INGEST_QUEUE_ARN: self.ingest.queue.queue_arn,
            out.INGEST_DLQ_URL: self.ingest.dead_letter_queue.queue_url,
            out.JOBS_DLQ_URL: self.jobs.dead_letter_queue.queue_url,
            out.SWEEPER_DLQ_URL: self.sweeper.dead_letter_queue.queue_url,
            out.AGENCY_IDS: ",".join(config.agencies),
            out.AUDIT_DIGEST_KEY_ARN: self.jobs.digest_key.key_arn,
            out.AUDIT_DIGEST_FUNCTION_NAME: self.jobs.digest_function.function.function_name,
        }
        for key in out.OUTPUT_KEYS:
            CfnOutput(self, key, value=values[key])
