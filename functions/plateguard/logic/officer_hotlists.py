"""What the officer API's hot-list routes do: list, define, retire, export, add, remove, import.

Always in the caller's agency (never taken from the request). A list that does not exist (or was
retired) is a NotFound; a definition, entry or file that breaks a rule raises the rule's own error
(HotListError, EntryRejected: InvalidRequest). A new entry, one by one or imported, is checked against
the reads already stored (logic.historical): a car seen yesterday alerts today.
Each function returns the response and the count the audit record carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from plateguard.logic.access import User
from plateguard.logic.historical import HistoricalHits
from plateguard.logic.hotlist_admin import (
    HotListDefinition,
    HotListStore,
    apply_import,
    build_entry,
    parse_csv,
    parse_ncic,
)
from plateguard.models.errors import NotFound
from plateguard.models.records import HotListEntry
from plateguard.models.requests import AddEntryRequest, ImportRequest, PutHotListRequest
from plateguard.models.responses import (
    EntryAdded,
    EntryRemoved,
    HotListEntriesResponse,
    HotListEntryOut,
    HotListImported,
    HotListOut,
    HotListRetired,
    HotListsResponse,
    RejectedRow,
)


class HotListRegistry(HotListStore, Protocol):
    """The agency's list definitions beside their entries (dal.hotlists.DynamoHotListStore)."""

    def get_list(self, agency: str, name: str) -> HotListDefinition | None: ...  # None: missing or retired
    def lists(self, agency: str) -> list[HotListDefinition]: ...
    def put_list(self, definition: HotListDefinition) -> None: ...
    def retire_list(self, agency: str, name: str, when: datetime) -> None: ...


class HistoricalCheck(Protocol):
    """Alert on stored reads that new entries match (logic.historical.StoredReadsCheck)."""

    def __call__(self, entries: Sequence[HotListEntry], now: datetime) -> HistoricalHits: ...


def definition_out(definition: HotListDefinition) -> HotListOut:
    return HotListOut(
        name=definition.name,
        list_type=definition.list_type,
        owner=definition.owner,
        priority=definition.priority,
        max_entry_days=definition.max_entry_days,
        description=definition.description,
    )


def entry_out(entry: HotListEntry) -> HotListEntryOut:
    return HotListEntryOut(
        plate=entry.plate,
        state=entry.state,
        reason=entry.reason,
        case_number=entry.case_number,
        entered_by=entry.entered_by,
        entered_at=datetime.fromtimestamp(entry.entered_at, UTC) if entry.entered_at else None,
        expires_at=datetime.fromtimestamp(entry.expires_at, UTC),
    )


def list_or_404(store: HotListRegistry, user: User, list_name: str) -> HotListDefinition:
    definition = store.get_list(user.agency, list_name)
    if definition is None:
        raise NotFound(f"no hot list {list_name!r} in agency {user.agency}")
    return definition


def list_hotlists(user: User, *, store: HotListRegistry) -> tuple[HotListsResponse, int]:
    lists = store.lists(user.agency)
    return HotListsResponse(hotlists=[definition_out(d) for d in lists], count=len(lists)), len(lists)


def put_hotlist(
    user: User, list_name: str, body: PutHotListRequest, *, store: HotListRegistry
) -> tuple[HotListOut, int]:
    """Create or update a list definition (HotListError, a 400, when it breaks a rule)."""
    definition = HotListDefinition(
        user.agency, list_name, body.list_type, body.owner, body.priority, body.max_entry_days, body.description
    )
    store.put_list(definition)
    return definition_out(definition), 1


def delete_hotlist(user: User, list_name: str, now: datetime, *, store: HotListRegistry) -> tuple[HotListRetired, int]:
    """Deleting a list removes its entries and retires its definition (kept as a record)."""
    list_or_404(store, user, list_name)
    entries = store.entries(user.agency, list_name)
    store.delete_entries(entries)
    store.retire_list(user.agency, list_name, now)
    return HotListRetired(retired=list_name, entries_removed=len(entries)), len(entries)


def export_entries(
    user: User, list_name: str, now: datetime, *, store: HotListRegistry
) -> tuple[HotListEntriesResponse, int]:
    """The list's entries that have not expired."""
    list_or_404(store, user, list_name)
    entries = [e for e in store.entries(user.agency, list_name) if e.expires_at > now.timestamp()]
    response = HotListEntriesResponse(list_name=list_name, entries=[entry_out(e) for e in entries], count=len(entries))
    return response, len(entries)


def add_entry(
    user: User,
    list_name: str,
    body: AddEntryRequest,
    now: datetime,
    *,
    store: HotListRegistry,
    historical: HistoricalCheck,
) -> tuple[EntryAdded, int]:
    """One entry, entered by the caller (EntryRejected, a 400, when it breaks a rule of its list)."""
    definition = list_or_404(store, user, list_name)
    entry = build_entry(
        definition,
        plate=body.plate,
        reason=body.reason,
        case_number=body.case_number,
        state=body.state,
        expires=body.expires,
        entered_by=user.username,
        now=now,
    )
    store.put_entries([entry])
    hits = historical([entry], now)
    return EntryAdded(entry=entry_out(entry), historical_alerts=[a.alert_id for a in hits.alerts]), 1


def remove_entry(user: User, list_name: str, plate: str, *, store: HotListRegistry) -> tuple[EntryRemoved, int]:
    """Remove a plate from a list; NotFound when it is not on it."""
    list_or_404(store, user, list_name)
    wanted = plate.upper()
    matching = [e for e in store.entries(user.agency, list_name) if e.plate == wanted]
    if not matching:
        raise NotFound(f"{wanted} is not on {list_name}")
    store.delete_entries(matching)
    return EntryRemoved(removed=wanted), 1


def import_entries(
    user: User,
    list_name: str,
    body: ImportRequest,
    now: datetime,
    *,
    store: HotListRegistry,
    historical: HistoricalCheck,
) -> tuple[HotListImported, int]:
    """A CSV or NCIC-style file: valid rows are written, the others reported (HotListError for the file)."""
    definition = list_or_404(store, user, list_name)
    parse = parse_ncic if body.format == "ncic" else parse_csv
    plan = parse(body.content.encode(), definition, user.username, now)
    result = apply_import(plan, definition, store, body.replace)
    # The daily path raises historical hits as one new entry does (one batched pass over stored reads).
    hits = historical(plan.entries, now)
    response = HotListImported(
        accepted=result.accepted,
        rejected=[RejectedRow(row=r.row, reason=r.reason) for r in result.rejected],
        removed=result.removed,
        # Alerts this import raised (a re-import of the same list finds its earlier ones, raises none).
        historical_hits=hits.raised,
    )
    return response, result.accepted
