"""The ingest function's dependencies, from IngestSettings: table bindings, S3, SNS and the ONNX reader."""

from __future__ import annotations

from plateguard import schema
from plateguard.logic.hotlist import HotListCache
from plateguard.logic.ingest import IngestDependencies, IngestPolicy
from plateguard.models.settings import IngestSettings
from plateguard.wiring import Provider, cached, utc_now


@cached
def settings() -> IngestSettings:
    return IngestSettings()  # values come from the environment


def build() -> IngestDependencies:
    """Built on first use per container (never at import): clients, table bindings and the reader."""
    from plateguard.dal.clients import aws_client
    from plateguard.dal.notify import SnsAlertPublisher
    from plateguard.dal.objects import S3ObjectStore
    from plateguard.dal.repositories import DynamoIngestRepository
    from plateguard.dal.tables import bind_tables
    from plateguard.recognition import get_reader

    config = settings()
    bind_tables(
        {
            schema.READS.logical_id: config.reads_table_name,
            schema.IMAGES.logical_id: config.images_table_name,
            schema.CAMERAS.logical_id: config.cameras_table_name,
            schema.HOTLIST.logical_id: config.hotlist_table_name,
            schema.ALERTS.logical_id: config.alerts_table_name,
        },
        region=config.aws_region,
        host=config.aws_endpoint_url,
    )
    repository = DynamoIngestRepository()
    return IngestDependencies(
        objects=S3ObjectStore(aws_client("s3", config.aws_region, config.aws_endpoint_url), config.images_bucket_name),
        repository=repository,
        publisher=SnsAlertPublisher(
            aws_client("sns", config.aws_region, config.aws_endpoint_url), config.alert_topic_arn
        ),
        reader=get_reader(config.recognition_threads),
        hotlists=HotListCache(repository.hotlist_entries, config.hotlist_refresh_seconds),
        policy=IngestPolicy(
            read_retention_days=config.read_retention_days,
            hit_retention_days=config.hit_retention_days,
            alert_retention_days=config.alert_retention_days,
            max_object_bytes=config.max_object_bytes,
            max_decoded_pixels=config.max_decoded_pixels,
            alert_min_confidence=config.alert_min_confidence,
            alert_dedup_seconds=config.alert_dedup_seconds,
            persist_non_hit_reads=config.persist_non_hit_reads,
        ),
        clock=utc_now,
    )


dependencies = Provider(build)
