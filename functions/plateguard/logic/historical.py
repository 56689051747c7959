"""Historical hits: a new hot-list entry is checked against reads already stored within retention.

Each stored read of the plate — or of a variant one confusable character away (logic/confusion.py)
— raises an alert marked historical, so a car seen yesterday is not missed because it was listed
today. Expired reads are never used, whatever DynamoDB TTL has done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from plateguard.logic.confusion import CONFUSION_GROUPS, differing_positions
from plateguard.logic.ingest import AlertPublisher, IngestRepository, build_alert, publish_alert, stable_id
from plateguard.logic.retention import is_expired
from plateguard.models.records import Alert, Camera, HotListEntry, PlateReadRecord

ReadsForPlate = Callable[[str, str], Iterable[PlateReadRecord]]


def plate_variants(plate: str) -> list[str]:
    """The plate and every plate one confusable substitution away (at most ~3 per character)."""
    variants = [plate]
    for i, char in enumerate(plate):
        group = next((g for g in CONFUSION_GROUPS if char in g), "")
        variants.extend(plate[:i] + other + plate[i + 1 :] for other in group if other != char)
    return variants


def historical_alerts(
    entry: HotListEntry,
    reads_for_plate: ReadsForPlate,
    camera_for: Callable[[str, str], Camera | None],
    repository: IngestRepository,
    publisher: AlertPublisher,
    now: datetime,
    alert_retention_days: float,
    min_confidence: float,
) -> list[Alert]:
    alerts = []
    for variant in plate_variants(entry.plate):
        for read in reads_for_plate(entry.agency, variant):
            if is_expired(read.expires_at, now) or read.low_confidence or read.confidence < min_confidence:
                continue
            camera = camera_for(read.agency, read.camera_id)
            alert_id = stable_id(read.read_id, entry.list_name, "historical")
            existing = repository.get_alert(read.agency, alert_id)
            if existing is not None:
                alerts.append(publish_alert(existing, repository, publisher))
                continue
            alert = build_alert(
                alert_id,
                read,
                entry,
                "exact" if read.plate == entry.plate else "ambiguous",
                tuple(differing_positions(read.plate, entry.plate)),
                camera or Camera(read.agency, read.camera_id, read.camera_id, read.lat, read.lon),
                now,
                alert_retention_days,
                historical=True,
            )
            repository.put_alert(alert)
            alerts.append(publish_alert(alert, repository, publisher))
    return alerts
