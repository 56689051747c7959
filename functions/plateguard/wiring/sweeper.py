"""The retention sweeper's dependencies, from SweeperSettings: the swept tables, the images bucket, holds
and the destruction log in the audit bucket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from plateguard import schema
from plateguard.logic.sweeper import SweeperDependencies, SweepLimits
from plateguard.models.settings import SweeperSettings
from plateguard.wiring import Provider, cached, utc_now


@dataclass(frozen=True)
class Sweeper:
    """What one scheduled run needs: the sweep's dependencies and the schedule's interval."""

    dependencies: SweeperDependencies
    interval_seconds: int


@cached
def settings() -> SweeperSettings:
    return SweeperSettings()  # values come from the environment


def _age(seconds: int | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


def build() -> Sweeper:
    from plateguard.dal.clients import aws_client
    from plateguard.dal.holds import DynamoHoldStore
    from plateguard.dal.sweeper_store import DynamoSweepStore, S3DestructionLog, S3SweepObjects
    from plateguard.dal.tables import bind_tables
    from plateguard.logic.holds import ActiveHolds

    config = settings()
    bind_tables(
        {
            schema.READS.logical_id: config.reads_table_name,
            schema.ALERTS.logical_id: config.alerts_table_name,
            schema.HOTLIST.logical_id: config.hotlist_table_name,
            schema.IMAGES.logical_id: config.images_table_name,
            schema.HOLDS.logical_id: config.holds_table_name,
        },
        region=config.aws_region,
        host=config.aws_endpoint_url,
    )
    s3 = aws_client("s3", config.aws_region, config.aws_endpoint_url)
    return Sweeper(
        dependencies=SweeperDependencies(
            store=DynamoSweepStore(),
            objects=S3SweepObjects(s3, config.images_bucket_name),
            # Holds are listed afresh on every pass (ActiveHolds keeps nothing), so caching this is safe.
            holds=ActiveHolds(DynamoHoldStore()),
            log=S3DestructionLog(s3, config.audit_bucket_name),
            limits=SweepLimits(
                images=_age(config.images_retention_seconds), crops=_age(config.crops_retention_seconds)
            ),
            clock=utc_now,
        ),
        interval_seconds=config.sweep_interval_seconds,
    )


dependencies = Provider(build)
