"""One place for Logger, Tracer and Metrics so every handler is observed the same way."""

from __future__ import annotations

import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "plateguard"


class _Metrics(Metrics):
    """Powertools' Metrics, except that nothing accumulates while metrics are disabled (local mode, tests).

    A disabled metric set is never flushed, and Powertools prints a set once any metric reaches 100
    values, disabled or not: a long local session would print EMF JSON into the CLI's output.
    """

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        if not is_metrics_disabled():
            super().add_metric(*args, **kwargs)


logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = _Metrics(service=SERVICE, namespace="PlateGuard")

# A batch of only quarantined or duplicate images legitimately publishes no metric.
warnings.filterwarnings("ignore", message="No application metrics to publish")
