"""The tamper-evident audit trail: CloudTrail-style records, hash-chained per agency.

Each record carries its agency's sequence number and the hash of the previous record; its own hash
is SHA-256 over its canonical JSON. The DynamoDB copy is claimed with a conditional put on the next
sequence number, so two writers can never both append record N (the loser re-reads the head and
retries); the same bytes then go to the S3 audit bucket under Object Lock (compliance mode) as
`{agency}/{seq}-{hash}.json`. Any failure raises AuditUnavailable: the request fails closed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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


class ChainWriter(Protocol):
    def head(self, chain: str) -> ChainEntry | None: ...
    def append(self, entry: ChainEntry) -> None: ...  # raises AuditChainConflict if seq is taken


class AuditStore(ChainWriter, Protocol):
    """The queryable DynamoDB copy."""

    def entries(self, chain: str, newest_first: bool = False, after_seq: int | None = None) -> Iterator[ChainEntry]: ...
    def chains(self) -> list[str]: ...


class ArchiveWriter(Protocol):
    def put(self, key: str, body: str) -> None: ...


class AuditArchive(ArchiveWriter, Protocol):
    """The write-once S3 copy."""

    def keys(self, chain: str) -> Iterator[str]: ...
    def get(self, key: str) -> str | None: ...


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
        "chain": {"agency": chain, "sequence": seq, "previousHash": previous_hash},
    }


class AuditTrail:
    """Appends events to their agency's chain in DynamoDB and S3; fails closed."""

    def __init__(self, store: ChainWriter, archive: ArchiveWriter, max_attempts: int = 8) -> None:
        self._store = store
        self._archive = archive
        self._max_attempts = max_attempts

    def record(self, event: AuditEvent, chain: str | None = None) -> ChainEntry:
        """Append to the event's agency chain, or to `chain` (a granting agency recording a recipient's access)."""
        chain = chain or event.agency or UNREGISTERED_CHAIN
        try:
            entry = self._append(chain, event)
            self._archive.put(archive_key(chain, entry.seq, entry.hash), entry.body)
        except AuditUnavailable:
            raise
        except Exception as exc:
            _log.exception("audit write failed")
            raise AuditUnavailable("the audit trail is unavailable; the request was not served") from exc
        return entry

    def _append(self, chain: str, event: AuditEvent) -> ChainEntry:
        for attempt in range(self._max_attempts):
            head = self._store.head(chain)
            seq = 1 if head is None else head.seq + 1
            previous = GENESIS_HASH if head is None else head.hash
            body = canonical_json(build_record(event, chain, seq, previous))
            entry = ChainEntry(chain, seq, record_hash(body), previous, body)
            try:
                self._store.append(entry)
                return entry
            except AuditChainConflict:
                time.sleep(random.uniform(0, 0.01 * (2**attempt)))
        raise AuditUnavailable("the audit chain is too busy; the request was not served")


# -- verification ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int
    kind: str  # missing | altered | broken_link | archive_missing | archive_altered | truncated
    detail: str

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class ChainReport:
    chain: str
    records: int
    problems: list[ChainProblem]


def _parse_archive_key(chain: str, key: str) -> tuple[int, str] | None:
    name = key.removeprefix(f"{chain}/").removesuffix(".json")
    seq_text, _, digest = name.partition("-")
    if not seq_text.isdigit() or len(digest) != 64:
        return None
    return int(seq_text), digest


def verify_chain(chain: str, entries: Iterable[ChainEntry], archive: AuditArchive) -> ChainReport:
    """Walk one chain from its genesis: every record present, unaltered, linked, and archived in S3."""
    problems: list[ChainProblem] = []
    archived: dict[int, list[str]] = {}
    for key in archive.keys(chain):
        parsed = _parse_archive_key(chain, key)
        if parsed:
            archived.setdefault(parsed[0], []).append(parsed[1])

    expected_seq, previous_hash, count = 1, GENESIS_HASH, 0
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
        elif link.get("sequence") != entry.seq or link.get("agency") != chain:
            problems.append(ChainProblem(chain, entry.seq, "altered", "record names another chain position"))
        if link.get("previousHash") != previous_hash or entry.previous_hash != previous_hash:
            problems.append(
                ChainProblem(chain, entry.seq, "broken_link", "previousHash does not match the preceding record")
            )
        if entry.hash not in archived.get(entry.seq, []):
            problems.append(ChainProblem(chain, entry.seq, "archive_missing", "no S3 copy with this record's hash"))
        else:
            stored = archive.get(archive_key(chain, entry.seq, entry.hash))
            if stored is None or record_hash(stored) != entry.hash:
                problems.append(ChainProblem(chain, entry.seq, "archive_altered", "S3 copy does not match its hash"))
        previous_hash, expected_seq = entry.hash, entry.seq + 1

    # A WORM copy past the DynamoDB head that links onto it means records were deleted from the tail.
    for seq in sorted(s for s in archived if s >= expected_seq):
        for digest in archived[seq]:
            body = archive.get(archive_key(chain, seq, digest))
            if body and json.loads(body).get("chain", {}).get("previousHash") == previous_hash:
                problems.append(ChainProblem(chain, seq, "truncated", "S3 holds this record; DynamoDB does not"))
                break
        else:
            continue
        break
    problems.sort(key=lambda p: p.seq)
    return ChainReport(chain, count, problems)


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
    """Verify every chain (or the named ones), in name order."""
    return [verify_chain(chain, store.entries(chain), archive) for chain in sorted(chains or store.chains())]
