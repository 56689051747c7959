"""Retention sweeper Lambda (EventBridge schedule): deletes expired reads, alerts, hot-list entries,
image records, crops and images explicitly, skipping legal holds, and writes a destruction log. It reads
only what is due, from the tables' expiry and age indexes (plateguard.logic.sweeper).

DynamoDB TTL runs up to ~48 h late and S3 lifecycle daily; this makes destruction happen on time.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard.logic.sweeper import sweep_run
from plateguard.observability import logger, metrics, tracer
from plateguard.wiring import sweeper as sweeper_wiring


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handle_retention_sweep(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sweeper = sweeper_wiring.dependencies()
    reports = sweep_run(
        sweeper.dependencies,
        sweeper.interval_seconds,
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
