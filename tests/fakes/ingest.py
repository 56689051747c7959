"""In-memory fakes of what the ingest logic is given (objects, repository, publisher, reader) and the
builders its tests share: a camera, an upload key, a JPEG, recognized plates, a wired IngestDependencies."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from plateguard.logic.hotlist import HotListCache
from plateguard.logic.imaging import encode_jpeg
from plateguard.logic.ingest import IngestDependencies, IngestPolicy, StoredObject
from plateguard.logic.keys import build_upload_key
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import Alert, AlertStatus, Camera, HotListEntry, ImageOutcome, PlateReadRecord
from plateguard.recognition import RecognizedPlate

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CAMERA = Camera("demo-pd", "cam-1", "Main St", 37.0, -122.0)
UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
KEY = build_upload_key("demo-pd", "cam-1", NOW, UUID)
GOOD_METADATA = {"captured-at": NOW.isoformat()}


class FakeObjects:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.crops: dict[str, bytes] = {}
        self.quarantined: dict[str, str] = {}

    def get(self, key: str, version_id: str | None = None) -> StoredObject | None:
        if key not in self.objects:
            return None
        data, metadata = self.objects[key]
        return StoredObject(key, len(data), metadata, lambda: data)

    def put_crop(self, key: str, data: bytes) -> None:
        self.crops[key] = data

    def quarantine(self, key: str, reason: str, detail: str, version_id: str | None = None) -> str:
        self.objects.pop(key)
        self.quarantined[key] = reason
        return "quarantine/" + key

    def quarantine_target(self, key: str) -> str:
        return "quarantine/" + key


@dataclass
class FakeRepository:
    cameras: dict[tuple[str, str], Camera] = field(default_factory=dict)
    outcomes: dict[str, ImageOutcome] = field(default_factory=dict)
    reads: dict[str, PlateReadRecord] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    fail_reads: bool = False
    claims: dict[str, datetime] = field(default_factory=dict)
    pending_quarantines: dict[tuple[str, str | None], ImageOutcome] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get_camera(self, agency: str, camera_id: str) -> Camera | None:
        return self.cameras.get((agency, camera_id))

    def get_outcome(
        self, source_key: str, version_id: str | None = None, bucket: str | None = None
    ) -> ImageOutcome | None:
        return self.outcomes.get(source_key if version_id is None else f"{source_key}?{version_id}")

    def put_outcome(self, outcome: ImageOutcome) -> None:
        if outcome.version_id is not None:
            self.outcomes[f"{outcome.source_key}?{outcome.version_id}"] = outcome
        self.outcomes[outcome.source_key] = outcome

    def record_outcome(
        self, outcome: ImageOutcome, reads: Sequence[PlateReadRecord] = (), published: Sequence[Alert] = ()
    ) -> ImageOutcome:
        # One conditional write, as DynamoDB's transaction is: nothing is written if the version has an
        # outcome. The published marks go first, so a failing (or crashing) mark writes nothing else.
        for alert in published:
            self.mark_published(alert.agency, alert.alert_id)
        with self.lock:
            if (recorded := self.get_outcome(outcome.source_key, outcome.version_id)) is not None:
                return recorded
            for record in reads:
                self.put_read(record)
            self.put_outcome(outcome)
            return outcome

    def put_pending_quarantine(self, outcome: ImageOutcome) -> ImageOutcome | None:
        if (recorded := self.get_outcome(outcome.source_key, outcome.version_id)) is not None:
            return recorded
        self.pending_quarantines[(outcome.source_key, outcome.version_id)] = outcome
        return None

    def get_pending_quarantine(
        self, source_key: str, version_id: str | None = None, bucket: str | None = None
    ) -> ImageOutcome | None:
        return self.pending_quarantines.get((source_key, version_id))

    def put_read(self, record: PlateReadRecord) -> None:
        if self.fail_reads:
            raise ConnectionError("DynamoDB unavailable")
        self.reads[record.read_id] = record

    def get_alert(self, agency: str, alert_id: str) -> Alert | None:
        return self.alerts.get(alert_id)

    def get_alerts(self, agency: str, alert_ids: Sequence[str]) -> dict[str, Alert]:
        return {alert_id: self.alerts[alert_id] for alert_id in alert_ids if alert_id in self.alerts}

    def put_alert(self, alert: Alert) -> None:
        self.alerts[alert.alert_id] = alert

    # The conditional writes below are atomic, as DynamoDB's are: the lock stands in for the table.
    def create_alert(self, alert: Alert) -> Alert:
        with self.lock:
            return self.alerts.setdefault(alert.alert_id, alert)

    def create_claimed_alert(self, alert: Alert, claimed_at: datetime) -> Alert | None:
        with self.lock:
            if alert.alert_id in self.alerts:
                return self.alerts[alert.alert_id]
            self.alerts[alert.alert_id] = dataclasses.replace(alert, status=AlertStatus.PUBLISHING)
            self.claims[alert.alert_id] = claimed_at
            return None

    def claim_publish(self, agency: str, alert_id: str, now: datetime, stale_before: datetime) -> bool:
        with self.lock:
            alert = self.alerts[alert_id]
            claimed_at = self.claims.get(alert_id)
            stale = alert.status is AlertStatus.PUBLISHING and claimed_at is not None and claimed_at < stale_before
            if alert.status is not AlertStatus.PENDING and not stale:
                return False
            self.alerts[alert_id] = dataclasses.replace(alert, status=AlertStatus.PUBLISHING)
            self.claims[alert_id] = now
            return True

    def mark_published(self, agency: str, alert_id: str) -> None:
        with self.lock:
            self.alerts[alert_id] = dataclasses.replace(self.alerts[alert_id], status=AlertStatus.PUBLISHED)

    def release_claim(self, agency: str, alert_id: str) -> None:
        with self.lock:
            if self.alerts[alert_id].status is AlertStatus.PUBLISHING:
                self.alerts[alert_id] = dataclasses.replace(self.alerts[alert_id], status=AlertStatus.PENDING)

    def record_repeat(self, agency: str, alert_id: str, read_id: str) -> None:
        alert = self.alerts[alert_id]
        self.alerts[alert_id] = dataclasses.replace(alert, suppressed_repeats=alert.suppressed_repeats + 1)


class FakePublisher:
    def __init__(self, failures: int = 0) -> None:
        self.messages: list[tuple[str, dict[str, dict[str, str]]]] = []
        self.failures = failures

    def publish(self, message: str, attributes: dict[str, dict[str, str]]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SNS unavailable")
        self.messages.append((message, attributes))


class FakeReader:
    def __init__(self, plates: list[RecognizedPlate]) -> None:
        self.plates = plates

    def read(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:
        return self.plates


def plate(text: str, confidence: float = 0.97) -> RecognizedPlate:
    return RecognizedPlate(text, text, confidence, (10, 10, 40, 12), tuple([confidence] * len(text)), ())


HOT_ENTRY = HotListEntry(
    "demo-pd", "stolen", "7KDR394", "stolen-vehicle", "high", "stolen sedan", "C-1", expires_at_epoch(NOW, 10)
)


def make_deps(
    reader_plates: list[RecognizedPlate],
    entries: list[HotListEntry] | None = None,
    publisher: FakePublisher | None = None,
) -> tuple[IngestDependencies, FakeObjects, FakeRepository, FakePublisher]:
    objects, repository = FakeObjects(), FakeRepository(cameras={("demo-pd", "cam-1"): CAMERA})
    publisher = publisher or FakePublisher()
    deps = IngestDependencies(
        objects=objects,
        repository=repository,
        publisher=publisher,
        reader=FakeReader(reader_plates),
        hotlists=HotListCache(lambda agency: entries or [], refresh_seconds=60),
        policy=IngestPolicy(30, 365, 365, 1_000_000, 1_000_000, 0.8),
        clock=lambda: NOW,
    )
    return deps, objects, repository, publisher


def jpeg() -> bytes:
    return encode_jpeg(np.full((120, 160, 3), 90, dtype=np.uint8))
