"""The anchored audit trail on moto: signed digests, S3 versions, and one tamper test per kind.

Each tamper is done as an intruder with the API role's rights (and more) would do it: straight
through boto3 on the table and the Object Lock bucket, keeping the chain consistent where it can.
Every one must fail `verify_trail`; an untouched trail must pass.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from plateguard import schema
from plateguard.dal.audit import DynamoAuditStore, KmsDigestSigner, KmsSignatureVerifier, S3AuditArchive
from plateguard.dal.tables import AuditItem, bind_tables
from plateguard.local.provision import provision_digest_key, table_definition
from plateguard.logic.audit_chain import (
    GENESIS_HASH,
    AuditEvent,
    AuditTrail,
    ChainEntry,
    archive_key,
    canonical_json,
    format_seq,
    record_hash,
)
from plateguard.logic.audit_digest import (
    TrailReport,
    create_digest,
    digest_key,
    verify_trail,
)

REGION = "us-west-2"
TABLE = "t-audit-anchor"
BUCKET = "t-audit-anchor"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DIGEST_AT = START + timedelta(hours=1)


@dataclass
class Trail:
    s3: Any
    kms: Any
    key: str
    store: DynamoAuditStore
    archive: S3AuditArchive
    trail: AuditTrail

    def search(self, plate: str, at: datetime, agency: str = "demo-pd") -> ChainEntry:
        return self.trail.record(
            AuditEvent(
                event_name="SearchReads",
                event_time=at,
                principal_arn="arn:aws:iam::123456789012:user/ofc.diaz",
                username="ofc.diaz",
                agency=agency,
                role="officer",
                access_key_id=None,
                source_ip="10.0.0.1",
                user_agent="test",
                request_id=f"req-{plate}",
                request_parameters={"plate": plate, "purpose": "Stolen vehicle report", "caseNumber": "DPD-1"},
                outcome="Success",
                result_count=1,
            )
        )

    def digest(self, now: datetime = DIGEST_AT) -> None:
        result = create_digest(self.store, self.archive, KmsDigestSigner(self.kms, self.key), now)
        assert result.digest is not None and not result.problems

    def verify(self) -> TrailReport:
        return verify_trail(self.store, self.archive, KmsSignatureVerifier(self.kms), self.key)

    def kinds(self) -> set[str]:
        return {p.kind for report in self.verify().chains for p in report.problems}

    def chain(self, agency: str = "demo-pd") -> str:
        (chain,) = {c for c in self.store.chains() if c.startswith(f"{agency}/")}
        return chain

    def records(self, chain: str) -> list[dict[str, Any]]:
        return [e.record() for e in self.store.entries(chain)]

    # -- the intruder ---------------------------------------------------------------------------------
    def write_chain(
        self, chain: str, records: list[dict[str, Any]], start: int = 1, previous: str = GENESIS_HASH
    ) -> None:
        """Write `records` at start.. as a consistent chain (links and hashes recomputed), in DynamoDB and
        as fresh S3 copies: what a rewrite with the API role's rights can do."""
        for seq, record in enumerate(records, start=start):
            record = {**record, "chain": {**record["chain"], "sequence": seq, "previousHash": previous}}
            body = canonical_json(record)
            digest = record_hash(body)
            entry = ChainEntry(chain, seq, digest, previous, body)
            AuditItem(
                chain,
                format_seq(seq),
                event_hash=digest,
                previous_hash=previous,
                record=body,
                audit_agency=chain.split("/")[0],
                audit_position=entry.position,
            ).save()  # no condition: overwrite
            self.s3.put_object(Bucket=BUCKET, Key=archive_key(chain, seq, digest), Body=body.encode(),
                               ChecksumAlgorithm="SHA256")  # fmt: skip
            previous = digest

    def delete_items(self, chain: str, seqs: list[int]) -> None:
        for seq in seqs:
            AuditItem(chain, format_seq(seq)).delete()

    def hide_copies(self, chain: str, seqs: list[int]) -> None:
        """Delete markers over the S3 copies (Object Lock forbids deleting the versions themselves)."""
        for entry in [e for e in self.store.entries(chain) if e.seq in seqs]:
            self.s3.delete_object(Bucket=BUCKET, Key=archive_key(chain, entry.seq, entry.hash))


@pytest.fixture
def bare() -> Iterator[Trail]:
    """Six searches in demo-pd and one in other-pd; no digest yet."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**table_definition(schema.AUDIT, TABLE))
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(
            Bucket=BUCKET, ObjectLockEnabledForBucket=True, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        s3.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}},
            },
        )
        kms = boto3.client("kms", region_name=REGION)
        bind_tables({schema.AUDIT.logical_id: TABLE}, region=REGION, host=None)
        store, archive = DynamoAuditStore(), S3AuditArchive(s3, BUCKET)
        world = Trail(s3, kms, provision_digest_key(kms), store, archive, AuditTrail(store, archive))
        for i, plate in enumerate(["AAA111", "BBB222", "CCC333", "DDD444", "EEE555", "FFF666"]):
            world.search(plate, START + timedelta(minutes=i))
        world.search("ZZZ999", START, agency="other-pd")
        yield world


@pytest.fixture
def trail(bare: Trail) -> Trail:
    """The same, anchored by a signed digest an hour later."""
    bare.digest()
    return bare


def test_an_untouched_trail_passes(trail: Trail) -> None:
    # Given six searches in one agency, one in another, and a signed digest; then two more searches
    trail.search("GGG777", DIGEST_AT + timedelta(minutes=1))
    trail.search("HHH888", DIGEST_AT + timedelta(minutes=2))
    # When the trail is verified
    report = trail.verify()
    # Then it passes, anchored by the digest, with every record counted
    assert report.problems == []
    assert report.digests.digests == 1 and report.digests.latest is not None
    assert report.records == 9
    # And a second digest anchors the new heads and names the first
    trail.digest(DIGEST_AT + timedelta(hours=1))
    report = trail.verify()
    assert report.problems == [] and report.digests.digests == 2
    assert report.digests.latest is not None and report.digests.latest.heads[trail.chain()][0] == 8


def test_a_consistent_reorder_with_fresh_copies_fails(trail: Trail) -> None:
    # Given records 3 and 4 swapped, the chain relinked and hashed anew, fresh S3 copies written
    chain = trail.chain()
    records = trail.records(chain)
    records[2], records[3] = records[3], records[2]
    trail.write_chain(chain, records[2:], start=3, previous=_hash_at(trail, chain, 2))
    # Then verification fails: two S3 records for one position, and not what the digest anchored
    kinds = trail.kinds()
    assert "forked" in kinds and "rewritten" in kinds


def test_a_truncated_tail_hidden_behind_delete_markers_fails(trail: Trail) -> None:
    # Given the last two records deleted from DynamoDB and their S3 copies hidden behind delete markers
    chain = trail.chain()
    trail.hide_copies(chain, [5, 6])
    trail.delete_items(chain, [5, 6])
    # Then verification fails: the versions are still there, and the digest anchored six records
    kinds = trail.kinds()
    assert {"hidden", "truncated"} <= kinds


def test_a_whole_chain_rewrite_with_fresh_copies_fails(trail: Trail) -> None:
    # Given the chain rewritten from its genesis with one plate changed, every copy fresh
    chain = trail.chain()
    records = trail.records(chain)
    records[1] = {**records[1], "requestParameters": {**records[1]["requestParameters"], "plate": "XXX000"}}
    trail.write_chain(chain, records)
    # Then verification fails
    kinds = trail.kinds()
    assert "forked" in kinds and "rewritten" in kinds


def test_one_record_erased_and_the_rest_renumbered_fails(trail: Trail) -> None:
    # Given record 3 erased, 4..6 renumbered 3..5 and relinked, the old 6th item deleted
    chain = trail.chain()
    records = trail.records(chain)
    trail.write_chain(chain, records[3:], start=3, previous=_hash_at(trail, chain, 2))
    trail.delete_items(chain, [6])
    # Then verification fails: S3 still holds the erased record's position and the old tail
    kinds = trail.kinds()
    assert {"forked", "truncated"} <= kinds


def test_a_forged_append_dated_before_the_digest_fails(trail: Trail) -> None:
    # Given a record appended to the chain's tail, linked and archived, dated before the digest
    chain = trail.chain()
    forged = {**trail.records(chain)[-1], "eventID": "forged", "eventTime": "2026-03-02T08:30:00.000Z"}
    trail.write_chain(chain, [forged], start=7, previous=_hash_at(trail, chain, 6))
    # Then verification fails: the digest, made after that time, held the chain only to #6
    assert "unanchored" in trail.kinds()


def test_a_whole_chain_deleted_fails(trail: Trail) -> None:
    # Given every record of one agency's chain deleted from DynamoDB
    chain = trail.chain("other-pd")
    trail.delete_items(chain, [1])
    # Then verification fails: the digest names the chain and S3 still holds its copy
    report = trail.verify()
    (other,) = [r for r in report.chains if r.chain == chain]
    assert {p.kind for p in other.problems} == {"truncated"}
    assert any("digest 1 anchored 1 record(s)" in str(p) for p in other.problems)


def test_a_wiped_table_fails(trail: Trail) -> None:
    # Given every item of the audit table deleted
    for item in list(AuditItem.scan()):
        item.delete()
    # Then verification fails for every chain the digest names
    report = trail.verify()
    assert report.records == 0
    assert {r.chain.split("/")[0] for r in report.chains if r.problems} == {"demo-pd", "other-pd"}


def test_a_digest_signed_with_another_key_or_hidden_fails(trail: Trail) -> None:
    # Given a second digest signed with a key the intruder controls
    other_key = provision_digest_key(trail.kms)
    create_digest(trail.store, trail.archive, KmsDigestSigner(trail.kms, other_key), DIGEST_AT + timedelta(hours=1))
    # Then verification fails on it
    assert any("not the audit digest key" in p for p in trail.verify().digests.problems)
    # And hiding the first digest behind a delete marker is seen too
    trail.s3.delete_object(Bucket=BUCKET, Key=digest_key(1))
    assert any("delete marker" in p for p in trail.verify().digests.problems)


def test_a_digest_never_anchors_a_rewritten_chain(trail: Trail) -> None:
    # Given a chain rewritten after the first digest
    chain = trail.chain()
    records = trail.records(chain)
    records[4] = {**records[4], "requestParameters": {**records[4]["requestParameters"], "plate": "XXX000"}}
    trail.write_chain(chain, records[4:], start=5, previous=_hash_at(trail, chain, 4))
    # When the next digest is made
    result = create_digest(
        trail.store, trail.archive, KmsDigestSigner(trail.kms, trail.key), DIGEST_AT + timedelta(hours=1)
    )
    # Then it keeps the previous anchor for that chain and says why, and verification still fails
    assert result.digest is not None and result.problems
    assert result.digest.digest.heads[chain] == (6, _anchored(trail, chain))
    assert "rewritten" in trail.kinds()


def test_verify_cli_fails_on_a_wiped_table_and_says_when_nothing_is_anchored(
    trail: Trail, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from plateguard.commands.audit import run_verify

    args = argparse.Namespace(
        stack=None, table=TABLE, bucket=BUCKET, digest_key=trail.key, profile=None, region=REGION,
        json=False, agency=None, state_dir=tmp_path,
    )  # fmt: skip
    # Given an untouched, anchored trail: the CLI passes and says it is anchored
    assert run_verify(args) == 0
    assert "anchored by 1 signed digest(s)" in capsys.readouterr().out
    # Given the table wiped: the CLI fails (exit 1), never "passed"
    for item in list(AuditItem.scan()):
        item.delete()
    assert run_verify(args) == 1
    out, err = capsys.readouterr()
    assert "passed" not in out and "FAILED" in err
    # And with the digest key unknown, the signatures cannot pass
    assert run_verify(replace_ns(args, digest_key="")) == 1


def test_without_a_digest_verify_says_the_trail_is_not_anchored(
    bare: Trail, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from plateguard.commands.audit import run_verify

    # Given records and no digest yet (a fresh deployment before its first hour)
    args = argparse.Namespace(stack=None, table=TABLE, bucket=BUCKET, digest_key=bare.key, profile=None,
                              region=REGION, json=False, agency=None, state_dir=tmp_path)  # fmt: skip
    # When verified
    assert run_verify(args) == 0
    # Then the output says the trail is not anchored
    out = capsys.readouterr().out
    assert "NOT ANCHORED" in out and "not yet anchored by a signed digest" in out


def replace_ns(ns: argparse.Namespace, **changes: Any) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(ns), **changes})


def _hash_at(trail: Trail, chain: str, seq: int) -> str:
    return next(e.hash for e in trail.store.entries(chain) if e.seq == seq)


def _anchored(trail: Trail, chain: str) -> str:
    body = trail.archive.get(digest_key(1))
    assert body is not None
    return str(json.loads(json.loads(body)["digest"])["chains"][chain]["hash"])


def test_the_digest_command_signs_the_next_digest_and_verify_then_counts_it(
    trail: Trail, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from plateguard.commands.audit import run_digest, run_verify

    args = argparse.Namespace(stack=None, table=TABLE, bucket=BUCKET, digest_key=trail.key, profile=None,
                              region=REGION, json=False, agency=None, state_dir=tmp_path)  # fmt: skip
    # Given one more search after the first digest
    trail.search("GGG777", DIGEST_AT + timedelta(minutes=1))
    # When `plateguard audit digest` runs
    assert run_digest(args) == 0
    assert "audit digest 2: 2 chain(s), written" in capsys.readouterr().out
    # Then verify passes, anchored by both digests, the new head included
    assert run_verify(args) == 0
    assert "audit verify passed: 8 record(s) in 2 chain(s), anchored by 2 signed digest(s)" in capsys.readouterr().out
    report = trail.verify()
    assert report.digests.digests == 2 and report.digests.latest is not None
    assert report.digests.latest.heads[trail.chain()][0] == 7
