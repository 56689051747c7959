"""Hot-list management: list limits, entry validation, CSV/NCIC imports, replace vs merge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from plateguard import schema
from plateguard.dal.hotlists import DynamoHotListStore
from plateguard.dal.tables import bind_tables
from plateguard.local.provision import table_definition
from plateguard.logic.hotlist_admin import (
    MAX_IMPORT_BYTES,
    EntryRejected,
    HotListDefinition,
    HotListError,
    ListType,
    Priority,
    apply_import,
    build_entry,
    parse_csv,
    parse_ncic,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
STOLEN = HotListDefinition("demo-pd", "stolen-vehicles", ListType.STOLEN_VEHICLE, "sgt.ames", Priority.HIGH, 90)
BOLO = HotListDefinition("demo-pd", "bolo-burglary", ListType.BOLO, "det.cho", Priority.MEDIUM, 30)


def test_a_list_cannot_allow_entries_longer_than_its_type_permits() -> None:
    with pytest.raises(HotListError, match="between 1 and 30"):
        HotListDefinition("demo-pd", "bolo", ListType.BOLO, "det.cho", Priority.LOW, 31)
    with pytest.raises(HotListError, match="list name"):
        HotListDefinition("demo-pd", "Bad Name!", ListType.BOLO, "det.cho", Priority.LOW, 10)


def test_an_entry_without_expiry_gets_the_list_limit_and_is_normalized() -> None:
    entry = build_entry(
        STOLEN, plate="7-kdr 394", reason="stolen", case_number="C-1", entered_by="ofc.a", now=NOW, state="ca"
    )
    assert (entry.plate, entry.state, entry.entered_by) == ("7KDR394", "CA", "ofc.a")
    assert entry.expires_at == int((NOW + timedelta(days=90)).timestamp())


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"plate": "!!"}, "plate"),
        ({"reason": " "}, "reason is required"),
        ({"case_number": ""}, "case/NCIC number"),
        ({"case_number": "x; DROP TABLE"}, "case/NCIC number"),
        ({"state": "California"}, "two-letter"),
        ({"expires": NOW + timedelta(days=31)}, "30-day limit"),
        ({"expires": NOW - timedelta(minutes=1)}, "in the past"),
        ({"entered_by": ""}, "entered_by"),
    ],
)
def test_an_invalid_entry_is_rejected_naming_the_rule(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "plate": "ABC123",
        "reason": "burglary suspect",
        "case_number": "C-7",
        "entered_by": "det.cho",
        "now": NOW,
    }
    values.update(fields)
    with pytest.raises(EntryRejected, match=message):
        build_entry(BOLO, **values)  # type: ignore[arg-type]


def test_csv_import_keeps_valid_rows_and_reports_each_rejected_row() -> None:
    data = (
        b"plate,state,reason,case_number,expires\n"
        b"7KDR394,CA,stolen grey sedan,C-100,\n"
        b"5MNB217,CA,,C-101,\n"
        b"7kdr-394,CA,same car again,C-100,\n"
        b"8TRX660,NV,stolen truck,C-102,2026-12-01\n"
        b"6LQZ105,CA,stolen van,C-103,2027-12-01\n"
    )
    plan = parse_csv(data, STOLEN, "sgt.ames", NOW)
    assert [e.plate for e in plan.entries] == ["7KDR394", "8TRX660"]
    assert [(r.row, r.reason.split()[0]) for r in plan.rejected] == [(3, "reason"), (4, "duplicate"), (6, "expiry")]
    assert plan.entries[1].expires_at == int(datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        ("plate,reason,case_number\nÄBC,x,C-1\n".encode("latin-1"), "not UTF-8"),
        (b"plate,reason,case_number\n\x00\x00\x00", "NUL"),
        (b"number,why\n1,2\n", "header"),
        (b"a" * (MAX_IMPORT_BYTES + 1), "limit"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(data: bytes, message: str) -> None:
    with pytest.raises(HotListError, match=message):
        parse_csv(data, STOLEN, "sgt.ames", NOW)


def test_a_utf8_file_with_a_byte_order_mark_is_read() -> None:
    data = "\ufeffplate,reason,ncic_number\nABC123,stolen,V123456789\n".encode()
    assert [e.case_number for e in parse_csv(data, STOLEN, "sgt.ames", NOW).entries] == ["V123456789"]


def test_ncic_extract_rows_become_entries_with_the_ncic_number_and_vehicle() -> None:
    data = (
        b"NIC|LIC|LIS|LIY|LIT|VMA|VMO|VCO|DOT\n"
        b"V123456789|7KDR394|CA|2026|PC|TOYT|CAM|GRY|20261120\n"
        b"BADNUMBER|5MNB217|CA|2026|PC|HOND|CIV|BLK|20261121\n"
        b"V223456789|8TRX660|NV\n"
    )
    plan = parse_ncic(data, STOLEN, "ncic-import", NOW)
    (entry,) = plan.entries
    assert (entry.plate, entry.case_number, entry.state) == ("7KDR394", "V123456789", "CA")
    assert "GRY TOYT CAM" in entry.reason and "20261120" in entry.reason
    assert [r.row for r in plan.rejected] == [3, 4]


@pytest.fixture
def store() -> Iterator[DynamoHotListStore]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")
        names = {}
        for spec in (schema.HOTLIST, schema.HOTLISTS):
            names[spec.logical_id] = f"t-{spec.logical_id}"
            client.create_table(**table_definition(spec, names[spec.logical_id]))
        bind_tables(names, region="us-west-2", host=None)
        yield DynamoHotListStore()


def test_reimporting_the_same_file_is_idempotent_and_replace_removes_missing_entries(store: DynamoHotListStore) -> None:
    # Given a list imported from a file twice
    store.put_list(STOLEN)
    first = b"plate,reason,case_number\nAAA111,stolen,C-1\nBBB222,stolen,C-2\n"
    for _ in range(2):
        result = apply_import(parse_csv(first, STOLEN, "sgt.ames", NOW), STOLEN, store, replace=False)
    assert result.accepted == 2
    assert sorted(e.plate for e in store.entries("demo-pd", "stolen-vehicles")) == ["AAA111", "BBB222"]
    # When a second file is merged, Then both files' entries are on the list
    second = b"plate,reason,case_number\nCCC333,stolen,C-3\n"
    apply_import(parse_csv(second, STOLEN, "sgt.ames", NOW), STOLEN, store, replace=False)
    assert len(store.entries("demo-pd", "stolen-vehicles")) == 3
    # When it replaces the list instead, Then only its entries remain
    result = apply_import(parse_csv(second, STOLEN, "sgt.ames", NOW), STOLEN, store, replace=True)
    assert result.removed == 2
    assert [e.plate for e in store.entries("demo-pd", "stolen-vehicles")] == ["CCC333"]
    assert store.get_list("demo-pd", "stolen-vehicles") == STOLEN


def test_a_deleted_list_is_retired_hidden_and_revived_by_a_new_definition(store: DynamoHotListStore) -> None:
    # Given a list, When it is retired
    store.put_list(BOLO)
    store.retire_list("demo-pd", BOLO.name, NOW)
    # Then it is no longer served, though its record stays; re-creating it brings it back
    assert store.get_list("demo-pd", BOLO.name) is None
    assert BOLO not in store.lists("demo-pd")
    store.put_list(BOLO)
    assert store.get_list("demo-pd", BOLO.name) == BOLO
