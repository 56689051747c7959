"""A new hot-list entry raises historical alerts for reads already stored within retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from plateguard.logic.historical import historical_alerts, plate_variants
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import Camera, HotListEntry, PlateReadRecord

from .test_ingest_logic import FakePublisher, FakeRepository

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CAMERA = Camera("demo-pd", "cam-1", "Main St", 37.0, -122.0)
ENTRY = HotListEntry(
    "demo-pd", "stolen", "7KDR394", "stolen-vehicle", "high", "stolen", "C-1", expires_at_epoch(NOW, 30)
)


def read(
    read_id: str, plate: str, days_ago: float, retention_days: float = 30, confidence: float = 0.95
) -> PlateReadRecord:
    captured = NOW - timedelta(days=days_ago)
    return PlateReadRecord(
        read_id,
        "demo-pd",
        "cam-1",
        captured,
        plate,
        plate,
        confidence,
        (),
        (),
        (1, 2, 3, 4),
        f"crops/{read_id}.jpg",
        "incoming/x.jpg",
        37.0,
        -122.0,
        None,
        confidence < 0.8,
        False,
        expires_at_epoch(captured, retention_days),
    )


def test_plate_variants_cover_each_single_confusion() -> None:
    variants = plate_variants("D8")
    assert variants[0] == "D8" and {"08", "O8", "Q8", "DB"} <= set(variants)


def test_stored_reads_within_retention_raise_historical_alerts_once() -> None:
    # Given reads of the plate (exact, confusable, expired and low-confidence) stored before the entry
    stored = {
        "7KDR394": [read("r1", "7KDR394", 2), read("r2", "7KDR394", 40)],  # r2 expired
        "7K0R394": [read("r3", "7K0R394", 1), read("r4", "7K0R394", 1, confidence=0.5)],
    }
    repository, publisher = FakeRepository(), FakePublisher()

    def run() -> list[str]:
        return [
            a.read_id
            for a in historical_alerts(
                ENTRY,
                lambda agency, plate: stored.get(plate, []),
                lambda a, c: CAMERA,
                repository,
                publisher,
                NOW,
                365,
                0.8,
            )
        ]

    # When the entry is added (twice: the second time changes nothing)
    assert sorted(run()) == ["r1", "r3"]
    assert sorted(run()) == ["r1", "r3"]
    # Then two historical alerts were published once each, the confusable one marked ambiguous
    assert len(publisher.messages) == 2
    by_read = {a.read_id: a for a in repository.alerts.values()}
    assert by_read["r1"].historical and by_read["r1"].match_quality == "exact"
    assert by_read["r3"].match_quality == "ambiguous" and by_read["r3"].differing_positions == (2,)
    assert all(json.loads(json.loads(m)["default"])["historical"] for m, _ in publisher.messages)
