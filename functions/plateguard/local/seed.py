"""Demo data for local mode: two agencies' cameras and a demo hot list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plateguard.dal.hotlists import DynamoHotListStore
from plateguard.dal.repositories import DynamoIngestRepository
from plateguard.logic.hotlist_admin import HotListDefinition, ListType, Priority
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import Camera, HotListEntry

DEMO_AGENCY = "demo-pd"
OTHER_AGENCY = "other-pd"
DEMO_CAMERAS = (
    Camera(DEMO_AGENCY, "cam-main-st", "Main St & 1st Ave", 37.7793, -122.4193, region="central"),
    Camera(DEMO_AGENCY, "cam-harbor-bridge", "Harbor Bridge east", 37.7989, -122.3778, region="harbor"),
    Camera(OTHER_AGENCY, "cam-county-line", "County line northbound", 37.4419, -122.1430, region="north"),
)
DEMO_HOTLIST_PLATE = "7KDR394"


def demo_hotlist(now: datetime) -> list[HotListEntry]:
    return [
        HotListEntry(
            agency=DEMO_AGENCY,
            list_name="stolen-vehicles",
            plate=DEMO_HOTLIST_PLATE,
            list_type="stolen-vehicle",
            priority="high",
            reason="Reported stolen 2026-11-20, grey sedan",
            case_number="DPD-2026-004417",
            expires_at=expires_at_epoch(now, 30),
        ),
        HotListEntry(  # expired entry: must never match even though it is still stored
            agency=DEMO_AGENCY,
            list_name="stolen-vehicles",
            plate="4XPL221",
            list_type="stolen-vehicle",
            priority="high",
            reason="Recovered; entry lapsed",
            case_number="DPD-2026-003001",
            expires_at=expires_at_epoch(now - timedelta(days=40), 30),
        ),
    ]


DEMO_LISTS = (
    HotListDefinition(DEMO_AGENCY, "stolen-vehicles", ListType.STOLEN_VEHICLE, "sgt.ames", Priority.HIGH, 90),
    HotListDefinition(DEMO_AGENCY, "bolo", ListType.BOLO, "det.cho", Priority.MEDIUM, 30, "Custom BOLO entries"),
)


def seed_demo_data(repository: DynamoIngestRepository, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    for camera in DEMO_CAMERAS:
        repository.put_camera(camera)
    lists = DynamoHotListStore()
    for definition in DEMO_LISTS:
        lists.put_list(definition)
    for entry in demo_hotlist(now):
        repository.put_hotlist_entry(entry)
