"""The tamper-evident audit trail: CloudTrail-style records in hash chains, one chain per writer.

Each writer (an API or jobs Lambda container, a local-mode process) appends to chains of its own,
`{agency}/{writer}`: each record carries its chain's sequence number and the hash of the previous
record; its own hash is SHA-256 over its canonical JSON. Only one writer ever appends to a chain, so
concurrent requests never compete for a sequence number (docs/audit.md says why this design). The
DynamoDB copy is still a conditional put on the next sequence number (a position can never be taken
twice); the same bytes then go to the S3 audit bucket under Object Lock (compliance mode) as
`{chain}/{seq}-{hash}.json`. Any failure raises AuditUnavailable: the request fails closed. Readers
see an agency's records across its chains in time order (`AuditStore.entries(agency)`); the signed
digests (logic/audit_digest.py) anchor every chain's head.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from plateguard.models.errors import AuditChainConflict, AuditUnavailable

GENESIS_HASH = "0" * 64
SEQ_DIGITS = 20
# Denials of principals that are not in the registry have no agency: they get a chain of their own.
UNREGISTERED_CHAIN = "_unregistered"
EVENT_VERSION = "1.0"
EVENT_SOURCE = "plateguard.api"

_log = logging.getLogger(__name__)


def format_seq(seq: int) -> str:
    return f"{seq:0{SEQ_DIGITS}d}"


def canonical_json(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def archive_key(chain: str, seq: int, digest: str) -> str:
    return f"{chain}/{format_seq(seq)}-{digest}.json"


CHAIN_SEPARATOR = "/"


def new_writer_id() -> str:
    """Creation second (hex) then 32 random bits: unique, and a newer writer's chains sort after an older one's."""
    return f"{int(time.time()):08x}{secrets.token_hex(4)}"


def chain_id(agency: str, writer: str) -> str:
    return f"{agency}{CHAIN_SEPARATOR}{writer}"


def chain_agency(chain: str) -> str:
    """The agency a chain belongs to (a chain written before per-writer chains is named after its agency)."""
    return chain.split(CHAIN_SEPARATOR, 1)[0]


def is_chain_id(name: str) -> bool:
    """`{agency}/{writer}` names one chain; a bare agency names all of that agency's chains."""
    return CHAIN_SEPARATOR in name


@dataclass(frozen=True)
class ChainEntry:
    """One stored link: the DynamoDB item (or S3 object) as the verifier sees it."""

    chain: str
    seq: int
    hash: str
    previous_hash: str
    body: str  # canonical JSON whose SHA-256 is `hash`

    def record(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    @property
    def position(self) -> str:
        """Where the record sits in its agency's time order: eventTime, then chain and sequence (unique)."""
        try:
            when = str(self.record().get("eventTime") or "")
        except ValueError:
            when = ""
        return f"{when}#{self.chain}#{format_seq(self.seq)}"


class ChainWriter(Protocol):
    def head(self, chain: str) -> ChainEntry | None: ...
    def append(self, entry: ChainEntry) -> None: ...  # raises AuditChainConflict if seq is taken


class AuditStore(ChainWriter, Protocol):
    """The queryable DynamoDB copy.

    `entries(chain)` with a chain id (`{agency}/{writer}`) walks that chain in sequence order, from
    after `after_seq`; with a bare agency it yields every chain of that agency merged in time order
    (`ChainEntry.position`), from after the position `after`.
    """

    def entries(
        self, chain: str, newest_first: bool = False, after_seq: int | None = None, after: str | None = None
    ) -> Iterator[ChainEntry]: ...
    def chains(self) -> list[str]: ...


class ArchiveWriter(Protocol):
    def put(self, key: str, body: str) -> None: ...


@dataclass(frozen=True)
class ArchivedVersion:
    """One version of one S3 object (or a delete marker) as list_object_versions reports it."""

    key: str
    version_id: str | None
    delete_marker: bool = False
    last_modified: datetime | None = None


class AuditArchive(ArchiveWriter, Protocol):
    """The write-once S3 copy: every version stays readable (Object Lock, compliance mode), so the
    verifier walks versions and delete markers, not just what a plain listing shows."""

    def keys(self, chain: str) -> Iterator[str]: ...
    def versions(self, prefix: str) -> Iterator[ArchivedVersion]: ...
    def get(self, key: str, version_id: str | None = None) -> str | None: ...


@dataclass(frozen=True)
class AuditEvent:
    """What happened, before it is placed in a chain."""

    event_name: str
    event_time: datetime
    principal_arn: str | None
    username: str | None
    agency: str | None
    role: str | None
    access_key_id: str | None
    source_ip: str | None
    user_agent: str | None
    request_id: str | None
    request_parameters: dict[str, Any]
    outcome: str  # Success | Denied | Failed
    error_code: str | None = None
    error_message: str | None = None
    result_count: int | None = None
    read_only: bool = True
    # What the action adds to responseElements beside the count (e.g. the id of a hold it placed).
    response_elements: dict[str, Any] | None = None
    # The caller's role-session ARN as AWS sent it, when it differs from principal_arn.
    session_arn: str | None = None


def _response_elements(event: AuditEvent) -> dict[str, Any] | None:
    if event.result_count is None and not event.response_elements:
        return None
    elements: dict[str, Any] = {} if event.result_count is None else {"resultCount": event.result_count}
    return {**elements, **(event.response_elements or {})}


def _user_identity(event: AuditEvent) -> dict[str, Any]:
    identity = {
        "type": "IAMPrincipal",
        "principalArn": event.principal_arn,
        "accessKeyId": event.access_key_id,
        "userName": event.username,
        "agency": event.agency,
        "role": event.role,
    }
    if event.session_arn:
        identity["sessionArn"] = event.session_arn
    return identity


def build_record(event: AuditEvent, chain: str, seq: int, previous_hash: str) -> dict[str, Any]:
    """The CloudTrail-style record (field names follow CloudTrail's where one exists)."""
    link: dict[str, Any] = {"agency": chain_agency(chain), "sequence": seq, "previousHash": previous_hash}
    if is_chain_id(chain):
        link["writer"] = chain.split(CHAIN_SEPARATOR, 1)[1]
    return {
        "eventVersion": EVENT_VERSION,
        "eventID": str(uuid.uuid4()),
        "eventTime": event.event_time.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventSource": EVENT_SOURCE,
        "eventName": event.event_name,
        "userIdentity": _user_identity(event),
        "sourceIPAddress": event.source_ip,
        "userAgent": event.user_agent,
        "requestID": event.request_id,
        "requestParameters": event.request_parameters,
        "readOnly": event.read_only,
        "outcome": event.outcome,
        "errorCode": event.error_code,
        "errorMessage": event.error_message,
        "responseElements": _response_elements(event),
        "chain": link,
    }


class AuditTrail:
    """Appends events to this writer's chain of their agency in DynamoDB and S3; fails closed.

    One instance is one writer (a Lambda container serves one request at a time; local mode's threads
    share the instance and take turns on its lock), so appends never race another writer for a position.
    """

    def __init__(
        self, store: ChainWriter, archive: ArchiveWriter, max_attempts: int = 8, writer: str | None = None
    ) -> None:
        self._store = store
        self._archive = archive
        self._max_attempts = max_attempts
        self._writer = writer or new_writer_id()
        self._chains: dict[str, str] = {}  # agency -> the chain this writer appends to
        self._heads: dict[str, ChainEntry | None] = {}  # chain -> its last record, as this writer wrote it
        self._lock = threading.Lock()

    @property
    def writer(self) -> str:
        return self._writer

    def record(self, event: AuditEvent, chain: str | None = None) -> ChainEntry:
        """Append to the event's agency (or to agency `chain`: a granting agency recording a recipient's
        access) in this writer's chain of that agency."""
        agency = chain or event.agency or UNREGISTERED_CHAIN
        try:
            with self._lock:
                entry = self._append(agency, event)
            self._archive.put(archive_key(entry.chain, entry.seq, entry.hash), entry.body)
        except AuditUnavailable:
            raise
        except Exception as exc:
            _log.exception("audit write failed")
            raise AuditUnavailable("the audit trail is unavailable; the request was not served") from exc
        return entry

    def _chain(self, agency: str) -> str:
        chain = self._chains.get(agency)
        if chain is None:
            chain = self._chains[agency] = chain_id(agency, self._writer)
            self._heads[chain] = self._store.head(chain)  # once per chain: a writer id given twice continues
        return chain

    def _append(self, agency: str, event: AuditEvent) -> ChainEntry:
        for _attempt in range(self._max_attempts):
            chain = self._chain(agency)
            head = self._heads[chain]
            seq = 1 if head is None else head.seq + 1
            previous = GENESIS_HASH if head is None else head.hash
            body = canonical_json(build_record(event, chain, seq, previous))
            entry = ChainEntry(chain, seq, record_hash(body), previous, body)
            try:
                self._store.append(entry)
            except AuditChainConflict:
                # Nobody else appends to this writer's chain: a taken position means a writer id was
                # reused or the chain was written from outside. Never wait on it: continue in a fresh
                # chain (verification and the digests see both).
                _log.error("audit chain %s position %d already taken; continuing in a new chain", chain, seq)
                self._chains[agency] = fresh = chain_id(agency, new_writer_id())
                self._heads[fresh] = None
                continue
            self._heads[chain] = entry
            return entry
        raise AuditUnavailable("the audit trail could not claim a chain position; the request was not served")


# -- verification ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int
    # missing | altered | broken_link | archive_missing | archive_altered | truncated | forked | hidden |
    # rewritten | unanchored
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class ChainReport:
    chain: str
    records: int
    problems: list[ChainProblem]
    head: ChainEntry | None = None


@dataclass(frozen=True)
class ChainAnchor:
    """What a signed digest says of a chain: its head at `at`."""

    seq: int
    hash: str
    at: datetime
    digest: int  # the digest's sequence number


# A record is written within the API's timeout of its eventTime; one dated this long before a digest
# that does not hold it was not there when the digest was made.
ANCHOR_SLACK_SECONDS = 300


def parse_archive_key(key: str) -> tuple[str, int, str] | None:
    """(chain, seq, hash) of a record's S3 key `{chain}/{seq:020d}-{hash}.json`, else None."""
    chain, _, name = key.rpartition("/")
    seq_text, _, digest = name.removesuffix(".json").partition("-")
    if not chain or not name.endswith(".json") or len(seq_text) != SEQ_DIGITS or not seq_text.isdigit():
        return None
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return None
    return chain, int(seq_text), digest


def _parse_archive_key(chain: str, key: str) -> tuple[int, str] | None:
    parsed = parse_archive_key(key)
    return (parsed[1], parsed[2]) if parsed and parsed[0] == chain else None


@dataclass
class _Archived:
    """One chain's S3 copies: sequence -> hash -> versions, and the keys hidden behind delete markers."""

    by_seq: dict[int, dict[str, list[ArchivedVersion]]] = field(default_factory=dict)
    hidden: dict[int, int] = field(default_factory=dict)  # seq -> delete markers on its keys


def _archived(chain: str, versions: Iterable[ArchivedVersion]) -> _Archived:
    found = _Archived()
    for version in versions:
        parsed = _parse_archive_key(chain, version.key)
        if parsed is None:
            continue
        seq, digest = parsed
        if version.delete_marker:
            found.hidden[seq] = found.hidden.get(seq, 0) + 1
        else:
            found.by_seq.setdefault(seq, {}).setdefault(digest, []).append(version)
    return found


def _archive_problems(chain: str, archive: AuditArchive, copies: _Archived) -> list[ChainProblem]:
    """What the S3 copies show on their own: two records for one position, copies hidden or altered."""
    problems: list[ChainProblem] = []
    for seq, by_hash in sorted(copies.by_seq.items()):
        if len(by_hash) > 1:
            problems.append(
                ChainProblem(chain, seq, "forked", f"S3 holds {len(by_hash)} different records for this position")
            )
        for digest, versions in by_hash.items():
            for version in versions:
                stored = archive.get(archive_key(chain, seq, digest), version.version_id)
                if stored is None or record_hash(stored) != digest:
                    problems.append(ChainProblem(chain, seq, "archive_altered", "S3 copy does not match its hash"))
    for seq, markers in sorted(copies.hidden.items()):
        problems.append(ChainProblem(chain, seq, "hidden", f"{markers} S3 delete marker(s) over this record's copy"))
    return problems


def verify_chain(
    chain: str,
    entries: Iterable[ChainEntry],
    archive: AuditArchive,
    *,
    anchor: ChainAnchor | None = None,
    anchored_at: datetime | None = None,
    versions: Iterable[ArchivedVersion] | None = None,
) -> ChainReport:
    """Walk one chain from its genesis: every record present, unaltered, linked, and archived in S3;
    every S3 version accounted for; and, given the latest digest's `anchor` for the chain (or only the
    digest's time `anchored_at` for a chain it does not name), the anchored head still there."""
    copies = _archived(chain, archive.versions(f"{chain}/") if versions is None else versions)
    problems = _archive_problems(chain, archive, copies)
    agency, _, writer = chain.partition(CHAIN_SEPARATOR)

    expected_seq, previous_hash, count = 1, GENESIS_HASH, 0
    head: ChainEntry | None = None
    for entry in entries:
        count += 1
        while expected_seq < entry.seq:
            problems.append(ChainProblem(chain, expected_seq, "missing", "record absent from DynamoDB"))
            expected_seq += 1
        body_hash = record_hash(entry.body)
        try:
            record = entry.record()
            link = record.get("chain", {})
        except ValueError:
            record, link = {}, {}
        if body_hash != entry.hash:
            problems.append(ChainProblem(chain, entry.seq, "altered", "record content does not match its hash"))
        elif link.get("sequence") != entry.seq or link.get("agency") != agency or link.get("writer", "") != writer:
            problems.append(ChainProblem(chain, entry.seq, "altered", "record names another chain position"))
        if link.get("previousHash") != previous_hash or entry.previous_hash != previous_hash:
            problems.append(
                ChainProblem(chain, entry.seq, "broken_link", "previousHash does not match the preceding record")
            )
        if entry.hash not in copies.by_seq.get(entry.seq, {}):
            problems.append(ChainProblem(chain, entry.seq, "archive_missing", "no S3 copy with this record's hash"))
        if anchor is not None and entry.seq == anchor.seq and entry.hash != anchor.hash:
            problems.append(
                ChainProblem(chain, entry.seq, "rewritten", f"digest {anchor.digest} anchored another record here")
            )
        cutoff = anchor.at if anchor is not None else anchored_at
        beyond = anchor is None or entry.seq > anchor.seq
        when = event_time_of(entry)
        if (
            cutoff is not None
            and beyond
            and when is not None
            and (cutoff - when).total_seconds() > ANCHOR_SLACK_SECONDS
        ):
            held = f"to #{anchor.seq}" if anchor is not None else "not at all"
            problems.append(
                ChainProblem(
                    chain,
                    entry.seq,
                    "unanchored",
                    f"dated {when.isoformat()}, before a digest that holds this chain {held}",
                )
            )
        previous_hash, expected_seq, head = entry.hash, entry.seq + 1, entry

    # Any S3 copy past the DynamoDB head means records were deleted from the tail.
    for seq in sorted(s for s in copies.by_seq if s >= expected_seq):
        problems.append(ChainProblem(chain, seq, "truncated", "S3 holds this record; DynamoDB does not"))
    if anchor is not None and (head is None or head.seq < anchor.seq):
        kept = 0 if head is None else head.seq
        problems.append(
            ChainProblem(
                chain,
                anchor.seq,
                "truncated",
                f"digest {anchor.digest} anchored {anchor.seq} record(s); DynamoDB holds {kept}",
            )
        )
    problems.sort(key=lambda p: p.seq)
    return ChainReport(chain, count, problems, head)


# -- auditor queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    since: datetime
    until: datetime
    username: str | None = None
    plate: str | None = None
    case_number: str | None = None
    agency: str | None = None  # the caller's agency (userIdentity.agency): a recipient of shared data


def record_matches(record: dict[str, Any], wanted: AuditFilter) -> bool:
    try:
        when = datetime.fromisoformat(str(record["eventTime"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return False
    if not wanted.since <= when < wanted.until:
        return False
    params = record.get("requestParameters") or {}
    identity = record.get("userIdentity") or {}
    if wanted.username and wanted.username not in (identity.get("userName"), identity.get("principalArn")):
        return False
    if wanted.agency and identity.get("agency") != wanted.agency:
        return False
    if wanted.plate and str(params.get("plate", "")).upper() != wanted.plate.upper():
        return False
    return not (wanted.case_number and params.get("caseNumber") != wanted.case_number)


def event_time_of(entry: ChainEntry) -> datetime | None:
    try:
        return datetime.fromisoformat(str(entry.record()["eventTime"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def verify_all(store: AuditStore, archive: AuditArchive, chains: list[str] | None = None) -> list[ChainReport]:
    """Verify every chain (or the named ones, or every chain of the named agencies), in name order.

    The chains come from DynamoDB and from the S3 copies; logic/audit_digest.verify_trail also takes
    them from the latest signed digest, which neither can hide a chain from.
    """
    known = set(store.chains()) | archived_chains(archive)
    if chains:
        known = {c for c in known if c in chains or chain_agency(c) in chains} | {c for c in chains if is_chain_id(c)}
    return [verify_chain(chain, store.entries(chain), archive) for chain in sorted(known)]


def archived_chains(archive: AuditArchive, prefix: str = "") -> set[str]:
    """Every chain with a record version (or a delete marker) in S3."""
    return {parsed[0] for v in archive.versions(prefix) if (parsed := parse_archive_key(v.key))}
