"""Deployment settings read from CDK context (`cdk.json`, or `-c key=value` on the command line)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from constructs import Node

from cdk.packaging import LAYERS_DIR_CONTEXT, resolve_layers_dir

CONTEXT_PREFIX = "plateguard:"


@dataclass(frozen=True)
class PlateGuardConfig:
    # Non-hit reads are the bulk of the data: they go first (images, crops of non-hits, DynamoDB items).
    read_retention_days: int = 30
    # Reads that matched a hot list, and their evidence, are kept longer.
    hit_retention_days: int = 365
    ingest_reserved_concurrency: int = 10
    api_reserved_concurrency: int = 10
    api_throttle_rate_limit: int = 20  # requests per second, whole stage
    api_throttle_burst_limit: int = 40
    # Agency ids whose registry and audit chain this deployment holds (JobSettings.AGENCIES).
    agencies: tuple[str, ...] = ("demo-pd",)
    layers_dir: Path | None = None

    def __post_init__(self) -> None:
        # S3 lifecycle expirations count whole days, at least one.
        if not 1 <= self.read_retention_days <= self.hit_retention_days <= 3650:
            raise ValueError(
                "need 1 <= readRetentionDays <= hitRetentionDays <= 3650, got "
                f"{self.read_retention_days} and {self.hit_retention_days}"
            )
        if self.ingest_reserved_concurrency < 2 or self.api_reserved_concurrency < 1:
            raise ValueError("ingestReservedConcurrency must be >= 2 (SQS maximum concurrency), apiReserved >= 1")

    @classmethod
    def from_context(cls, node: Node) -> PlateGuardConfig:
        def number(key: str, default: int) -> int:
            value = node.try_get_context(CONTEXT_PREFIX + key)
            return default if value is None else int(value)  # `-c k=v` gives strings

        defaults = cls()
        return cls(
            read_retention_days=number("readRetentionDays", defaults.read_retention_days),
            hit_retention_days=number("hitRetentionDays", defaults.hit_retention_days),
            ingest_reserved_concurrency=number("ingestReservedConcurrency", defaults.ingest_reserved_concurrency),
            api_reserved_concurrency=number("apiReservedConcurrency", defaults.api_reserved_concurrency),
            api_throttle_rate_limit=number("apiThrottleRateLimit", defaults.api_throttle_rate_limit),
            api_throttle_burst_limit=number("apiThrottleBurstLimit", defaults.api_throttle_burst_limit),
            agencies=tuple(
                a.strip() for a in str(node.try_get_context(CONTEXT_PREFIX + "agencies") or "").split(",") if a.strip()
            )
            or defaults.agencies,
            layers_dir=resolve_layers_dir(node.try_get_context(LAYERS_DIR_CONTEXT)),
        )

    def job_environment(self) -> dict[str, str]:
        """Variables of the oversight jobs beyond resource names (JobSettings defaults cover the rest)."""
        return {"AGENCIES": ",".join(self.agencies)}
