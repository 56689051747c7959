"""Settings: one pydantic model per function, read from the environment through a cached getter."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AwsSettings(BaseSettings):
    """Where AWS is: the real one, or moto's server in local mode (AWS_ENDPOINT_URL)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    aws_region: str = Field(default="us-west-2", validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")


class IngestSettings(AwsSettings):
    reads_table_name: str = Field(validation_alias="READS_TABLE_NAME")
    images_table_name: str = Field(validation_alias="IMAGES_TABLE_NAME")
    cameras_table_name: str = Field(validation_alias="CAMERAS_TABLE_NAME")
    hotlist_table_name: str = Field(validation_alias="HOTLIST_TABLE_NAME")
    alerts_table_name: str = Field(validation_alias="ALERTS_TABLE_NAME")
    images_bucket_name: str = Field(validation_alias="IMAGES_BUCKET_NAME")
    alert_topic_arn: str = Field(validation_alias="ALERT_TOPIC_ARN")

    # Retention (days). Non-hit reads are the bulk of the data and are kept the shortest.
    read_retention_days: int = Field(default=30, ge=0, le=3650, validation_alias="READ_RETENTION_DAYS")
    hit_retention_days: int = Field(default=365, ge=0, le=3650, validation_alias="HIT_RETENTION_DAYS")
    alert_retention_days: int = Field(default=365, ge=1, le=3650, validation_alias="ALERT_RETENTION_DAYS")

    # Input guards: an object larger than this, or decoding to more pixels, is quarantined.
    max_object_bytes: int = Field(default=25 * 1024 * 1024, ge=1, validation_alias="MAX_OBJECT_BYTES")
    max_decoded_pixels: int = Field(default=40_000_000, ge=1, validation_alias="MAX_DECODED_PIXELS")

    # Reads below this confidence are stored but flagged, and never raise an alert.
    alert_min_confidence: float = Field(default=0.8, ge=0, le=1, validation_alias="ALERT_MIN_CONFIDENCE")
    recognition_threads: int = Field(default=1, ge=1, le=16, validation_alias="RECOGNITION_THREADS")
    hotlist_refresh_seconds: int = Field(default=60, ge=0, validation_alias="HOTLIST_REFRESH_SECONDS")


@lru_cache(maxsize=1)
def get_ingest_settings() -> IngestSettings:
    return IngestSettings()  # type: ignore[call-arg]  # values come from the environment
