"""The audit trail: fail closed, hash chains per writer, concurrent writers, tamper detection, auditor queries.

The anchored trail (signed digests, S3 versions, a tamper test per kind) is in test_audit_anchor.py."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from plateguard.dal.audit import DynamoAuditStore, S3AuditArchive
from plateguard.logic.audit_chain import (
    ArchivedVersion,
    AuditEvent,
    AuditTrail,
    ChainEntry,
    chain_agency,
    format_seq,
    verify_all,
)
from plateguard.models.errors import AuditChainConflict
from tests.api_support import GOOD_PURPOSE, NOW, ApiWorld, api_world, make_read

__all__ = ["api_world"]


def deps() -> Any:
    from plateguard.wiring.api import dependencies as get_api_dependencies

    return get_api_dependencies()


def archive(world: ApiWorld) -> S3AuditArchive:
    return S3AuditArchive(world.s3(), world.resources.audit_bucket)


def problems(world: ApiWorld) -> list[str]:
    return [str(p) for report in verify_all(DynamoAuditStore(), archive(world)) for p in report.problems]


def audit_table(world: ApiWorld) -> str:
    return str(world.resources.table_names["AuditTable"])


def chain_of(agency: str = "demo-pd") -> str:
    """The agency's one chain (one writer in these tests)."""
    (chain,) = [c for c in DynamoAuditStore().chains() if chain_agency(c) == agency]
    return chain


class FailingStore:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def head(self, chain: str) -> Any:
        return self.inner.head(chain)

    def append(self, entry: ChainEntry) -> None:
        raise RuntimeError("DynamoDB unavailable")


class FailingArchive:
    def put(self, key: str, body: str) -> None:
        raise RuntimeError("S3 unavailable")


@pytest.mark.parametrize("broken", ["dynamodb", "s3"])
def test_when_the_audit_write_fails_the_request_fails_closed_with_503_and_no_data(
    api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    # Given reads that would match, and an audit trail whose DynamoDB or S3 write fails
    api_world.put_reads(make_read("7KDR394"))
    real = deps()
    trail = (
        AuditTrail(FailingStore(real.audit_store), S3AuditArchive(api_world.s3(), api_world.resources.audit_bucket))
        if broken == "dynamodb"
        else AuditTrail(real.audit_store, FailingArchive())
    )
    monkeypatch.setattr("plateguard.wiring.api.dependencies", lambda: replace(real, trail=trail))
    # When an officer searches
    status, body = api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)
    # Then the answer is 503 with no reads in it
    assert status == 503
    assert body == {"error": "AuditUnavailable", "message": body["message"]}
    assert "7KDR394" not in json.dumps(body)


def test_a_denial_whose_audit_write_fails_is_also_503(api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    real = deps()
    monkeypatch.setattr(
        "plateguard.wiring.api.dependencies",
        lambda: replace(real, trail=AuditTrail(FailingStore(real.audit_store), FailingArchive())),
    )
    status, _ = api_world.search("officer", plate="7KDR394")
    assert status == 503


def test_every_record_is_chained_and_copied_to_the_object_lock_bucket(api_world: ApiWorld) -> None:
    for plate in ("7KDR394", "8ABC123", "5XYZ789"):
        api_world.search("officer", plate=plate, **GOOD_PURPOSE)
    records = api_world.audit_records()
    assert [r["chain"]["sequence"] for r in records] == [1, 2, 3]
    chain = chain_of()
    assert chain == f"demo-pd/{records[0]['chain']['writer']}"
    entries = list(DynamoAuditStore().entries(chain))
    assert entries[1].previous_hash == entries[0].hash and entries[2].previous_hash == entries[1].hash
    keys = list(archive(api_world).keys(chain))
    assert keys == [f"{chain}/{format_seq(e.seq)}-{e.hash}.json" for e in entries]
    head = api_world.s3().head_object(Bucket=api_world.resources.audit_bucket, Key=keys[0])
    assert head.get("ObjectLockMode") == "COMPLIANCE"
    assert problems(api_world) == []


def test_two_writers_append_to_chains_of_their_own_and_readers_see_one_agency(api_world: ApiWorld) -> None:
    # Given two writers (two Lambda containers) recording events of one agency, interleaved
    store = DynamoAuditStore()
    first, second = AuditTrail(store, archive(api_world)), AuditTrail(store, archive(api_world))
    for i in range(3):
        for trail in (first, second):
            at = NOW + timedelta(seconds=i)
            trail.record(
                AuditEvent("SearchReads", at, "arn", "u", "demo-pd", "officer", None, None, None, None, {}, "Success")
            )
    # Then each wrote its own chain from #1, neither ever waited on the other, and both verify
    chains = sorted(c for c in store.chains() if chain_agency(c) == "demo-pd")
    assert chains == sorted([f"demo-pd/{first.writer}", f"demo-pd/{second.writer}"])
    assert all([e.seq for e in store.entries(chain)] == [1, 2, 3] for chain in chains)
    assert problems(api_world) == []
    # And the agency's records read as one trail in time order
    merged = list(store.entries("demo-pd"))
    assert len(merged) == 6 and [e.position for e in merged] == sorted(e.position for e in merged)


def test_a_writer_whose_position_is_taken_continues_in_a_fresh_chain(api_world: ApiWorld) -> None:
    # Given a writer whose next position was written by someone else (a reused writer id, a forger)
    store = DynamoAuditStore()
    trail = AuditTrail(store, archive(api_world))
    event = AuditEvent("SearchReads", NOW, "arn", "u", "demo-pd", "officer", None, None, None, None, {}, "Success")
    first = trail.record(event)
    store.append(ChainEntry(first.chain, 2, "f" * 64, first.hash, "{}"))
    # When it records again, Then the request is served (no refusal) from a new chain of its own
    second = trail.record(event)
    assert second.chain != first.chain and second.seq == 1
    # And the verifier names the foreign record (it has no S3 copy and does not hash to its name)
    assert any(p.startswith(f"{first.chain} #2: altered") for p in problems(api_world))


def test_the_conditional_put_refuses_a_second_record_at_the_same_position(api_world: ApiWorld) -> None:
    store = DynamoAuditStore()
    store.append(ChainEntry("demo-pd/w1", 1, "a" * 64, "0" * 64, "{}"))
    with pytest.raises(AuditChainConflict):
        store.append(ChainEntry("demo-pd/w1", 1, "b" * 64, "0" * 64, "{}"))


class _AtomicMemoryStore:
    """An audit store whose conditional append is atomic, as DynamoDB's conditional PutItem is.

    moto does not serialise conditional writes across threads, so contention is tested here: what
    matters is that writers that lose the race retry on the new head and never fork the chain.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, int], ChainEntry] = {}
        self.conflicts = 0

    def head(self, chain: str) -> ChainEntry | None:
        with self._lock:
            seqs = [seq for c, seq in self._entries if c == chain]
            return self._entries[(chain, max(seqs))] if seqs else None

    def append(self, entry: ChainEntry) -> None:
        with self._lock:
            if (entry.chain, entry.seq) in self._entries:
                self.conflicts += 1
                raise AuditChainConflict(f"{entry.chain} #{entry.seq} is taken")
            self._entries[(entry.chain, entry.seq)] = entry

    def entries(self, chain: str, newest_first: bool = False, after_seq: int | None = None) -> Any:
        found = sorted((e for (c, _), e in self._entries.items() if c == chain), key=lambda e: e.seq)
        found = [e for e in found if after_seq is None or e.seq > after_seq]
        return iter(reversed(found) if newest_first else found)

    def chains(self) -> list[str]:
        return sorted({c for c, _ in self._entries})


class _MemoryArchive:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.objects: dict[str, str] = {}

    def put(self, key: str, body: str) -> None:
        with self._lock:
            self.objects[key] = body

    def keys(self, chain: str) -> Any:
        return iter(sorted(k for k in self.objects if k.startswith(f"{chain}/")))

    def versions(self, prefix: str) -> Any:
        return iter([ArchivedVersion(k, None) for k in sorted(self.objects) if k.startswith(prefix)])

    def get(self, key: str, version_id: str | None = None) -> str | None:
        return self.objects.get(key)


def test_threads_writing_at_once_never_conflict_fork_or_leave_a_gap() -> None:
    # Given four writers (one trail each) with four threads each, recording five events per thread at once
    store, archive_copy = _AtomicMemoryStore(), _MemoryArchive()
    trails = [AuditTrail(store, archive_copy, max_attempts=1) for _ in range(4)]
    event = AuditEvent("SearchReads", NOW, "arn", "u", "demo-pd", "officer", None, None, None, None, {}, "Success")
    threads = [
        threading.Thread(target=lambda t=trail: [t.record(event) for _ in range(5)])
        for trail in trails
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then no append ever lost a race (one attempt each sufficed), each writer's chain holds its 20 records
    # in sequence, and everything verifies end to end
    assert store.conflicts == 0
    assert sorted(store.chains()) == sorted(f"demo-pd/{t.writer}" for t in trails)
    assert all([e.seq for e in store.entries(chain)] == list(range(1, 21)) for chain in store.chains())
    assert [str(p) for report in verify_all(store, archive_copy) for p in report.problems] == []


class TestTamperDetection:
    def seed(self, world: ApiWorld) -> list[ChainEntry]:
        for plate in ("7KDR394", "8ABC123", "5XYZ789", "6DEF456"):
            world.search("officer", plate=plate, **GOOD_PURPOSE)
        assert problems(world) == []
        return list(DynamoAuditStore().entries(chain_of()))

    def test_an_altered_dynamodb_record_is_named(self, api_world: ApiWorld) -> None:
        entries = self.seed(api_world)
        record = entries[1].record()
        record["requestParameters"]["purpose"] = "Investigation"
        api_world.dynamodb().update_item(
            TableName=audit_table(api_world),
            Key={"agency": {"S": chain_of()}, "seq": {"S": format_seq(2)}},
            UpdateExpression="SET #r = :r",
            ExpressionAttributeNames={"#r": "record"},
            ExpressionAttributeValues={":r": {"S": json.dumps(record)}},
        )
        found = problems(api_world)
        assert found and found[0].startswith(f"{chain_of()} #2: altered")

    def test_a_rehashed_record_breaks_the_next_link(self, api_world: ApiWorld) -> None:
        # Given an attacker who alters record 2 and recomputes its hash too
        from plateguard.logic.audit_chain import canonical_json, record_hash

        entries = self.seed(api_world)
        record = entries[1].record()
        record["userIdentity"]["userName"] = "someone.else"
        body = canonical_json(record)
        api_world.dynamodb().update_item(
            TableName=audit_table(api_world),
            Key={"agency": {"S": chain_of()}, "seq": {"S": format_seq(2)}},
            UpdateExpression="SET #r = :r, event_hash = :h",
            ExpressionAttributeNames={"#r": "record"},
            ExpressionAttributeValues={":r": {"S": body}, ":h": {"S": record_hash(body)}},
        )
        found = problems(api_world)
        # Then the S3 copy is missing for the new hash, and record 3 no longer links to it
        assert f"{chain_of()} #2: archive_missing" in found[0]
        assert any(p.startswith(f"{chain_of()} #3: broken_link") for p in found)

    def test_a_deleted_record_is_named_missing(self, api_world: ApiWorld) -> None:
        self.seed(api_world)
        api_world.dynamodb().delete_item(
            TableName=audit_table(api_world), Key={"agency": {"S": chain_of()}, "seq": {"S": format_seq(2)}}
        )
        assert problems(api_world)[0].startswith(f"{chain_of()} #2: missing")

    def test_a_deleted_tail_is_caught_from_the_worm_copy(self, api_world: ApiWorld) -> None:
        self.seed(api_world)
        api_world.dynamodb().delete_item(
            TableName=audit_table(api_world), Key={"agency": {"S": chain_of()}, "seq": {"S": format_seq(4)}}
        )
        assert problems(api_world)[0].startswith(f"{chain_of()} #4: truncated")

    def test_an_overwritten_s3_copy_is_named(self, api_world: ApiWorld) -> None:
        entries = self.seed(api_world)
        key = f"{chain_of()}/{format_seq(3)}-{entries[2].hash}.json"
        api_world.s3().put_object(Bucket=api_world.resources.audit_bucket, Key=key, Body=b'{"forged": true}')
        assert problems(api_world)[0].startswith(f"{chain_of()} #3: archive_altered")


class TestAuditorQueries:
    def window(self) -> dict[str, str]:
        return {"since": (NOW - timedelta(days=1)).isoformat(), "until": (NOW + timedelta(days=1)).isoformat()}

    def test_auditors_filter_by_user_plate_and_case_and_their_queries_are_audited(self, api_world: ApiWorld) -> None:
        api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)
        api_world.search("supervisor", plate="8ABC123", **{**GOOD_PURPOSE, "case_number": "DPD-2026-000001"})
        status, by_plate = api_world.call("auditor", "GET", "/audit", query={**self.window(), "plate": "7KDR394"})
        assert status == 200 and by_plate["count"] == 1
        assert by_plate["events"][0]["userIdentity"]["userName"] == "officer.garcia"
        assert by_plate["events"][0]["hash"]
        _, by_user = api_world.call("auditor", "GET", "/audit", query={**self.window(), "username": "sgt.chen"})
        assert [e["requestParameters"]["plate"] for e in by_user["events"]] == ["8ABC123"]
        _, by_case = api_world.call(
            "auditor", "GET", "/audit", query={**self.window(), "case_number": "DPD-2026-000001"}
        )
        assert by_case["count"] == 1
        last = api_world.audit_records()[-1]
        assert last["eventName"] == "LookupAuditEvents" and last["userIdentity"]["role"] == "auditor"
        assert last["requestParameters"]["caseNumber"] == "DPD-2026-000001"

    def test_audit_pages_do_not_overlap(self, api_world: ApiWorld) -> None:
        for _ in range(5):
            api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)
        query = {**self.window(), "plate": "7KDR394", "limit": "2"}
        _, first = api_world.call("auditor", "GET", "/audit", query=query)
        _, second = api_world.call("auditor", "GET", "/audit", query={**query, "next_token": first["next_token"]})
        seqs = [e["chain"]["sequence"] for e in first["events"] + second["events"]]
        assert len(seqs) == 4 and len(set(seqs)) == 4 and seqs == sorted(seqs, reverse=True)

    def test_an_unbounded_audit_query_is_refused(self, api_world: ApiWorld) -> None:
        query = {"since": (NOW - timedelta(days=800)).isoformat(), "until": NOW.isoformat()}
        status, body = api_world.call("auditor", "GET", "/audit", query=query)
        assert status == 400 and "may not exceed" in body["message"]
