"""Deployment settings: from the agency's policy file (policy as code), else from plain CDK context.

`plateguard:policyFile` (in `cdk.json` or `-c`) names the YAML policy (docs/policy.md). When set, every
retention period, the audit-record lock, the functions' policy variables (offense types, alert
confidence, inactivity limit, ...) and the jobs' agencies come from it through
`plateguard.policy.enforcement`, so the enforced numbers and the published policy are the same file.
Without it, the `plateguard:*RetentionDays` numbers apply (a quick non-production synth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from constructs import Node

from cdk.packaging import LAYERS_DIR_CONTEXT, REPO_ROOT, resolve_layers_dir
from plateguard import schema

CONTEXT_PREFIX = "plateguard:"
POLICY_FILE_CONTEXT = CONTEXT_PREFIX + "policyFile"


def _days(value: float) -> str:
    return f"{value:.10g}"


@dataclass(frozen=True)
class PlateGuardConfig:
    # Non-hit reads are the bulk of the data: they go first. Days, fractional (New Hampshire: minutes).
    read_retention_days: float = 30
    hit_retention_days: float = 365
    # Camera frames (incoming/, quarantine/) and plate crops (crops/) in S3.
    image_retention_days: float = 30
    crop_retention_days: float = 365
    audit_lock_days: int = schema.AUDIT_BUCKET.object_lock_days or 365
    # How often the retention sweeper runs (plateguard.logic.sweeper: 15 min, 1 min for sub-day retention).
    sweep_interval_seconds: int = 900
    agencies: tuple[str, ...] = ("demo-pd",)
    ingest_reserved_concurrency: int = 10
    api_reserved_concurrency: int = 10
    api_throttle_rate_limit: int = 20  # requests per second, whole stage
    api_throttle_burst_limit: int = 40
    layers_dir: Path | None = None
    policy_file: Path | None = None
    # Policy variables per function (plateguard.policy.enforcement); empty without a policy file.
    policy_ingest_env: dict[str, str] = field(default_factory=dict)
    policy_api_env: dict[str, str] = field(default_factory=dict)
    policy_jobs_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.read_retention_days <= self.hit_retention_days <= 3650:
            raise ValueError(
                "need 0 < readRetentionDays <= hitRetentionDays <= 3650, got "
                f"{self.read_retention_days} and {self.hit_retention_days}"
            )
        if self.audit_lock_days < 365:
            raise ValueError(f"audit records must be locked at least 365 days (CJIS), got {self.audit_lock_days}")
        if self.ingest_reserved_concurrency < 2 or self.api_reserved_concurrency < 1:
            raise ValueError("ingestReservedConcurrency must be >= 2 (SQS maximum concurrency), apiReserved >= 1")

    # S3 lifecycle counts whole days (at least one); the retention sweeper deletes sub-day data on time.
    @property
    def image_lifecycle_days(self) -> int:
        return max(1, math.ceil(self.image_retention_days))

    @property
    def crop_lifecycle_days(self) -> int:
        return max(1, math.ceil(self.crop_retention_days))

    @property
    def log_retention_cap_days(self) -> int:
        """Function logs may name plates: kept no longer than a non-hit read (CloudWatch's minimum is 1 day)."""
        return max(1, math.floor(self.read_retention_days))

    def ingest_environment(self) -> dict[str, str]:
        return {
            "READ_RETENTION_DAYS": _days(self.read_retention_days),
            "HIT_RETENTION_DAYS": _days(self.hit_retention_days),
            "ALERT_RETENTION_DAYS": _days(self.hit_retention_days),
            **self.policy_ingest_env,
        }

    def api_environment(self) -> dict[str, str]:
        ingest = self.ingest_environment()  # alert routes apply the same alert rules as ingest
        alert_keys = ("ALERT_RETENTION_DAYS", "ALERT_MIN_CONFIDENCE")
        return {**{k: ingest[k] for k in alert_keys if k in ingest}, **self.policy_api_env}

    def sweeper_environment(self) -> dict[str, str]:
        """Object ages for the sweeper's S3 pass (SweeperSettings); the interval becomes the schedule."""
        return {
            "IMAGES_RETENTION_SECONDS": str(max(60, round(self.image_retention_days * 86_400))),
            "CROPS_RETENTION_SECONDS": str(max(60, round(self.crop_retention_days * 86_400))),
            "SWEEP_INTERVAL_SECONDS": str(self.sweep_interval_seconds),  # passes per run
        }

    def job_environment(self) -> dict[str, str]:
        return {"AGENCIES": ",".join(self.agencies), **self.policy_jobs_env}

    @classmethod
    def from_context(cls, node: Node) -> PlateGuardConfig:
        def number(key: str, default: float) -> float:
            value = node.try_get_context(CONTEXT_PREFIX + key)
            return default if value is None else float(value)  # `-c k=v` gives strings

        d = cls()
        common = {
            "ingest_reserved_concurrency": int(number("ingestReservedConcurrency", d.ingest_reserved_concurrency)),
            "api_reserved_concurrency": int(number("apiReservedConcurrency", d.api_reserved_concurrency)),
            "api_throttle_rate_limit": int(number("apiThrottleRateLimit", d.api_throttle_rate_limit)),
            "api_throttle_burst_limit": int(number("apiThrottleBurstLimit", d.api_throttle_burst_limit)),
            "layers_dir": resolve_layers_dir(node.try_get_context(LAYERS_DIR_CONTEXT)),
        }
        policy_file = node.try_get_context(POLICY_FILE_CONTEXT)
        if policy_file:
            return cls.from_policy_file(REPO_ROOT / str(policy_file), **common)  # absolute paths stay as given
        from plateguard.models.sweep import sweep_interval_seconds

        read = number("readRetentionDays", d.read_retention_days)
        hit = number("hitRetentionDays", d.hit_retention_days)
        agencies = str(node.try_get_context(CONTEXT_PREFIX + "agencies") or "")
        return cls(
            read_retention_days=read,
            hit_retention_days=hit,
            image_retention_days=read,
            crop_retention_days=hit,
            sweep_interval_seconds=sweep_interval_seconds(timedelta(days=read)),
            agencies=tuple(a.strip() for a in agencies.split(",") if a.strip()) or d.agencies,
            **common,  # type: ignore[arg-type]
        )

    @classmethod
    def from_policy_file(cls, path: Path, **common: object) -> PlateGuardConfig:
        # Imported here: only a policy-driven synth needs PyYAML and the policy model.
        from plateguard.policy import enforcement
        from plateguard.policy.loader import load_policy

        policy = load_policy(path)
        r = policy.retention

        def days(value: object) -> float:
            return float(value.total_seconds()) / 86_400  # type: ignore[attr-defined]

        refresh = [role.training.refresh_months for role in policy.roles]
        jobs_env = {
            "INACTIVITY_DISABLE_DAYS": str(policy.accounts.inactive_disable_days),
            "AUDIT_FREQUENCY": str(policy.audit.frequency),
            "AUDIT_SAMPLE_SIZE": str(policy.audit.sample_size),
        }
        if refresh:  # the strictest refresher period, as AccountPolicy.from_policy uses
            jobs_env["TRAINING_REFRESH_MONTHS"] = str(min(refresh))
        return cls(
            read_retention_days=days(r.non_hit_reads),
            hit_retention_days=days(r.hit_reads),
            image_retention_days=days(r.images),
            crop_retention_days=days(r.crops),
            audit_lock_days=max(schema.AUDIT_BUCKET.object_lock_days or 0, enforcement.audit_retention_days(policy)),
            sweep_interval_seconds=enforcement.sweep_interval(policy),
            agencies=(policy.agency.id,),
            policy_file=path,
            policy_ingest_env=enforcement.ingest_environment(policy),
            # The API refuses lapsed training on every request, with the jobs' strictest period.
            policy_api_env={
                **enforcement.api_environment(policy),
                **enforcement.alert_routes_environment(policy),
                **{k: v for k, v in jobs_env.items() if k.startswith("TRAINING_")},
            },
            policy_jobs_env=jobs_env,
            **common,  # type: ignore[arg-type]
        )
