"""Historical hits: new hot-list entries are checked against reads already stored within retention.

A car seen yesterday is not missed because it was listed today, whichever way it was listed: one
entry (POST .../entries) or a CSV/NCIC import. Both paths use the live matcher itself
(logic/hotlist.py HotListIndex: confusable characters folded, one missing or extra character, the
result `exact` or `ambiguous` with the differing positions), so a read that would alert tomorrow
alerts today too. Expired reads are never used, whatever DynamoDB TTL has done.

Bound: the new entries go into one in-memory index (O(E x plate length)); the agency's reads are then
read once, one day partition at a time, for the days of the window, and each read's plate costs a
few hash lookups against that index. DynamoDB work is therefore one pass over the reads captured in
the window (window+1 partition queries, paginated) whatever the number of entries, instead of E x
(plate variants x insertions) point queries; memory is the index plus one page of reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from plateguard.logic.hotlist import HotListIndex
from plateguard.logic.ingest import AlertPublisher, IngestRepository, build_alert, publish_alert, stable_id
from plateguard.logic.retention import is_expired
from plateguard.models.records import Alert, Camera, HotListEntry, PlateReadRecord

# (agency, day) -> that day's reads of the agency (expired ones included: filtered here).
ReadsForDay = Callable[[str, date], Iterable[PlateReadRecord]]


@dataclass
class HistoricalHits:
    alerts: list[Alert] = field(default_factory=list)  # every historical alert the entries matched
    raised: int = 0  # of which raised by this call (a re-import finds its earlier alerts, raises none)
    reads_examined: int = 0


def window_days(now: datetime, days: float) -> list[date]:
    """Day partitions, newest first, that can hold a read captured within `days` before `now`."""
    first = (now - timedelta(days=days)).date()
    count = (now.date() - first).days + 1
    return [now.date() - timedelta(days=i) for i in range(count)]


def historical_alerts(
    entries: Sequence[HotListEntry],
    reads_for_day: ReadsForDay,
    camera_for: Callable[[str, str], Camera | None],
    repository: IngestRepository,
    publisher: AlertPublisher,
    now: datetime,
    window: float,
    alert_retention_days: float,
    min_confidence: float,
) -> HistoricalHits:
    """Alert on every stored, unexpired read that the live matcher matches to one of `entries`.

    `window` (days) is the longest a read can be kept (hit retention); entries are of one agency.
    One alert per read and list, as live matching raises (an exact match is preferred); its id is
    stable, so a second call finds it and publishes nothing more.
    """
    hits = HistoricalHits()
    if not entries:
        return hits
    agencies = {e.agency for e in entries}
    if len(agencies) != 1:
        raise ValueError(f"historical matching takes one agency's entries, got {sorted(agencies)}")
    agency = agencies.pop()
    index = HotListIndex(entries)
    seen: set[str] = set()
    for day in window_days(now, window):
        for read in reads_for_day(agency, day):
            hits.reads_examined += 1
            if is_expired(read.expires_at, now) or read.low_confidence or read.confidence < min_confidence:
                continue
            for match in index.match(read.plate, now):  # exact matches come first
                alert_id = stable_id(read.read_id, match.entry.list_name, "historical")
                if alert_id in seen:
                    continue  # one alert per read and list
                seen.add(alert_id)
                existing = repository.get_alert(read.agency, alert_id)
                if existing is not None:
                    hits.alerts.append(publish_alert(existing, repository, publisher))
                    continue
                camera = camera_for(read.agency, read.camera_id)
                alert = build_alert(
                    alert_id,
                    read,
                    match.entry,
                    match.match_quality,
                    match.differing_positions,
                    camera or Camera(read.agency, read.camera_id, read.camera_id, read.lat, read.lon),
                    now,
                    alert_retention_days,
                    historical=True,
                )
                repository.put_alert(alert)
                hits.alerts.append(publish_alert(alert, repository, publisher))
                hits.raised += 1
    return hits


@dataclass(frozen=True)
class StoredReadsCheck:
    """`historical_alerts` bound to where stored reads, cameras and alerts are: what the API's hot-list
    changes call with the entries they add (logic.officer_hotlists.HistoricalCheck)."""

    reads_for_day: ReadsForDay
    camera_for: Callable[[str, str], Camera | None]
    repository: IngestRepository
    publisher: AlertPublisher
    window: float  # days: the longest a read is kept (a hit read's retention)
    alert_retention_days: float
    min_confidence: float

    def __call__(self, entries: Sequence[HotListEntry], now: datetime) -> HistoricalHits:
        return historical_alerts(
            entries,
            self.reads_for_day,
            self.camera_for,
            self.repository,
            self.publisher,
            now,
            self.window,
            self.alert_retention_days,
            self.min_confidence,
        )
