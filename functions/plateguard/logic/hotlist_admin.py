"""Hot-list management rules: list types, entry validation, CSV and NCIC-style imports.

Every entry needs a plate, a reason, a case or NCIC number, who entered it and when, and an expiry
no later than its list allows. Imports validate each row, report rejected rows with their reason
and keep the valid ones; re-importing a file is idempotent (an entry's key is list + plate).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from plateguard.models.errors import InvalidRequest
from plateguard.models.plates import canonical_plate_text, is_valid_plate
from plateguard.models.records import HotListEntry

# Defined in models (request models use them); still importable from here.
from plateguard.models.vocabulary import ListType as ListType
from plateguard.models.vocabulary import Priority as Priority

# The longest an entry may live, per list type (days); a list may set less, never more.
MAX_ENTRY_DAYS: dict[ListType, int] = {
    ListType.STOLEN_VEHICLE: 90,
    ListType.WANTED_PERSON: 90,
    ListType.MISSING_PERSON: 30,
    ListType.BOLO: 30,
}
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
_CASE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,31}$")
_NCIC_NUMBER = re.compile(r"^[A-Z]\d{9}$")
_STATE = re.compile(r"^[A-Z]{2}$")
_LIST_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


class HotListError(InvalidRequest):
    """A request about a hot list that cannot be carried out (bad definition, unreadable file): a 400."""


class EntryRejected(InvalidRequest):
    """An entry that breaks a rule of its list; `reason` names the rule (also the API's message: a 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class HotListDefinition:
    agency: str
    name: str
    list_type: ListType
    owner: str
    priority: Priority
    max_entry_days: int
    description: str = ""

    def __post_init__(self) -> None:
        if not _LIST_NAME.match(self.name):
            raise HotListError(f"list name {self.name!r} must be 2-64 lowercase letters, digits or dashes")
        limit = MAX_ENTRY_DAYS[self.list_type]
        if not 1 <= self.max_entry_days <= limit:
            raise HotListError(f"max_entry_days for a {self.list_type} list must be between 1 and {limit}")
        if not self.owner.strip():
            raise HotListError("a hot list needs an owner")


@dataclass(frozen=True)
class RowRejection:
    row: int  # 1-based line number in the file (the header is line 1)
    reason: str


@dataclass
class ImportPlan:
    entries: list[HotListEntry] = field(default_factory=list)
    rejected: list[RowRejection] = field(default_factory=list)


def build_entry(
    definition: HotListDefinition,
    *,
    plate: str,
    reason: str,
    case_number: str,
    entered_by: str,
    now: datetime,
    state: str | None = None,
    expires: datetime | None = None,
) -> HotListEntry:
    """Validate one entry against its list; raise EntryRejected naming the rule it breaks."""
    # The rule searches use: a character a search would refuse is refused here, never stripped.
    normalized = canonical_plate_text(plate)
    if not is_valid_plate(normalized):
        raise EntryRejected(f"plate {plate!r} is not 1-10 letters or digits (spaces and dashes aside)")
    if state and not _STATE.match(state.strip().upper()):
        raise EntryRejected(f"state {state!r} is not a two-letter code")
    if not reason.strip():
        raise EntryRejected("reason is required")
    if len(reason) > 200:
        raise EntryRejected("reason is longer than 200 characters")
    if not _CASE_NUMBER.match(case_number.strip()):
        raise EntryRejected(f"case/NCIC number {case_number!r} is missing or malformed")
    if not entered_by.strip():
        raise EntryRejected("entered_by is required")
    latest = now + timedelta(days=definition.max_entry_days)
    expiry = expires or latest
    if expiry.tzinfo is None:
        raise EntryRejected("expiry needs a time zone")
    if expiry <= now:
        raise EntryRejected(f"expiry {expiry.isoformat()} is in the past")
    if expiry > latest + timedelta(seconds=1):
        raise EntryRejected(
            f"expiry {expiry.date()} is later than the list's {definition.max_entry_days}-day limit ({latest.date()})"
        )
    return HotListEntry(
        agency=definition.agency,
        list_name=definition.name,
        plate=normalized,
        list_type=definition.list_type.value,
        priority=definition.priority.value,
        reason=reason.strip(),
        case_number=case_number.strip(),
        expires_at=int(expiry.timestamp()),
        state=state.strip().upper() if state else None,
        entered_by=entered_by,
        entered_at=int(now.timestamp()),
    )


def decode_import(data: bytes) -> str:
    """File-level checks: size, encoding, binary content. Raise HotListError with the reason."""
    if len(data) > MAX_IMPORT_BYTES:
        raise HotListError(f"file is {len(data)} bytes; the limit is {MAX_IMPORT_BYTES}")
    if not data.strip():
        raise HotListError("file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HotListError(f"file is not UTF-8 text (bad byte at offset {exc.start}); re-save it as UTF-8") from exc
    if "\x00" in text:
        raise HotListError("file contains NUL bytes: not a text file")
    return text


def parse_csv(data: bytes, definition: HotListDefinition, entered_by: str, now: datetime) -> ImportPlan:
    """CSV with a header: plate, reason, case_number (or ncic_number); optional state, expires."""
    text = decode_import(data)
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower() for c in reader.fieldnames or []}
    missing = {"plate", "reason"} - columns
    if missing or not ({"case_number", "ncic_number"} & columns):
        raise HotListError(
            "CSV header must name plate, reason and case_number (or ncic_number); optional: state, expires"
        )
    rows = (
        (line, {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None})
        for line, raw in enumerate(reader, start=2)
    )
    return _plan(
        (
            (
                line,
                dict(
                    plate=row.get("plate", ""),
                    reason=row.get("reason", ""),
                    case_number=row.get("case_number") or row.get("ncic_number", ""),
                    state=row.get("state") or None,
                    expires=row.get("expires") or None,
                ),
            )
            for line, row in rows
        ),
        definition,
        entered_by,
        now,
    )


# NCIC-style stolen-vehicle extract: pipe-delimited, one vehicle per line, optional header line.
NCIC_FIELDS = ("NIC", "LIC", "LIS", "LIY", "LIT", "VMA", "VMO", "VCO", "DOT")


def parse_ncic(data: bytes, definition: HotListDefinition, entered_by: str, now: datetime) -> ImportPlan:
    """Fields: NIC (NCIC number) | LIC (plate) | LIS (state) | LIY (year) | LIT (plate type) |
    VMA (make) | VMO (model) | VCO (colour) | DOT (date of theft, YYYYMMDD)."""
    text = decode_import(data)
    parsed: list[tuple[int, dict[str, str | None]]] = []
    plan = ImportPlan()
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.startswith("NIC|"):
            continue
        values = [v.strip() for v in raw.split("|")]
        if len(values) != len(NCIC_FIELDS):
            plan.rejected.append(RowRejection(line, f"expected {len(NCIC_FIELDS)} '|'-separated fields"))
            continue
        record = dict(zip(NCIC_FIELDS, values, strict=True))
        if not _NCIC_NUMBER.match(record["NIC"]):
            plan.rejected.append(RowRejection(line, f"NIC {record['NIC']!r} is not an NCIC number (A123456789)"))
            continue
        vehicle = " ".join(v for v in (record["VCO"], record["VMA"], record["VMO"]) if v)
        stolen = f", stolen {record['DOT']}" if record["DOT"] else ""
        parsed.append(
            (
                line,
                dict(
                    plate=record["LIC"],
                    reason=f"NCIC stolen vehicle {vehicle}{stolen}".strip(),
                    case_number=record["NIC"],
                    state=record["LIS"] or None,
                    expires=None,
                ),
            )
        )
    result = _plan(parsed, definition, entered_by, now)
    result.rejected = sorted(plan.rejected + result.rejected, key=lambda r: r.row)
    return result


def _plan(
    rows: Iterable[tuple[int, dict[str, str | None]]], definition: HotListDefinition, entered_by: str, now: datetime
) -> ImportPlan:
    plan = ImportPlan()
    seen: dict[str, int] = {}
    for count, (line, row) in enumerate(rows, start=1):
        if count > MAX_IMPORT_ROWS:
            plan.rejected.append(RowRejection(line, f"more than {MAX_IMPORT_ROWS} rows: the rest are not imported"))
            break
        try:
            expires = _parse_expiry(row.get("expires"))
            entry = build_entry(
                definition,
                plate=row.get("plate") or "",
                reason=row.get("reason") or "",
                case_number=row.get("case_number") or "",
                state=row.get("state"),
                expires=expires,
                entered_by=entered_by,
                now=now,
            )
        except EntryRejected as rejected:
            plan.rejected.append(RowRejection(line, rejected.reason))
            continue
        if entry.plate in seen:
            plan.rejected.append(RowRejection(line, f"duplicate of line {seen[entry.plate]} (plate {entry.plate})"))
            continue
        seen[entry.plate] = line
        plan.entries.append(entry)
    return plan


def _parse_expiry(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise EntryRejected(f"expires {value!r} is not an ISO 8601 date") from exc
    if parsed.tzinfo is None:
        # A bare date means the end of that day in UTC; a bare time has no zone and is refused.
        if len(value) == 10:
            return parsed.replace(tzinfo=UTC) + timedelta(days=1) - timedelta(seconds=1)
        raise EntryRejected(f"expires {value!r} has no time zone")
    return parsed


class HotListStore(Protocol):
    def entries(self, agency: str, list_name: str) -> list[HotListEntry]: ...
    def put_entries(self, entries: list[HotListEntry]) -> None: ...
    def delete_entries(self, entries: list[HotListEntry]) -> None: ...


@dataclass(frozen=True)
class ImportResult:
    accepted: int
    rejected: list[RowRejection]
    removed: int


def apply_import(plan: ImportPlan, definition: HotListDefinition, store: HotListStore, replace: bool) -> ImportResult:
    """Write the valid rows; with `replace`, also remove the list's entries the file no longer has."""
    removed: list[HotListEntry] = []
    if replace:
        keep = {e.plate for e in plan.entries}
        removed = [e for e in store.entries(definition.agency, definition.name) if e.plate not in keep]
    store.put_entries(plan.entries)
    if removed:
        store.delete_entries(removed)
    return ImportResult(len(plan.entries), plan.rejected, len(removed))
