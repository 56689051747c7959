"""In-memory fakes for the oversight logic (users, the audit chain and its archive, supervisors' notices,
reviews) and the seeded searches the sampling and misuse tests share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from plateguard.logic.access import User, UserStatus
from plateguard.logic.audit_chain import AuditTrail, ChainEntry, chain_agency, is_chain_id
from plateguard.models.errors import AuditChainConflict
from plateguard.models.routes import Role

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def user(name: str, role: Role = Role.OFFICER, agency: str = "demo-pd", **changes: Any) -> User:
    base = User(
        principal_arn=f"arn:aws:iam::123456789012:user/{name}",
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
        self.by_chain: dict[str, list[ChainEntry]] = {}

    def head(self, chain: str) -> ChainEntry | None:
        entries = self.by_chain.get(chain, [])
        return entries[-1] if entries else None

    def append(self, entry: ChainEntry) -> None:
        entries = self.by_chain.setdefault(entry.chain, [])
        if entries and entries[-1].seq >= entry.seq:
            raise AuditChainConflict("taken")
        entries.append(entry)

    def entries(
        self, chain: str, newest_first: bool = False, after_seq: int | None = None, after: str | None = None
    ) -> Iterator[ChainEntry]:
        if not is_chain_id(chain):  # an agency: all its writers' chains in time order, as DynamoDB's index
            merged = sorted(
                (e for name, found in self.by_chain.items() if chain_agency(name) == chain for e in found),
                key=lambda e: e.position,
                reverse=newest_first,
            )
            yield from (
                e for e in merged if after is None or (e.position < after if newest_first else e.position > after)
            )
            return
        entries = list(self.by_chain.get(chain, []))
        if newest_first:
            entries.reverse()
        for entry in entries:
            if after_seq is None or (entry.seq < after_seq if newest_first else entry.seq > after_seq):
                yield entry

    def chains(self) -> list[str]:
        return sorted(self.by_chain)

    def records(self, chain: str = "demo-pd", event_name: str | None = None) -> list[dict[str, Any]]:
        found = [e.record() for e in self.entries(chain)]
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


# -- seeded searches, recorded through the real AuditTrail so parsing sees what the API writes ---------

SPECIFIC_PURPOSES = (
    "Locate silver sedan seen leaving the burglary on Elm Street",
    "Witness saw this plate at the armed robbery of the Main Street pharmacy",
    "Vehicle registered to missing person last seen near Lakeview school",
    "Blue pickup reported in hit and run injuring cyclist on Route 9",
    "Stolen Honda reported by owner, confirm last camera location",
)
KNOWN_CASES = tuple(f"DPD-2026-{n:06d}" for n in range(1, 41))


def record_search(
    audit: AuditTrail,
    who: User,
    when: datetime,
    plate: str,
    purpose: str,
    case_number: str,
    offense_type: str = "robbery",
    **extra: Any,
) -> None:
    from plateguard.logic.audit_chain import AuditEvent

    audit.record(
        AuditEvent(
            event_name="SearchReads",
            event_time=when,
            principal_arn=who.principal_arn,
            username=who.username,
            agency=who.agency,
            role=who.role.value,
            access_key_id="AKIA-TEST",
            source_ip="10.0.0.1",
            user_agent="test",
            request_id=None,
            request_parameters={
                "plate": plate,
                "purpose": purpose,
                "caseNumber": case_number,
                "offenseType": offense_type,
                **extra,
            },
            outcome="Success",
            result_count=1,
        )
    )


def normal_searches(audit: AuditTrail, people: list[User], start: datetime, days: int, seed: int = 7) -> int:
    """Day-shift searches (08:00-16:59 UTC) with specific purposes, known cases, no plate more than twice."""
    import random

    rng = random.Random(seed)
    count = 0
    for day in range(days):
        for who in people:
            for _ in range(rng.randint(0, 2)):
                when = start + timedelta(days=day, hours=rng.randint(8, 16), minutes=rng.randint(0, 59))
                plate = (
                    f"{rng.randint(1, 9)}{''.join(rng.choices('ABCDEFGHJKLMNPRSTUVWXYZ', k=3))}{rng.randint(100, 999)}"
                )
                case = rng.choice(KNOWN_CASES)
                # Real purposes name the case's particulars, so the text differs from case to case.
                record_search(audit, who, when, plate, f"{rng.choice(SPECIFIC_PURPOSES)}, report {case}", case)
                count += 1
    return count


class KnownCases:
    def __init__(self, numbers: tuple[str, ...] = KNOWN_CASES) -> None:
        self.numbers = set(numbers)

    def known(self, agency: str, case_numbers: set[str]) -> set[str]:
        return case_numbers & self.numbers


class MemoryReviews:
    """plateguard.logic.sampling.ReviewStore in memory."""

    def __init__(self) -> None:
        self.batches: dict[tuple[str, str], Any] = {}
        self.items: dict[tuple[str, str], Any] = {}

    def create_batch(self, batch: Any, reviews: Any) -> bool:
        if (batch.agency, batch.batch_id) in self.batches:
            return False
        self.batches[(batch.agency, batch.batch_id)] = batch
        for review in reviews:
            self.items[(review.agency, review.review_id)] = review
        return True

    def get_batch(self, agency: str, batch_id: str) -> Any:
        return self.batches.get((agency, batch_id))

    def put_batch(self, batch: Any) -> None:
        self.batches[(batch.agency, batch.batch_id)] = batch

    def reviews(self, agency: str, batch_id: str | None = None) -> list[Any]:
        return sorted(
            (r for (a, _), r in self.items.items() if a == agency and batch_id in (None, r.batch_id)),
            key=lambda r: r.review_id,
        )

    def get_review(self, agency: str, review_id: str) -> Any:
        return self.items.get((agency, review_id))

    def put_review(self, review: Any) -> None:
        self.items[(review.agency, review.review_id)] = review
