"""Ingest Lambda: SQS batch of S3 notifications -> one outcome per uploaded image.

Partial batch failures: a failing record (infrastructure error, malformed notification) is reported
back to SQS for retry while the rest of the batch succeeds; bad images are quarantined, not failed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard import schema
from plateguard.logic.events import s3_objects_from_message
from plateguard.logic.hotlist import HotListCache
from plateguard.logic.ingest import IngestDependencies, IngestPolicy, process_upload
from plateguard.models.records import Outcome
from plateguard.models.settings import get_ingest_settings
from plateguard.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


@lru_cache(maxsize=1)
def get_ingest_dependencies() -> IngestDependencies:
    """Built on first use per container: clients, table bindings and the ONNX reader."""
    from plateguard.dal.clients import aws_client
    from plateguard.dal.notify import SnsAlertPublisher
    from plateguard.dal.objects import S3ObjectStore
    from plateguard.dal.repositories import DynamoIngestRepository
    from plateguard.dal.tables import bind_tables
    from plateguard.recognition import get_reader

    settings = get_ingest_settings()
    bind_tables(
        {
            schema.READS.logical_id: settings.reads_table_name,
            schema.IMAGES.logical_id: settings.images_table_name,
            schema.CAMERAS.logical_id: settings.cameras_table_name,
            schema.HOTLIST.logical_id: settings.hotlist_table_name,
            schema.ALERTS.logical_id: settings.alerts_table_name,
        },
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    repository = DynamoIngestRepository()
    return IngestDependencies(
        objects=S3ObjectStore(
            aws_client("s3", settings.aws_region, settings.aws_endpoint_url), settings.images_bucket_name
        ),
        repository=repository,
        publisher=SnsAlertPublisher(
            aws_client("sns", settings.aws_region, settings.aws_endpoint_url), settings.alert_topic_arn
        ),
        reader=get_reader(settings.recognition_threads),
        hotlists=HotListCache(repository.hotlist_entries, settings.hotlist_refresh_seconds),
        policy=IngestPolicy(
            read_retention_days=settings.read_retention_days,
            hit_retention_days=settings.hit_retention_days,
            alert_retention_days=settings.alert_retention_days,
            max_object_bytes=settings.max_object_bytes,
            max_decoded_pixels=settings.max_decoded_pixels,
            alert_min_confidence=settings.alert_min_confidence,
            alert_dedup_seconds=settings.alert_dedup_seconds,
            persist_non_hit_reads=settings.persist_non_hit_reads,
        ),
    )


@tracer.capture_method
def ingest_record(record: SQSRecord) -> None:
    try:
        _ingest_record(record)
    except Exception:
        # The batch processor reports the failure to SQS but keeps the error to itself: log each failed
        # message with its error, so a retry or DLQ arrival can be traced to its cause.
        logger.exception(
            "ingest message failed",
            message_id=record.message_id,
            receive_count=record.attributes.approximate_receive_count,
        )
        raise


def _ingest_record(record: SQSRecord) -> None:
    deps = get_ingest_dependencies()
    for ref in s3_objects_from_message(record.body):
        outcome = process_upload(ref.key, deps, ref.version_id, ref.bucket)
        logger.info(
            "image processed",
            source_key=ref.key,
            version_id=ref.version_id,
            outcome=outcome.outcome.value,
            reason=outcome.reason,
            reads=len(outcome.read_ids),
            alerts=len(outcome.alert_ids),
        )
        metrics.add_metric(name="ImagesProcessed", unit=MetricUnit.Count, value=1)
        if outcome.outcome is Outcome.QUARANTINED:
            metrics.add_metric(name="ImagesQuarantined", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="PlatesRead", unit=MetricUnit.Count, value=len(outcome.read_ids))
        metrics.add_metric(name="HotListHits", unit=MetricUnit.Count, value=len(outcome.alert_ids))


def last_batch_failures() -> dict[str, str]:
    """message id -> error of each record the last batch failed (local mode prints them)."""
    return {
        record.message_id: f"{exc[0].__name__ if exc[0] else 'Error'}: {exc[1]}"
        for record, exc in zip(processor.fail_messages, processor.exceptions, strict=False)
        if isinstance(record, SQSRecord)
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handle_ingest_batch(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=ingest_record, processor=processor, context=context)
