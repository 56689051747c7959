"""Officer searches over plate reads, and auditor searches over the audit trail.

Access paths (see docs/api.md for how each scales):
- exact plate: one Query on the reads table (pk = AGENCY#PLATE), cost proportional to the matches;
- camera (+ window): one Query on the by-camera index (camera_pk = AGENCY#CAMERA, sk in the window);
- partial plate or area (+ bounded window): one Query per UTC day on the by-day index, filtered here.
Every path filters expired reads here (DynamoDB TTL deletes lag by up to 48 hours) and never leaves
the caller's agency: the agency is part of every partition key and is checked again on each item.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from plateguard.logic.access import User
from plateguard.logic.audit_chain import AuditFilter, AuditStore, event_time_of, record_matches
from plateguard.logic.patterns import PatternError, PlatePattern, parse_plate_pattern
from plateguard.logic.retention import is_expired
from plateguard.logic.tokens import TokenCodec, query_binding
from plateguard.models.api import AuditQueryRequest, SearchRequest
from plateguard.models.errors import InvalidPaginationToken, InvalidRequest, NotFound
from plateguard.models.records import PlateReadRecord

PartitionKind = Literal["plate", "camera", "day"]
# Clock skew allowance when a newest-first audit walk decides it has passed the window's start.
_AUDIT_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Partition:
    kind: PartitionKind
    value: str  # plate, camera id or YYYY-MM-DD; the DAL prefixes the agency


class ReadSource(Protocol):
    def query(
        self,
        agency: str,
        partition: Partition,
        since: datetime | None,
        until: datetime | None,
        start_key: dict[str, str] | None,
    ) -> Iterator[tuple[PlateReadRecord, dict[str, str]]]:
        """Reads newest first, each with the key to resume after it."""
        ...

    def by_id(self, read_id: str) -> list[PlateReadRecord]: ...


@dataclass(frozen=True)
class SearchPolicy:
    offense_types: tuple[str, ...]
    max_window: timedelta
    min_pattern_literals: int
    default_page_size: int
    max_page_size: int
    max_scanned_items: int
    max_audit_window: timedelta


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


@dataclass(frozen=True)
class ReadQuery:
    """A validated, normalized search."""

    search_type: str  # exact | camera | partial | area
    pattern: PlatePattern | None
    camera: str | None
    since: datetime | None
    until: datetime | None
    bbox: BoundingBox | None
    limit: int
    next_token: str | None

    def binding(self, user: User, agency: str | None = None) -> str:
        """Binds a token to the caller, the query and (for a shared search) the agency searched."""
        shared = (agency,) if agency and agency != user.agency else ()
        return query_binding(
            "reads",
            user.agency,
            user.principal_arn,
            self.pattern.text if self.pattern else "",
            self.camera or "",
            self.since.isoformat() if self.since else "",
            self.until.isoformat() if self.until else "",
            self.bbox or "",
            *shared,
        )

    def partitions(self) -> list[Partition]:
        if self.pattern and self.pattern.is_exact:
            return [Partition("plate", self.pattern.text)]
        if self.camera:
            return [Partition("camera", self.camera)]
        assert self.since and self.until  # validate_search guarantees a bounded window here
        days: list[Partition] = []
        day = (self.until - timedelta(microseconds=1)).astimezone(UTC).date()
        first = self.since.astimezone(UTC).date()
        while day >= first:
            days.append(Partition("day", day.isoformat()))
            day -= timedelta(days=1)
        return days

    def accepts(self, record: PlateReadRecord, agency: str, now: datetime) -> bool:
        if record.agency != agency or is_expired(record.expires_at, now):
            return False
        if self.pattern and not self.pattern.matches(record.plate):
            return False
        if self.camera and record.camera_id != self.camera:
            return False
        if self.since and self.until and not self.since <= record.captured_at < self.until:
            return False
        return not (self.bbox and not self.bbox.contains(record.lat, record.lon))


def check_offense_type(offense_type: str, policy: SearchPolicy) -> None:
    """A stated purpose names one of the configured offense types (searches and fetches alike)."""
    if offense_type not in policy.offense_types:
        raise InvalidRequest(f"offense_type must be one of: {', '.join(policy.offense_types)}")


def validate_search(request: SearchRequest, policy: SearchPolicy, now: datetime) -> ReadQuery:
    """Apply the search rules beyond field shapes; raise InvalidRequest saying which one failed."""
    check_offense_type(request.offense_type, policy)
    pattern = None
    if request.plate is not None:
        try:
            pattern = parse_plate_pattern(request.plate)
        except PatternError as exc:
            raise InvalidRequest(f"plate: {exc}") from exc
    corners = (request.min_lat, request.max_lat, request.min_lon, request.max_lon)
    bbox = None
    if any(c is not None for c in corners):
        if any(c is None for c in corners):
            raise InvalidRequest("an area search needs all of min_lat, max_lat, min_lon and max_lon")
        bbox = BoundingBox(*corners)  # type: ignore[arg-type]
        if bbox.min_lat >= bbox.max_lat or bbox.min_lon >= bbox.max_lon:
            raise InvalidRequest("area: min_lat/min_lon must be below max_lat/max_lon")
    if pattern is None and request.camera is None and bbox is None:
        raise InvalidRequest("give a plate, a camera or an area to search")
    if (request.since is None) != (request.until is None):
        raise InvalidRequest("give both since and until, or neither")
    if request.since and request.until and request.since >= request.until:
        raise InvalidRequest("since must be before until")

    exact = pattern is not None and pattern.is_exact
    if pattern is not None and not exact and pattern.literal_count < policy.min_pattern_literals:
        raise InvalidRequest(f"a partial plate needs at least {policy.min_pattern_literals} known characters")
    search_type = "exact" if exact else "camera" if request.camera else "partial" if pattern else "area"
    if not exact:  # every non-indexed-by-plate search must stay inside a bounded window
        if request.since is None or request.until is None:
            raise InvalidRequest(f"a {search_type} search needs since and until")
        if request.until - request.since > policy.max_window:
            raise InvalidRequest(f"a {search_type} search window may not exceed {policy.max_window.days} days")
    limit = request.limit or policy.default_page_size
    if limit > policy.max_page_size:
        raise InvalidRequest(f"limit may not exceed {policy.max_page_size}")
    return ReadQuery(
        search_type, pattern, request.camera, request.since, request.until, bbox, limit, request.next_token
    )


@dataclass(frozen=True)
class ReadPage:
    reads: list[PlateReadRecord]
    next_token: str | None
    scanned_items: int


def _decode_cursor(codec: TokenCodec, token: str, binding: str, partitions: int) -> tuple[int, dict[str, str] | None]:
    cursor = codec.decode(token, binding)
    index, key = cursor.get("p"), cursor.get("k")
    if not isinstance(index, int) or not 0 <= index < partitions:
        raise InvalidPaginationToken("next_token is malformed")
    if key is not None and not (isinstance(key, dict) and all(isinstance(v, str) for v in key.values())):
        raise InvalidPaginationToken("next_token is malformed")
    return index, key


def search_reads(
    query: ReadQuery,
    user: User,
    source: ReadSource,
    codec: TokenCodec,
    policy: SearchPolicy,
    now: datetime,
    agency: str | None = None,
) -> ReadPage:
    """One page of reads of `agency` (default: the caller's own). Searching another agency's reads is
    the caller's responsibility to authorize first (a sharing grant, checked in the API handler)."""
    agency = agency or user.agency
    partitions = query.partitions()
    binding = query.binding(user, agency)
    index, start_key = 0, None
    if query.next_token:
        index, start_key = _decode_cursor(codec, query.next_token, binding, len(partitions))

    found: list[PlateReadRecord] = []
    scanned = 0
    while index < len(partitions):
        for record, resume_key in source.query(agency, partitions[index], query.since, query.until, start_key):
            scanned += 1
            if query.accepts(record, agency, now):
                found.append(record)
            if len(found) >= query.limit or scanned >= policy.max_scanned_items:
                token = codec.encode({"p": index, "k": resume_key}, binding)
                return ReadPage(found, token, scanned)
        index, start_key = index + 1, None
    return ReadPage(found, None, scanned)


def fetch_read(
    read_id: str, user: User, source: ReadSource, now: datetime, agency: str | None = None
) -> PlateReadRecord:
    """One read of `agency` (default: the caller's; another only once the caller checked its grant) inside
    retention; anything else is NotFound (no existence leak)."""
    wanted = agency or user.agency
    for record in source.by_id(read_id):
        if record.agency == wanted and not is_expired(record.expires_at, now):
            return record
    raise NotFound(f"no read {read_id} is visible to you")


# -- audit trail lookups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditPage:
    events: list[dict[str, Any]]
    next_token: str | None


def validate_audit_query(request: AuditQueryRequest, policy: SearchPolicy) -> AuditFilter:
    if request.since >= request.until:
        raise InvalidRequest("since must be before until")
    if request.until - request.since > policy.max_audit_window:
        raise InvalidRequest(f"an audit query window may not exceed {policy.max_audit_window.days} days")
    plate = None
    if request.plate is not None:
        try:
            plate = parse_plate_pattern(request.plate).text
        except PatternError as exc:
            raise InvalidRequest(f"plate: {exc}") from exc
    return AuditFilter(request.since, request.until, request.username, plate, request.case_number, request.agency)


def search_audit(
    request: AuditQueryRequest,
    wanted: AuditFilter,
    user: User,
    store: AuditStore,
    codec: TokenCodec,
    policy: SearchPolicy,
) -> AuditPage:
    """Newest first through the caller's agency's chains (merged by time), filtered here; bounded per request."""
    binding = query_binding("audit", user.agency, user.principal_arn, wanted)
    after = None
    if request.next_token:
        cursor = codec.decode(request.next_token, binding)
        after = cursor.get("p")  # the last record's position (eventTime#chain#seq) in the agency's time order
        if not isinstance(after, str) or not after:
            raise InvalidPaginationToken("next_token is malformed")
    limit = min(request.limit or policy.default_page_size, policy.max_page_size)
    events: list[dict[str, Any]] = []
    for scanned, entry in enumerate(store.entries(user.agency, newest_first=True, after=after), start=1):
        when = event_time_of(entry)
        if when is not None and when < wanted.since - _AUDIT_SKEW:
            return AuditPage(events, None)
        record = entry.record()
        if record_matches(record, wanted):
            events.append({**record, "hash": entry.hash})
        if len(events) >= limit or scanned >= policy.max_scanned_items:
            return AuditPage(events, codec.encode({"p": entry.position}, binding))
    return AuditPage(events, None)
