"""New hot-list entries (one, or a whole import) raise historical alerts for reads already stored
within retention, matched by the live matcher (confusions, one missing or extra character)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from plateguard.logic.historical import HistoricalHits, historical_alerts, window_days
from plateguard.logic.hotlist import HotListIndex
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import Camera, HotListEntry, PlateReadRecord
from tests.fakes.ingest import FakePublisher, FakeRepository

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CAMERA = Camera("demo-pd", "cam-1", "Main St", 37.0, -122.0)


def entry(plate: str, list_name: str = "stolen") -> HotListEntry:
    return HotListEntry(
        "demo-pd", list_name, plate, "stolen-vehicle", "high", "stolen", "C-1", expires_at_epoch(NOW, 30)
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


class Reads:
    """Stored reads by (agency, day), counting the partition queries made."""

    def __init__(self, *reads: PlateReadRecord) -> None:
        self.reads = reads
        self.queries: Counter[date] = Counter()

    def __call__(self, agency: str, day: date) -> list[PlateReadRecord]:
        self.queries[day] += 1
        return [r for r in self.reads if r.agency == agency and r.captured_at.date() == day]


def run(
    entries: list[HotListEntry], reads: Reads, repository: FakeRepository, publisher: FakePublisher
) -> HistoricalHits:
    return historical_alerts(entries, reads, lambda a, c: CAMERA, repository, publisher, NOW, 365, 365, 0.8)


def test_an_imported_plate_seen_yesterday_raises_one_historical_alert_once() -> None:
    # Given a read of 7KDR394 yesterday and of nothing else listed
    reads = Reads(read("r1", "7KDR394", 1), read("r9", "5XYZ111", 1))
    repository, publisher = FakeRepository(), FakePublisher()
    # When an import lists it among other plates
    hits = run([entry("7KDR394"), entry("4ABC123"), entry("8JKL456")], reads, repository, publisher)
    # Then one exact historical alert is raised, published once, and counted
    assert hits.raised == 1 and [a.read_id for a in hits.alerts] == ["r1"]
    alert = hits.alerts[0]
    assert alert.historical and alert.match_quality == "exact" and alert.listed_plate == "7KDR394"
    assert len(publisher.messages) == 1
    assert json.loads(json.loads(publisher.messages[0][0])["default"])["historical"]
    # And importing the same list again finds the alert it raised, raises and publishes nothing more
    again = run([entry("7KDR394"), entry("4ABC123")], reads, repository, publisher)
    assert again.raised == 0 and [a.alert_id for a in again.alerts] == [alert.alert_id]
    assert len(publisher.messages) == 1


def test_a_read_missing_or_adding_one_character_raises_an_ambiguous_historical_alert() -> None:
    # Given a read that missed one character of the listed plate, one with an extra character, and a
    # confusable one (0 for D), as live matching would alert on
    reads = Reads(read("short", "7KDR39", 1), read("long", "7KDR394X", 2), read("conf", "7K0R394", 3))
    repository, publisher = FakeRepository(), FakePublisher()
    # When the plate is imported
    hits = run([entry("7KDR394")], reads, repository, publisher)
    # Then each raises one ambiguous historical alert naming the position to check
    by_read = {a.read_id: a for a in hits.alerts}
    assert hits.raised == 3 and set(by_read) == {"short", "long", "conf"}
    assert all(a.match_quality == "ambiguous" and a.historical for a in by_read.values())
    assert by_read["short"].differing_positions == (6,)
    assert by_read["long"].differing_positions == (7,)
    assert by_read["conf"].differing_positions == (2,)
    assert len(publisher.messages) == 3


def test_historical_matching_agrees_with_live_matching_read_by_read() -> None:
    # Given reads at every kind of distance from a listed plate
    plates = ["7KDR394", "7KDR39", "KDR394", "7KDR3945", "X7KDR394", "7K0R394", "7KDR395", "7KD394X", "1234567"]
    reads = Reads(*(read(f"r{i}", p, 1) for i, p in enumerate(plates)))
    listed = entry("7KDR394")
    # When the plate is listed
    hits = run([listed], reads, FakeRepository(), FakePublisher())
    # Then exactly the reads the live index matches raise alerts, with the same quality
    live = {r.read_id: HotListIndex([listed]).match(r.plate, NOW) for r in reads.reads}
    assert {a.read_id: a.match_quality for a in hits.alerts} == {
        rid: m[0].match_quality for rid, m in live.items() if m
    }


def test_expired_and_low_confidence_reads_raise_nothing() -> None:
    # Given a read past its retention (still present: TTL is late) and a low-confidence one
    reads = Reads(read("old", "7KDR394", 40, retention_days=30), read("weak", "7KDR394", 1, confidence=0.5))
    repository, publisher = FakeRepository(), FakePublisher()
    # When the plate is imported
    hits = run([entry("7KDR394")], reads, repository, publisher)
    # Then no alert is raised or published
    assert hits.raised == 0 and hits.alerts == [] and publisher.messages == []


def test_one_pass_over_the_window_whatever_the_number_of_entries() -> None:
    # Given stored reads, and an import of 2,000 entries
    reads = Reads(read("r1", "7KDR394", 1))
    entries = [entry(f"{n:07d}") for n in range(2000)] + [entry("7KDR394")]
    # When they are checked
    hits = run(entries, reads, FakeRepository(), FakePublisher())
    # Then each day partition of the window is queried once, not once per entry or plate variant
    assert hits.raised == 1
    assert set(reads.queries) == set(window_days(NOW, 365)) and set(reads.queries.values()) == {1}
    assert len(reads.queries) == 366


def test_one_alert_per_read_and_list_exact_first() -> None:
    # Given a read matching two entries of one import (exact, and one character longer)
    reads = Reads(read("r1", "ABC123", 1))
    # When both are listed
    hits = run([entry("ABC1234"), entry("ABC123")], reads, FakeRepository(), FakePublisher())
    # Then one alert, for the exact entry
    assert hits.raised == 1 and hits.alerts[0].match_quality == "exact" and hits.alerts[0].listed_plate == "ABC123"
