"""Scheduled oversight jobs: one Lambda (`plateguard.handlers.jobs.handle_scheduled_job`), EventBridge
rules that name the job in the event, and the supervisors' notification topic.

Contract (docs/oversight.md): event `{"job": name}`; environment from `models/job_settings.py`.

The audit digest (docs/audit.md) is a function of its own, hourly: its role reads the audit trail,
writes only under digests/ and is the only principal the digest key lets sign.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from cdk.constructs.function import PlateGuardFunction
from cdk.constructs.storage import grant_append, grant_lookup
from cdk.nag import suppress_grant_wildcards
from plateguard import schema

JOBS_HANDLER = "plateguard.handlers.jobs.handle_scheduled_job"
DIGEST_HANDLER = "plateguard.handlers.jobs.handle_audit_digest"
# Hourly, as CloudTrail's digests: the window in which a forged record can claim an earlier time (docs/audit.md).
DIGEST_SCHEDULE = events.Schedule.cron(minute="5")
# Daily, staggered so they never compete for the two reserved instances (UTC).
SCHEDULES: dict[str, events.Schedule] = {
    "disable-inactive-accounts": events.Schedule.cron(minute="15", hour="7"),
    "sample-searches": events.Schedule.cron(minute="30", hour="7"),  # one batch per period: daily is safe
    "escalate-reviews": events.Schedule.cron(minute="45", hour="7"),
}


class OversightJobs(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Mapping[str, dynamodb.Table],
        audit_bucket: s3.IBucket,
        images_bucket: s3.IBucket,
        topic_key: kms.IKey,
        queue_key: kms.IKey,
        logs_key: kms.IKey,
        layers: list[lambda_.ILayerVersion],
        log_retention: logs.RetentionDays,
        job_environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        spec = schema.SUPERVISOR_TOPIC
        self.topic = sns.Topic(
            self, spec.logical_id, display_name="PlateGuard supervisor notices", master_key=topic_key, enforce_ssl=True
        )
        self.topic.node.default_child.override_logical_id(spec.logical_id)  # type: ignore[union-attr]
        # EventBridge invokes asynchronously: a failed run (after Lambda's two retries) lands here.
        self.dead_letter_queue = sqs.Queue(
            self,
            "JobsDeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=queue_key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        served = (schema.USERS, schema.AUDIT, schema.REVIEWS, schema.SUBSCRIPTIONS)
        environment = {s.env_var: tables[s.logical_id].table_name for s in served}
        environment |= {
            schema.AUDIT_BUCKET.env_var: audit_bucket.bucket_name,
            schema.IMAGES_BUCKET.env_var: images_bucket.bucket_name,
            spec.env_var: self.topic.topic_arn,
            **job_environment,
        }
        self.function = PlateGuardFunction(
            self,
            "JobsFunction",
            handler=JOBS_HANDLER,
            description="Scheduled oversight: disable lapsed accounts, sample searches, escalate reviews",
            timeout=Duration.minutes(5),  # sampling reads a whole period of each agency's audit chain
            memory_size=1024,
            environment=environment,
            layers=layers,
            logs_key=logs_key,
            log_retention=log_retention,
            reserved_concurrency=2,
            dead_letter_queue=self.dead_letter_queue,
        )
        fn = self.function.function
        grant_append(tables[schema.USERS.logical_id], fn)  # disables accounts (status update)
        grant_append(tables[schema.AUDIT.logical_id], fn, update=False)  # audits first, append-only
        grant_append(tables[schema.REVIEWS.logical_id], fn, batch=True)  # writes a sample in batches
        audit_bucket.grant_put(fn)
        # The agency's case-number export (dal/cases.py) for the unknown-case-number misuse signal.
        images_bucket.grant_read(fn, f"{schema.CASE_REGISTRY_PREFIX}*")
        self.topic.grant_publish(fn)
        # A disabled account's alert subscriptions go with it: their records (read, delete) ...
        subscriptions = tables[schema.SUBSCRIPTIONS.logical_id]
        grant_lookup(subscriptions, fn)
        subscriptions.grant(fn, "dynamodb:DeleteItem")

        for job, schedule in SCHEDULES.items():
            events.Rule(
                self,
                f"Schedule-{job}",
                description=f"PlateGuard oversight job {job}",
                schedule=schedule,
                targets=[
                    targets.LambdaFunction(
                        fn,
                        event=events.RuleTargetInput.from_object({"job": job}),
                        retry_attempts=2,
                        max_event_age=Duration.hours(6),
                    )
                ],
            )
        self._audit_digest(
            tables[schema.AUDIT.logical_id], audit_bucket, logs_key, layers, log_retention, job_environment
        )
        suppress_grant_wildcards(
            self.function.role,
            "Generated by grant_*: object writes in the audit bucket, reads of the case-registry/ "
            "export in the images bucket, the users and audit tables' index ARNs, KMS "
            "GenerateDataKey*/ReEncrypt* on this stack's data, audit and alerts keys.",
            [
                r"^Resource::<AuditBucket\.Arn>\/\*$",
                r"^Resource::<ImagesBucket\.Arn>\/case-registry\/\*$",
                r"^Resource::<(UsersTable|AuditTable)\.Arn>\/index\/\*$",
            ],
        )

    def grant_subscription_removal(self, alert_topic: sns.ITopic) -> None:
        """... and sns:Unsubscribe on the alert topic (where SNS authorises a subscription's removal)."""
        self.function.function.add_to_role_policy(
            iam.PolicyStatement(actions=["sns:Unsubscribe"], resources=[alert_topic.topic_arn])
        )

    def _audit_digest(
        self,
        audit_table: dynamodb.Table,
        audit_bucket: s3.IBucket,
        logs_key: kms.IKey,
        layers: list[lambda_.ILayerVersion],
        log_retention: logs.RetentionDays,
        job_environment: Mapping[str, str],
    ) -> None:
        """The digest function, its signing key (usable for kms:Sign by this role alone) and its schedule."""
        self.digest_function = PlateGuardFunction(
            self,
            "AuditDigestFunction",
            handler=DIGEST_HANDLER,
            description="Hourly signed digest of every audit chain's head (anchors the audit trail)",
            timeout=Duration.minutes(5),  # walks the records written since the previous digest
            memory_size=512,
            environment={
                schema.AUDIT.env_var: audit_table.table_name,
                schema.AUDIT_BUCKET.env_var: audit_bucket.bucket_name,
                "AGENCIES": job_environment.get("AGENCIES", ""),
            },
            layers=layers,
            logs_key=logs_key,
            log_retention=log_retention,
            reserved_concurrency=1,  # one digest at a time: each names its predecessor
            dead_letter_queue=self.dead_letter_queue,
        )
        role = self.digest_function.role
        self.digest_key = kms.Key(
            self,
            schema.AUDIT_DIGEST_KEY_LOGICAL_ID,
            description="Signs the audit trail's hourly digests; only the audit digest function may sign",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            removal_policy=RemovalPolicy.RETAIN,  # old digests must stay verifiable
            policy=iam.PolicyDocument(
                statements=[
                    # The account's IAM decides administration, verification and (below) who may sign.
                    iam.PolicyStatement(actions=["kms:*"], principals=[iam.AccountRootPrincipal()], resources=["*"]),
                    # Whatever an identity policy grants (an administrator's kms:*, a widened API role),
                    # no principal but the digest function's role signs a digest.
                    iam.PolicyStatement(
                        effect=iam.Effect.DENY,
                        actions=["kms:Sign"],
                        principals=[iam.AnyPrincipal()],
                        resources=["*"],
                        conditions={"ArnNotEquals": {"aws:PrincipalArn": role.role_arn}},
                    ),
                ]
            ),
        )
        self.digest_key.node.default_child.override_logical_id(schema.AUDIT_DIGEST_KEY_LOGICAL_ID)  # type: ignore[union-attr]
        fn = self.digest_function.function
        fn.add_environment(schema.AUDIT_DIGEST_KEY_ENV_VAR, self.digest_key.key_arn)
        role.add_to_principal_policy(iam.PolicyStatement(actions=["kms:Sign"], resources=[self.digest_key.key_arn]))
        audit_table.grant_read_data(fn)  # the chains and the by-agency-time index; never a write
        audit_bucket.grant_read(fn)  # versions of records and digests
        audit_bucket.grant_put(fn, f"{schema.AUDIT_DIGEST_PREFIX}*")
        events.Rule(
            self,
            "Schedule-audit-digest",
            description="PlateGuard audit digest (signed anchor of every audit chain)",
            schedule=DIGEST_SCHEDULE,
            targets=[targets.LambdaFunction(fn, retry_attempts=2, max_event_age=Duration.hours(1))],
        )
        NagSuppressions.add_resource_suppressions(
            self.digest_key,
            [
                NagPackSuppression(
                    id="AwsSolutions-KMS5",
                    reason="An asymmetric signing key cannot be rotated automatically; digests name the key "
                    "that signed them, so a new key can replace it without invalidating old digests.",
                ),
                NagPackSuppression(
                    id="NIST.800.53.R5-KMSBackingKeyRotationEnabled",
                    reason="An asymmetric signing key cannot be rotated automatically (see AwsSolutions-KMS5).",
                ),
            ],
        )
        suppress_grant_wildcards(
            role,
            "Generated by grant_*: reads of the audit table's index and of audit bucket "
            "objects (record and digest versions), writes under digests/ only, KMS decrypt/encrypt "
            "on the audit and data keys.",
            [
                r"^Resource::<AuditBucket\.Arn>\/\*$",
                r"^Resource::<AuditBucket\.Arn>\/digests\/\*$",
                r"^Resource::<AuditTable\.Arn>\/index\/\*$",
            ],
        )
