"""The retention sweep's schedule and bounds: the numbers the policy renders and enforces
(plateguard.policy), CDK schedules (cdk/config.py) and the sweeper obeys (plateguard.logic.sweeper).

Plain values here, below logic and policy, so that each of them reads the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# Schedule: the standard interval, and a one-minute interval when any class is kept for minutes
# (New Hampshire's 3 minutes). The rendered policy prints these numbers.
SWEEP_INTERVAL_SECONDS = 900
FAST_SWEEP_INTERVAL_SECONDS = 60
FAST_SWEEP_BELOW = timedelta(days=1)
# EventBridge runs nothing more often than once a minute; at that schedule one run sweeps this many
# times, evenly spaced, so New Hampshire's 3-minute items are gone well within a minute of expiry.
FAST_SWEEP_PASSES = 2
# Bounded work per run: a run deletes at most SWEEP_BATCH_SIZE * SWEEP_MAX_BATCHES items per class and
# leaves the rest to the next run (the log says so), so one run never exceeds its Lambda timeout.
SWEEP_BATCH_SIZE = 100
SWEEP_MAX_BATCHES = 50
# Below this non-hit retention, ingest should not persist non-hit reads at all (see docs/policy.md).
PERSIST_NON_HITS_AT_LEAST = timedelta(hours=1)


def sweep_interval_seconds(shortest_retention: timedelta) -> int:
    return FAST_SWEEP_INTERVAL_SECONDS if shortest_retention < FAST_SWEEP_BELOW else SWEEP_INTERVAL_SECONDS


def sweep_passes(interval_seconds: int) -> int:
    return FAST_SWEEP_PASSES if interval_seconds <= FAST_SWEEP_INTERVAL_SECONDS else 1


@dataclass(frozen=True)
class SweepLimits:
    """Object classes are kept by age; None means the class is not swept here."""

    images: timedelta | None = None
    crops: timedelta | None = None
    batch_size: int = SWEEP_BATCH_SIZE
    max_batches: int = SWEEP_MAX_BATCHES
