"""The retention-sweep Lambda entry point against local mode's resources."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from plateguard.dal.repositories import DynamoIngestRepository
from plateguard.local.dispatcher import LocalLambdaContext
from plateguard.local.runner import LocalEnvironment
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import PlateReadRecord

from .conftest import _prefix


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    with LocalEnvironment(state_dir=tmp_path_factory.mktemp("state"), dispatch=False, prefix=_prefix()) as running:
        yield running


def _read(read_id: str, plate: str, expires_in: timedelta) -> PlateReadRecord:
    now = datetime.now(UTC)
    return PlateReadRecord(
        read_id,
        "demo-pd",
        "cam-main-st",
        now - timedelta(days=31),
        plate,
        plate,
        0.97,
        (),
        (),
        (1, 2, 3, 4),
        f"crops/demo-pd/cam-main-st/{read_id}.jpg",
        "incoming/x.jpg",
        37.0,
        -122.0,
        None,
        False,
        False,
        expires_at_epoch(now, expires_in.total_seconds() / 86400),
    )


def test_the_sweep_handler_deletes_expired_reads_and_returns_a_plate_free_log(
    env: LocalEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plateguard.handlers.sweeper import handle_retention_sweep

    # Given one expired read (TTL has not fired) and one within retention
    repository = DynamoIngestRepository()
    repository.put_read(_read("a" * 24, "3OLD555", timedelta(days=-1)))
    repository.put_read(_read("b" * 24, "5NEW777", timedelta(days=5)))
    assert "HOLDS_TABLE_NAME" in os.environ
    # When the scheduled sweep runs
    log = handle_retention_sweep({"source": "aws.events"}, LocalLambdaContext())
    # Then the expired read is gone, the other kept, and the log has counts only
    assert [r.plate for r in repository.reads_for_plate("demo-pd", "3OLD555")] == []
    assert [r.plate for r in repository.reads_for_plate("demo-pd", "5NEW777")] == ["5NEW777"]
    assert log["event"] == "RetentionSweep"
    assert sum(c["deleted"] for c in log["classes"].values()) >= 1
    assert "3OLD555" not in str(log)
