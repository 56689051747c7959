"""The hot-list routes' business work (plateguard.logic.officer_hotlists) on in-memory fakes: what each
returns, what it stores, the count its audit record carries, and the errors the API answers with."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plateguard.logic.hotlist_admin import EntryRejected, HotListDefinition, HotListError, ListType, Priority
from plateguard.logic.officer_hotlists import (
    add_entry,
    delete_hotlist,
    export_entries,
    import_entries,
    list_hotlists,
    put_hotlist,
    remove_entry,
)
from plateguard.models.errors import InvalidRequest, NotFound
from plateguard.models.records import HotListEntry
from plateguard.models.requests import AddEntryRequest, ImportRequest, PutHotListRequest
from tests.fakes.officer_api import MemoryHotLists, StubHistoricalCheck
from tests.fakes.oversight import T0, user

OFFICER = user("ofc.diaz")
STOLEN = HotListDefinition("demo-pd", "stolen", ListType.STOLEN_VEHICLE, "records unit", Priority.HIGH, 30)


def entry(plate: str, expires_in: timedelta = timedelta(days=10), list_name: str = "stolen") -> HotListEntry:
    return HotListEntry(
        "demo-pd", list_name, plate, "stolen-vehicle", "high", "stolen", "C-100", int((T0 + expires_in).timestamp()),
        entered_by="ofc.diaz", entered_at=int(T0.timestamp()),
    )  # fmt: skip


def test_lists_only_the_callers_agency_and_counts_them() -> None:
    # Given two lists in the caller's agency and one in another
    other = HotListDefinition("other-pd", "bolo", ListType.BOLO, "desk", Priority.LOW, 7)
    bolo = HotListDefinition("demo-pd", "bolo", ListType.BOLO, "desk", Priority.LOW, 7)
    store = MemoryHotLists(STOLEN, bolo, other)

    # When the caller lists hot lists
    response, count = list_hotlists(OFFICER, store=store)

    # Then only their agency's two are shown, with their definitions, and counted
    assert [h.name for h in response.hotlists] == ["bolo", "stolen"]
    assert response.count == count == 2
    assert response.hotlists[1].model_dump(mode="json") == {
        "name": "stolen", "list_type": "stolen-vehicle", "owner": "records unit", "priority": "high",
        "max_entry_days": 30, "description": "",
    }  # fmt: skip


def test_put_stores_the_definition_in_the_callers_agency_and_refuses_a_rule_breaking_one() -> None:
    # Given an empty registry
    store = MemoryHotLists()

    # When the caller defines a list
    body = PutHotListRequest(list_type=ListType.BOLO, owner="desk", priority=Priority.MEDIUM, max_entry_days=14)
    response, count = put_hotlist(OFFICER, "bolo-north", body, store=store)

    # Then it is stored in the caller's agency and answered as stored
    assert store.get_list("demo-pd", "bolo-north") is not None
    assert (response.name, response.list_type, response.max_entry_days, count) == ("bolo-north", "bolo", 14, 1)

    # And a definition over its type's limit is a HotListError, answered as InvalidRequest (400)
    too_long = body.model_copy(update={"max_entry_days": 60})
    with pytest.raises(HotListError, match="between 1 and 30") as refused:
        put_hotlist(OFFICER, "bolo-north", too_long, store=store)
    assert isinstance(refused.value, InvalidRequest) and refused.value.code == "InvalidRequest"
    assert refused.value.message == str(refused.value)


def test_delete_removes_entries_retires_the_list_and_counts_the_entries() -> None:
    # Given a list with two entries
    store = MemoryHotLists(STOLEN)
    store.put_entries([entry("7KDR394"), entry("ABC123")])

    # When the caller deletes it
    response, count = delete_hotlist(OFFICER, "stolen", T0, store=store)

    # Then its entries are gone, it is retired at that time, and the answer says so
    assert response.model_dump(mode="json") == {"retired": "stolen", "entries_removed": 2}
    assert count == 2 and store.entries("demo-pd", "stolen") == []
    assert store.retired[("demo-pd", "stolen")] == T0

    # And deleting it again is a NotFound naming the list and agency
    with pytest.raises(NotFound, match="no hot list 'stolen' in agency demo-pd"):
        delete_hotlist(OFFICER, "stolen", T0, store=store)


def test_export_leaves_out_expired_entries() -> None:
    # Given one live and one expired entry
    store = MemoryHotLists(STOLEN)
    store.put_entries([entry("7KDR394"), entry("OLD1", expires_in=-timedelta(hours=1))])

    # When the caller exports the list
    response, count = export_entries(OFFICER, "stolen", T0, store=store)

    # Then only the live entry is listed, with its times as ISO 8601 (offset written +00:00)
    assert count == response.count == 1
    assert response.model_dump(mode="json", by_alias=True) == {
        "list": "stolen",
        "entries": [
            {
                "plate": "7KDR394", "state": None, "reason": "stolen", "case_number": "C-100",
                "entered_by": "ofc.diaz", "entered_at": T0.isoformat(),
                "expires_at": (T0 + timedelta(days=10)).isoformat(),
            }
        ],
        "count": 1,
    }  # fmt: skip


def test_add_entry_stores_it_as_the_caller_and_checks_it_against_stored_reads() -> None:
    # Given a list, and stored reads that the new plate matches once
    store = MemoryHotLists(STOLEN)
    historical = StubHistoricalCheck()

    # When the caller adds an entry
    body = AddEntryRequest(plate="7kdr 394", reason="stolen in a burglary", case_number="C-2026-11", state="ca")
    response, count = add_entry(OFFICER, "stolen", body, T0, store=store, historical=historical)

    # Then it is stored, normalised and entered by the caller, and checked against stored reads once
    stored = store.entries("demo-pd", "stolen")
    assert [(e.plate, e.state, e.entered_by) for e in stored] == [("7KDR394", "CA", "ofc.diaz")]
    assert historical.asked == [stored]
    assert response.entry.plate == "7KDR394" and response.historical_alerts == [] and count == 1


def test_add_entry_refuses_a_rule_breaking_entry_with_its_reason_and_stores_nothing() -> None:
    # Given a list
    store = MemoryHotLists(STOLEN)

    # When the caller adds an entry expiring after the list's limit
    body = AddEntryRequest(plate="7KDR394", reason="stolen", case_number="C-100", expires=T0 + timedelta(days=90))

    # Then EntryRejected (answered InvalidRequest, 400, with its reason) and nothing is stored
    with pytest.raises(EntryRejected, match="30-day limit") as refused:
        add_entry(OFFICER, "stolen", body, T0, store=store, historical=StubHistoricalCheck())
    assert isinstance(refused.value, InvalidRequest) and refused.value.message == refused.value.reason
    assert store.entries("demo-pd", "stolen") == []


def test_remove_entry_upper_cases_the_plate_and_a_plate_not_listed_is_not_found() -> None:
    # Given a list with one entry
    store = MemoryHotLists(STOLEN)
    store.put_entries([entry("7KDR394")])

    # When the caller removes it, written in lower case
    response, count = remove_entry(OFFICER, "stolen", "7kdr394", store=store)

    # Then it is gone and the answer names the plate as listed
    assert response.model_dump(mode="json") == {"removed": "7KDR394"} and count == 1
    assert store.entries("demo-pd", "stolen") == []

    # And removing it again is a NotFound
    with pytest.raises(NotFound, match="7KDR394 is not on stolen"):
        remove_entry(OFFICER, "stolen", "7KDR394", store=store)


def test_import_writes_valid_rows_reports_rejected_ones_and_counts_accepted() -> None:
    # Given a list with an entry the file no longer has, and stored reads matching one imported plate
    store = MemoryHotLists(STOLEN)
    store.put_entries([entry("GONE1")])
    historical = StubHistoricalCheck(raised=1)
    content = "plate,reason,case_number\n7KDR394,stolen,C-100\n!!,bad plate,C-101\n"

    # When the caller imports the file, replacing the list
    body = ImportRequest(format="csv", replace=True, content=content)
    response, count = import_entries(OFFICER, "stolen", body, T0, store=store, historical=historical)

    # Then the valid row is written, the bad one reported by line, the missing entry removed
    assert response.model_dump(mode="json") == {
        "accepted": 1,
        "rejected": [{"row": 3, "reason": "plate '!!' is not 1-10 letters or digits (spaces and dashes aside)"}],
        "removed": 1,
        "historical_hits": 1,
    }
    assert count == 1 and [e.plate for e in store.entries("demo-pd", "stolen")] == ["7KDR394"]
    assert [[e.plate for e in asked] for asked in historical.asked] == [["7KDR394"]]


def test_import_of_an_unreadable_file_is_a_hot_list_error() -> None:
    # Given a list
    store = MemoryHotLists(STOLEN)

    # When the caller imports a CSV without the required header
    body = ImportRequest(content="a,b\n1,2\n")

    # Then HotListError, answered InvalidRequest (400)
    with pytest.raises(HotListError, match="CSV header must name plate"):
        import_entries(OFFICER, "stolen", body, T0, store=store, historical=StubHistoricalCheck())
