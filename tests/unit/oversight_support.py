"""In-memory fakes for the oversight logic tests: users, the audit chain, the archive, supervisors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from plateguard.logic.access import User, UserStatus
from plateguard.logic.audit_chain import AuditTrail, ChainEntry
from plateguard.models.errors import AuditChainConflict
from plateguard.models.routes import Role

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def user(name: str, role: Role = Role.OFFICER, agency: str = "demo-pd", **changes: Any) -> User:
    base = User(
        principal_arn=f"arn:aws:iam::123456789012:user/{agency}/{name}",
        agency=agency,
        username=name,
        role=role,
        status=UserStatus.ACTIVE,
        training_completed_at=T0 - timedelta(days=30),
        approved_by="sgt.chen",
        created_at=T0 - timedelta(days=60),
        last_activity_at=T0,
    )
    return replace(base, **changes)


class MemoryUsers:
    def __init__(self, *users: User) -> None:
        self.by_arn = {u.principal_arn: u for u in users}

    def get(self, principal_arn: str) -> User | None:
        return self.by_arn.get(principal_arn)

    def list_agency(self, agency: str) -> list[User]:
        return [u for u in self.by_arn.values() if u.agency == agency]

    def put(self, user: User) -> None:
        self.by_arn[user.principal_arn] = user

    def record_activity(self, principal_arn: str, when: datetime) -> None:
        self.by_arn[principal_arn] = replace(self.by_arn[principal_arn], last_activity_at=when)

    def named(self, username: str) -> User:
        return next(u for u in self.by_arn.values() if u.username == username)


class MemoryChain:
    def __init__(self) -> None:
        self.chains: dict[str, list[ChainEntry]] = {}

    def head(self, chain: str) -> ChainEntry | None:
        entries = self.chains.get(chain, [])
        return entries[-1] if entries else None

    def append(self, entry: ChainEntry) -> None:
        entries = self.chains.setdefault(entry.chain, [])
        if entries and entries[-1].seq >= entry.seq:
            raise AuditChainConflict("taken")
        entries.append(entry)

    def entries(self, chain: str, newest_first: bool = False, after_seq: int | None = None) -> Iterator[ChainEntry]:
        entries = list(self.chains.get(chain, []))
        if newest_first:
            entries.reverse()
        for entry in entries:
            if after_seq is None or (entry.seq < after_seq if newest_first else entry.seq > after_seq):
                yield entry

    def records(self, chain: str = "demo-pd", event_name: str | None = None) -> list[dict[str, Any]]:
        found = [e.record() for e in self.chains.get(chain, [])]
        return [r for r in found if event_name is None or r["eventName"] == event_name]


class MemoryArchive:
    def __init__(self) -> None:
        self.objects: dict[str, str] = {}

    def put(self, key: str, body: str) -> None:
        self.objects[key] = body


@dataclass
class RecordingNotifier:
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def notify(self, agency: str, subject: str, details: dict[str, Any]) -> None:
        self.sent.append((agency, subject, details))


def trail() -> tuple[AuditTrail, MemoryChain]:
    chain = MemoryChain()
    return AuditTrail(chain, MemoryArchive()), chain
