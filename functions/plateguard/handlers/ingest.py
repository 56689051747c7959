"""Ingest Lambda: SQS batch of S3 notifications -> one outcome per uploaded image.

Partial batch failures: a failing record (infrastructure error, malformed notification) is reported
back to SQS for retry while the rest of the batch succeeds; bad images are quarantined, not failed.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard.logic.events import s3_objects_from_message
from plateguard.logic.ingest import process_upload
from plateguard.models.records import Outcome
from plateguard.observability import logger, metrics, tracer
from plateguard.wiring import ingest as ingest_wiring

processor = BatchProcessor(event_type=EventType.SQS)


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
    deps = ingest_wiring.dependencies()  # built once per container; a test may override it
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
