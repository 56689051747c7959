"""Signed digests that anchor the audit trail, in CloudTrail's manner (docs/audit.md).

Every hour (and on demand) the digest job names every chain's head (sequence number and hash), the
time, and the previous digest's hash, signs that with an asymmetric KMS key that only the digest
job's role may sign with, and writes it once to the Object Lock bucket as `digests/{n:020d}.json`.
Before naming a head it checks that the chain still holds the head the previous digest named and that
every record since links onto it; a chain that does not keeps its previous anchor and the digest lists
the problem, so a rewrite is never blessed. `verify_trail` checks the digests (signature, key,
continuity, versions) and then every chain against the latest digest's heads.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from plateguard import schema
from plateguard.logic.audit_chain import (
    ANCHOR_SLACK_SECONDS,
    GENESIS_HASH,
    SEQ_DIGITS,
    UNREGISTERED_CHAIN,
    ArchivedVersion,
    AuditArchive,
    AuditStore,
    ChainAnchor,
    ChainEntry,
    ChainReport,
    archived_chains,
    canonical_json,
    chain_agency,
    format_seq,
    record_hash,
    verify_chain,
)

DIGEST_PREFIX = schema.AUDIT_DIGEST_PREFIX
DIGEST_VERSION = "1.0"
SIGNED_MESSAGE_PREFIX = "plateguard-audit-digest:"

_log = logging.getLogger(__name__)


def digest_key(sequence: int) -> str:
    return f"{DIGEST_PREFIX}{format_seq(sequence)}.json"


def signed_message(body: str) -> bytes:
    """What is signed: the body's SHA-256 (a RAW KMS message is at most 4 KiB; a digest may be larger)."""
    return f"{SIGNED_MESSAGE_PREFIX}{record_hash(body)}".encode()


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Digest:
    sequence: int
    time: datetime
    previous_hash: str  # SHA-256 of the previous digest's body, GENESIS_HASH for the first
    heads: dict[str, tuple[int, str]]  # chain -> (sequence, hash) of its head
    problems: tuple[str, ...] = ()  # chains that kept their previous anchor, and why

    def body(self) -> str:
        return canonical_json(
            {
                "digestVersion": DIGEST_VERSION,
                "digestSequence": self.sequence,
                "digestTime": _time(self.time),
                "previousDigestHash": self.previous_hash,
                "chains": {c: {"sequence": s, "hash": h} for c, (s, h) in sorted(self.heads.items())},
                "problems": list(self.problems),
            }
        )

    @classmethod
    def parse(cls, body: str) -> Digest:
        data = json.loads(body)
        return cls(
            sequence=int(data["digestSequence"]),
            time=datetime.fromisoformat(str(data["digestTime"]).replace("Z", "+00:00")),
            previous_hash=str(data["previousDigestHash"]),
            heads={str(c): (int(h["sequence"]), str(h["hash"])) for c, h in dict(data["chains"]).items()},
            problems=tuple(str(p) for p in data.get("problems", [])),
        )


@dataclass(frozen=True)
class SignedDigest:
    digest: Digest
    body: str
    key_id: str
    algorithm: str
    signature: bytes

    @property
    def hash(self) -> str:
        return record_hash(self.body)

    def to_object(self) -> str:
        return json.dumps(
            {
                "digest": self.body,
                "keyId": self.key_id,
                "signingAlgorithm": self.algorithm,
                "signature": base64.b64encode(self.signature).decode("ascii"),
            },
            indent=2,
        )

    @classmethod
    def from_object(cls, text: str) -> SignedDigest:
        data = json.loads(text)
        body = str(data["digest"])
        return cls(
            Digest.parse(body),
            body,
            str(data["keyId"]),
            str(data["signingAlgorithm"]),
            base64.b64decode(str(data["signature"]), validate=True),
        )


class DigestSigner(Protocol):
    key_id: str
    algorithm: str

    def sign(self, message: bytes) -> tuple[str, bytes]: ...  # (key ARN, signature)


class SignatureVerifier(Protocol):
    def verify(self, key_id: str, message: bytes, signature: bytes, algorithm: str) -> bool: ...


class DigestArchive(AuditArchive, Protocol):
    def put_new(self, key: str, body: str) -> bool: ...  # False when the key already exists


class ActiveChains(Protocol):
    def active_chains(self, agency: str, since: str) -> set[str]: ...


# -- the digest job ------------------------------------------------------------------------------------


def latest_digest(archive: DigestArchive) -> SignedDigest | None:
    """The newest digest as stored (its key's newest version). The job chains onto it; verify_trail checks it."""
    newest: tuple[int, str] | None = None
    for version in archive.versions(DIGEST_PREFIX):
        sequence = _digest_sequence(version.key)
        if sequence is not None and not version.delete_marker and (newest is None or sequence > newest[0]):
            newest = (sequence, version.key)
    if newest is None:
        return None
    text = archive.get(newest[1])
    return SignedDigest.from_object(text) if text is not None else None


def _digest_sequence(key: str) -> int | None:
    name = key.removeprefix(DIGEST_PREFIX).removesuffix(".json")
    return int(name) if key.startswith(DIGEST_PREFIX) and len(name) == SEQ_DIGITS and name.isdigit() else None


def _walk_from(store: AuditStore, chain: str, anchor: tuple[int, str] | None) -> tuple[tuple[int, str] | None, str]:
    """The chain's new head if every record after the anchor links onto it, else (None, why)."""
    after = None if anchor is None else anchor[0] - 1
    expected_seq, previous, head = 1, GENESIS_HASH, None
    if anchor is not None:
        expected_seq = anchor[0]
    entries: Iterator[ChainEntry] = store.entries(chain, after_seq=after)
    for entry in entries:
        if entry.seq != expected_seq:
            return None, f"{chain}: #{expected_seq} is missing"
        if record_hash(entry.body) != entry.hash:
            return None, f"{chain} #{entry.seq}: content does not match its hash"
        if anchor is not None and entry.seq == anchor[0]:
            if entry.hash != anchor[1]:
                return None, f"{chain} #{entry.seq}: not the record the previous digest anchored"
        elif entry.previous_hash != previous:
            return None, f"{chain} #{entry.seq}: does not link onto #{entry.seq - 1}"
        previous, expected_seq, head = entry.hash, entry.seq + 1, (entry.seq, entry.hash)
    if anchor is not None and head is None:
        return None, f"{chain}: the anchored head #{anchor[0]} is gone"
    return head, ""


@dataclass(frozen=True)
class DigestResult:
    digest: SignedDigest | None  # None: another run wrote this sequence number first
    key: str
    problems: tuple[str, ...]


def create_digest(
    store: AuditStore,
    archive: DigestArchive,
    signer: DigestSigner,
    now: datetime,
    agencies: Iterable[str] | None = None,
) -> DigestResult:
    """Anchor every chain's head in a new signed digest. `agencies`: whose new chains to look for since the
    previous digest (from the time index); without them, or for a first digest, every chain is scanned."""
    previous = latest_digest(archive)
    anchors = dict(previous.digest.heads) if previous else {}
    chains = set(anchors)
    if previous is None or agencies is None or not hasattr(store, "active_chains"):
        chains |= set(store.chains())
    else:
        since = _time(previous.digest.time - timedelta(seconds=ANCHOR_SLACK_SECONDS))
        finder: ActiveChains = store  # type: ignore[assignment]
        for agency in {*agencies, UNREGISTERED_CHAIN}:
            chains |= finder.active_chains(agency, since)
    heads: dict[str, tuple[int, str]] = {}
    problems: list[str] = []
    for chain in sorted(chains):
        head, why = _walk_from(store, chain, anchors.get(chain))
        if head is not None:
            heads[chain] = head
        elif why:
            problems.append(why)
            heads[chain] = anchors.get(chain, (0, GENESIS_HASH))
    for why in problems:
        _log.error("audit digest: chain kept its previous anchor: %s", why)
    digest = Digest(
        sequence=(previous.digest.sequence + 1) if previous else 1,
        time=now,
        previous_hash=previous.hash if previous else GENESIS_HASH,
        heads=heads,
        problems=tuple(problems),
    )
    body = digest.body()
    key_arn, signature = signer.sign(signed_message(body))
    signed = SignedDigest(digest, body, key_arn, signer.algorithm, signature)
    key = digest_key(digest.sequence)
    written = archive.put_new(key, signed.to_object())
    return DigestResult(signed if written else None, key, tuple(problems))


# -- verification ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestReport:
    digests: int
    latest: Digest | None
    problems: list[str] = field(default_factory=list)


def _same_key(expected: str, actual: str) -> bool:
    """A key ARN and its bare id (or alias-free ARN) name the same key."""
    return expected == actual or expected.rsplit("/", 1)[-1] == actual.rsplit("/", 1)[-1]


def verify_digests(archive: AuditArchive, verifier: SignatureVerifier, expected_key: str) -> DigestReport:
    """Every digest signed by the expected key, one per sequence number from 1, each naming its
    predecessor's hash; none hidden behind a delete marker; no head moving backwards."""
    problems: list[str] = []
    by_sequence: dict[int, list[ArchivedVersion]] = {}
    for version in archive.versions(DIGEST_PREFIX):
        sequence = _digest_sequence(version.key)
        if sequence is None:
            problems.append(f"{version.key}: not a digest name")
        elif version.delete_marker:
            problems.append(f"digest {sequence}: hidden behind an S3 delete marker")
        else:
            by_sequence.setdefault(sequence, []).append(version)
    previous: SignedDigest | None = None
    for sequence in range(1, max(by_sequence, default=0) + 1):
        versions = by_sequence.get(sequence, [])
        if not versions:
            problems.append(f"digest {sequence}: missing")
            previous = None
            continue
        bodies = {archive.get(v.key, v.version_id) for v in versions}
        if len(bodies) > 1:
            problems.append(f"digest {sequence}: {len(bodies)} different objects for one digest")
        text = next(iter(bodies))
        try:
            signed = SignedDigest.from_object(text or "")
        except (ValueError, KeyError, TypeError):
            problems.append(f"digest {sequence}: unreadable")
            previous = None
            continue
        current = signed.digest
        if current.sequence != sequence:
            problems.append(f"digest {sequence}: names itself {current.sequence}")
        if not _same_key(expected_key, signed.key_id):
            problems.append(f"digest {sequence}: signed with {signed.key_id}, not the audit digest key")
        elif not verifier.verify(expected_key, signed_message(signed.body), signed.signature, signed.algorithm):
            problems.append(f"digest {sequence}: signature does not verify")
        if sequence == 1 and current.previous_hash != GENESIS_HASH:
            problems.append("digest 1: names a predecessor")
        if previous is not None:
            if current.previous_hash != previous.hash:
                problems.append(f"digest {sequence}: does not name digest {sequence - 1}'s hash")
            if current.time < previous.digest.time:
                problems.append(f"digest {sequence}: dated before digest {sequence - 1}")
            for chain, (seq, _) in previous.digest.heads.items():
                if chain not in current.heads or current.heads[chain][0] < seq:
                    problems.append(f"digest {sequence}: {chain} moved back from #{seq}")
        for why in current.problems:
            problems.append(f"digest {sequence} reported: {why}")
        previous = signed
    latest = previous.digest if previous is not None else None
    if by_sequence and latest is None:
        # The newest digest did not read: fall back to the newest readable one, never to none.
        for sequence in sorted(by_sequence, reverse=True):
            version = by_sequence[sequence][0]
            try:
                latest = SignedDigest.from_object(archive.get(version.key, version.version_id) or "").digest
                break
            except (ValueError, KeyError, TypeError):
                continue
    return DigestReport(len(by_sequence), latest, problems)


@dataclass(frozen=True)
class TrailReport:
    digests: DigestReport
    chains: list[ChainReport]

    @property
    def problems(self) -> list[str]:
        return self.digests.problems + [str(p) for report in self.chains for p in report.problems]

    @property
    def records(self) -> int:
        return sum(r.records for r in self.chains)


def verify_trail(
    store: AuditStore,
    archive: AuditArchive,
    verifier: SignatureVerifier,
    expected_key: str,
    agencies: list[str] | None = None,
) -> TrailReport:
    """The digests first; then every chain that DynamoDB, S3 or the latest digest knows, checked against
    the latest digest's head for it (a chain it names must still reach that head, unaltered)."""
    digests = verify_digests(archive, verifier, expected_key)
    latest = digests.latest
    chains = set(store.chains()) | archived_chains(archive) | set(latest.heads if latest else ())
    if agencies:
        chains = {c for c in chains if chain_agency(c) in agencies}
    reports: list[ChainReport] = []
    for chain in sorted(chains):
        anchor = None
        if latest is not None and chain in latest.heads and latest.heads[chain][0] > 0:
            seq, digest_hash = latest.heads[chain]
            anchor = ChainAnchor(seq, digest_hash, latest.time, latest.sequence)
        reports.append(
            verify_chain(
                chain,
                store.entries(chain),
                archive,
                anchor=anchor,
                anchored_at=latest.time if latest is not None else None,
            )
        )
    return TrailReport(digests, reports)


def describe(report: TrailReport) -> dict[str, Any]:
    latest = report.digests.latest
    return {
        "ok": not report.problems,
        "anchored": latest is not None,
        "digests": report.digests.digests,
        "latestDigest": None if latest is None else {"sequence": latest.sequence, "time": _time(latest.time)},
        "digestProblems": report.digests.problems,
        "chains": [
            {"chain": r.chain, "records": r.records, "problems": [str(p) for p in r.problems]} for r in report.chains
        ],
    }
