"""One place for Logger, Tracer and Metrics so every handler is observed the same way."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "plateguard"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace="PlateGuard")

# A batch of only quarantined or duplicate images legitimately publishes no metric.
warnings.filterwarnings("ignore", message="No application metrics to publish")
