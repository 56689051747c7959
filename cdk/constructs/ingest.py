"""Camera uploads to reads: S3 `incoming/` notification -> SQS (with DLQ) -> ingest Lambda."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.constructs.function import PlateGuardFunction
from cdk.constructs.storage import grant_append, grant_lookup
from cdk.nag import suppress_grant_wildcards
from plateguard import schema

INGEST_HANDLER = "plateguard.handlers.ingest.handle_ingest_batch"
BATCH_SIZE = 5  # 5 frames x ~0.4 s recognition each stays far inside the function timeout
# Lambda CPU scales with memory, one full vCPU at 1,769 MB. Recognition runs one ONNX thread (at most one
# vCPU) and peaks at 530-600 MB (issue 19, measured): more memory buys no speed, less slows every frame.
MEMORY_MB = 1769


class Ingest(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Mapping[str, dynamodb.Table],
        images_bucket: s3.Bucket,
        alert_topic: sns.Topic,
        queue_key: kms.IKey,
        logs_key: kms.IKey,
        layers: list[lambda_.ILayerVersion],
        policy_environment: Mapping[str, str],
        reserved_concurrency: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        spec = schema.INGEST_QUEUE
        self.dead_letter_queue = sqs.Queue(
            self,
            "IngestDeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=queue_key,
            enforce_ssl=True,
            retention_period=Duration.days(14),  # the maximum: time to investigate and redrive
        )
        self.queue = sqs.Queue(
            self,
            spec.logical_id,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=queue_key,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(schema.INGEST_VISIBILITY_TIMEOUT_SECONDS),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=spec.dead_letter_max_receives
            ),
        )
        self.queue.node.default_child.override_logical_id(spec.logical_id)  # type: ignore[union-attr]
        # Only camera uploads start processing: crops/ and quarantine/ writes must not loop back.
        images_bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(self.queue),
            s3.NotificationKeyFilter(prefix=schema.INCOMING_PREFIX),
        )

        wanted = (schema.READS, schema.IMAGES, schema.CAMERAS, schema.HOTLIST, schema.ALERTS)
        environment = {s.env_var: tables[s.logical_id].table_name for s in wanted}
        environment |= {
            schema.IMAGES_BUCKET.env_var: images_bucket.bucket_name,
            schema.ALERT_TOPIC.env_var: alert_topic.topic_arn,
            **policy_environment,  # retention, alert confidence, ... (cdk/config.py)
        }
        self.function = PlateGuardFunction(
            self,
            "IngestFunction",
            handler=INGEST_HANDLER,
            description="Reads plates from camera uploads, stores reads, raises hot-list alerts",
            timeout=Duration.seconds(schema.INGEST_FUNCTION_TIMEOUT_SECONDS),
            memory_size=MEMORY_MB,
            environment=environment,
            layers=layers,
            logs_key=logs_key,
            log_retention=log_retention,
            reserved_concurrency=reserved_concurrency,
        )
        fn = self.function.function
        fn.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=BATCH_SIZE,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,  # one bad frame must not redeliver the whole batch
                # Never more pollers than reserved instances, or SQS messages bounce on throttles.
                max_concurrency=reserved_concurrency,
            )
        )

        # Least privilege, via grants: write (never delete) what it produces, read what it matches against.
        for table_spec in (schema.READS, schema.IMAGES, schema.ALERTS):
            grant_append(tables[table_spec.logical_id], fn)
        for table_spec in (schema.CAMERAS, schema.HOTLIST):
            grant_lookup(tables[table_spec.logical_id], fn)
        images_bucket.grant_read(fn, f"{schema.INCOMING_PREFIX}*")
        images_bucket.grant_put(fn, f"{schema.CROPS_PREFIX}*")
        images_bucket.grant_put(fn, f"{schema.QUARANTINE_PREFIX}*")
        alert_topic.grant_publish(fn)

        suppress_grant_wildcards(
            self.function.role,
            "Generated by grant_* and scoped to this stack's resources: object actions only "
            "under incoming/ (read) and crops/, quarantine/ (write) of the images bucket; DynamoDB "
            "index ARNs of the reads table; KMS GenerateDataKey*/ReEncrypt* variants on the data "
            "and alert keys only.",
            [
                r"^Resource::<ImagesBucket\.Arn>\/(incoming|crops|quarantine)\/\*$",
                # the retention sweeper's expiry/age indexes come with the swept tables' grants
                r"^Resource::<(ReadsTable|AlertsTable|HotListTable|ImagesTable)\.Arn>\/index\/\*$",
            ],
        )
