"""End to end on moto's server: S3 upload -> SQS -> ingest handler (real ONNX) -> DynamoDB -> SNS."""

from __future__ import annotations

from datetime import UTC, datetime

from plateguard.local.runner import LocalEnvironment
from plateguard.local.seed import DEMO_HOTLIST_PLATE
from plateguard.logic.retention import is_expired
from plateguard.models.records import Outcome

from .conftest import repository, scene_jpeg, upload, wait_for


def test_a_hot_listed_plate_becomes_a_read_with_ttl_and_an_alert_on_the_device_inbox(
    live_env: LocalEnvironment,
) -> None:
    # Given the demo hot list holds a plate, When a camera uploads a frame showing it
    key = upload(live_env, scene_jpeg([DEMO_HOTLIST_PLATE], seed=3))
    # Then the image's outcome is "reads stored" with the plate, a crop and a future TTL
    outcome = wait_for(lambda: repository().get_outcome(key))
    assert outcome.outcome is Outcome.READS_STORED
    (read,) = repository().reads_for_source(key, outcome.read_ids)
    assert read.plate == DEMO_HOTLIST_PLATE and read.hit
    assert not is_expired(read.expires_at, datetime.now(UTC))
    s3 = live_env.client("s3")
    assert s3.head_object(Bucket=live_env.state["images_bucket"], Key=read.crop_key)["ContentLength"] > 0
    # And an alert with its message attributes reaches the device inbox through SNS
    alert = wait_for(lambda: next((a for a in live_env.alerts if a["read_id"] == read.read_id), None))
    assert alert["plate"] == DEMO_HOTLIST_PLATE and alert["match_quality"] == "exact"
    assert alert["message_attributes"]["agency"] == "demo-pd"
    assert alert["message_attributes"]["priority"] == "high"
    assert "Visually confirm" in alert["notice"]


def test_a_plate_on_an_expired_hot_list_entry_is_read_but_does_not_alert(live_env: LocalEnvironment) -> None:
    key = upload(live_env, scene_jpeg(["4XPL221"], seed=4))
    outcome = wait_for(lambda: repository().get_outcome(key))
    (read,) = repository().reads_for_source(key, outcome.read_ids)
    assert read.plate == "4XPL221" and not read.hit and outcome.alert_ids == ()
