"""Retention sweeper Lambda (EventBridge schedule): deletes expired reads, alerts, hot-list entries,
image records, crops and images explicitly, skipping legal holds, and writes a destruction log. It reads
only what is due, from the tables' expiry and age indexes (plateguard.logic.sweeper).

DynamoDB TTL runs up to ~48 h late and S3 lifecycle daily; this makes destruction happen on time.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard import schema
from plateguard.logic.sweeper import SweeperDependencies, SweepLimits, sweep_run
from plateguard.models.settings import get_sweeper_settings
from plateguard.observability import logger, metrics, tracer


def build_sweeper_dependencies() -> SweeperDependencies:
    """Built per invocation: the sweep is infrequent and its clients are cheap next to its work."""
    from plateguard.dal.clients import aws_client
    from plateguard.dal.holds import DynamoHoldStore
    from plateguard.dal.sweeper_store import DynamoSweepStore, S3DestructionLog, S3SweepObjects
    from plateguard.dal.tables import bind_tables
    from plateguard.logic.holds import ActiveHolds

    settings = get_sweeper_settings()
    bind_tables(
        {
            schema.READS.logical_id: settings.reads_table_name,
            schema.ALERTS.logical_id: settings.alerts_table_name,
            schema.HOTLIST.logical_id: settings.hotlist_table_name,
            schema.IMAGES.logical_id: settings.images_table_name,
            schema.HOLDS.logical_id: settings.holds_table_name,
        },
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    s3 = aws_client("s3", settings.aws_region, settings.aws_endpoint_url)

    def age(seconds: int | None) -> timedelta | None:
        return None if seconds is None else timedelta(seconds=seconds)

    return SweeperDependencies(
        store=DynamoSweepStore(),
        objects=S3SweepObjects(s3, settings.images_bucket_name),
        holds=ActiveHolds(DynamoHoldStore()),
        log=S3DestructionLog(s3, settings.audit_bucket_name),
        limits=SweepLimits(images=age(settings.images_retention_seconds), crops=age(settings.crops_retention_seconds)),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handle_retention_sweep(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reports = sweep_run(
        build_sweeper_dependencies(),
        get_sweeper_settings().sweep_interval_seconds,
        sleep=time.sleep,
        seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    for report in reports:
        for name, result in report.classes.items():
            metrics.add_metric(name=f"Destroyed_{name}", unit=MetricUnit.Count, value=result.deleted)
        logger.info("retention sweep", destruction_log=report.to_log())
    # What the late-deletion alarm watches: the latest any item was, deleted by a pass or found still
    # stored by its check of the expiry index (an item a pass could not reach is late here, never 0).
    latest = max(report.max_lateness_seconds for report in reports)
    metrics.add_metric(name="DeletionLatenessSeconds", unit=MetricUnit.Seconds, value=latest)
    metrics.add_metric(name="SweepItemsRead", unit=MetricUnit.Count, value=sum(r.items_read for r in reports))
    return reports[-1].to_log()
