"""Search-audit sampling with supervisor review and sign-off.

Each period (the policy's frequency) a job reads the period's searches from the agency's audit chain
and draws the sample: ALL cross-agency searches, ALL partial-plate searches and ALL searches a misuse
signal flagged (the mandatory strata), plus a random sample of the rest stratified by user, so every
searching user is looked at. The draw is reproducible: the seed (default: agency + period) is stored
with the batch. Each sampled search is assigned to a supervisor other than the searcher, who records
whether the stated purpose and case number justify it; the approver signs the batch off once every
item is decided; items still open at their deadline escalate. Every step is audited.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Literal, Protocol

from plateguard.logic.access import User, UserDirectory, UserStatus
from plateguard.logic.audit_chain import AuditStore, AuditTrail
from plateguard.logic.misuse import CaseRegistry, MisuseThresholds, Signal, detect_misuse, flagged_event_ids
from plateguard.logic.oversight import SearchEvent, SupervisorNotifier, job_event, load_search_events, person_event
from plateguard.models.errors import AccessDenied, Conflict, InvalidRequest, NotFound
from plateguard.models.routes import Role

SAMPLE_JOB = "sample-searches"
ESCALATE_JOB = "escalate-reviews"
Frequency = Literal["weekly", "monthly", "quarterly"]
# Earlier searches that teach the off-hours signal each user's usual hours.
HISTORY_WINDOW = timedelta(days=56)
MIN_UNJUSTIFIED_NOTE = 10


class Stratum(StrEnum):
    CROSS_AGENCY = "cross-agency"
    PARTIAL_PLATE = "partial-plate"
    FLAGGED = "flagged"
    RANDOM = "random"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    JUSTIFIED = "justified"
    UNJUSTIFIED = "unjustified"


@dataclass(frozen=True)
class SamplingPolicy:
    frequency: Frequency = "monthly"
    sample_size: int = 50  # random picks per period, on top of the mandatory strata
    min_per_user: int = 1  # every user who searched gets at least this many random picks
    review_days: int = 14  # from assignment to the escalation deadline
    reviewer_roles: tuple[Role, ...] = (Role.SUPERVISOR,)
    approver_roles: tuple[Role, ...] = (Role.SUPERVISOR, Role.ADMIN)

    @classmethod
    def from_policy(cls, policy: Any, review_days: int = 14) -> SamplingPolicy:
        """From `plateguard.policy.model.Policy.audit`; role names that are not API roles fall back."""

        def roles(name: str, fallback: tuple[Role, ...]) -> tuple[Role, ...]:
            return (Role(name),) if name in set(Role) else fallback

        audit = policy.audit
        return cls(
            frequency=audit.frequency,
            sample_size=audit.sample_size,
            review_days=review_days,
            reviewer_roles=roles(audit.auditor_role, (Role.SUPERVISOR,)),
            approver_roles=roles(audit.approver_role, (Role.SUPERVISOR, Role.ADMIN)),
        )


@dataclass(frozen=True)
class Review:
    agency: str
    batch_id: str
    item: int
    event_id: str
    event_seq: int
    event_hash: str
    searcher: str
    searcher_principal: str
    search: dict[str, Any]  # the terms as audited: plate, purpose, caseNumber, offenseType, ...
    strata: tuple[str, ...]
    signals: tuple[str, ...]
    assignee: str | None
    assigned_at: datetime
    due_at: datetime
    status: ReviewStatus = ReviewStatus.PENDING
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    notes: str | None = None
    escalated_at: datetime | None = None

    @property
    def review_id(self) -> str:
        return f"{self.batch_id}#{self.item:04d}"


@dataclass(frozen=True)
class Batch:
    agency: str
    batch_id: str
    period_start: datetime
    period_end: datetime
    seed: str
    created_at: datetime
    searches_in_period: int
    items: int
    strata_counts: dict[str, int]
    signals: list[dict[str, Any]]
    signed_off_by: str | None = None
    signed_off_at: datetime | None = None
    sign_off_note: str | None = None


class ReviewStore(Protocol):
    def create_batch(self, batch: Batch, reviews: Sequence[Review]) -> bool: ...  # False: already exists
    def get_batch(self, agency: str, batch_id: str) -> Batch | None: ...
    def put_batch(self, batch: Batch) -> None: ...
    def reviews(self, agency: str, batch_id: str | None = None) -> list[Review]: ...
    def get_review(self, agency: str, review_id: str) -> Review | None: ...
    def put_review(self, review: Review) -> None: ...


# -- the period and the draw ------------------------------------------------------------------------------


def last_complete_period(frequency: Frequency, now: datetime) -> tuple[str, datetime, datetime]:
    """(batch id, start, end) of the newest whole period before `now`, in UTC."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == "weekly":
        end = today - timedelta(days=today.weekday())  # this Monday
        start = end - timedelta(days=7)
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}", start, end
    if frequency == "monthly":
        end = today.replace(day=1)
        start = (end - timedelta(days=1)).replace(day=1)
        return f"{start:%Y-%m}", start, end
    quarter_month = 3 * ((today.month - 1) // 3) + 1
    end = today.replace(month=quarter_month, day=1)
    start = (end - timedelta(days=1)).replace(day=1)
    start = start.replace(month=3 * ((start.month - 1) // 3) + 1)
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}", start, end


def default_seed(agency: str, batch_id: str) -> str:
    return f"{agency}:{batch_id}"


def _allocate(sizes: dict[str, int], total: int, floor: int) -> dict[str, int]:
    """Random picks per user: `floor` each first (even past `total`: every searching user is looked at),
    the rest in proportion to each user's remaining searches, leftovers to those with the most left."""
    picks = {user: min(size, floor) for user, size in sizes.items()}
    left = total - sum(picks.values())
    room = {user: size - picks[user] for user, size in sizes.items() if size > picks[user]}
    pool = sum(room.values())
    if left <= 0 or pool == 0:
        return picks
    shares = {user: min(r, left * r // pool) for user, r in room.items()}
    for user, share in shares.items():
        picks[user] += share
        left -= share
    for user in sorted(room, key=lambda u: (-(room[u] - shares[u]), u)):
        if left <= 0:
            break
        if picks[user] < sizes[user]:
            picks[user] += 1
            left -= 1
    return picks


@dataclass(frozen=True)
class Sampled:
    event: SearchEvent
    strata: tuple[str, ...]
    signals: tuple[str, ...] = ()


def draw_sample(
    events: Sequence[SearchEvent], signals: Sequence[Signal], policy: SamplingPolicy, seed: str
) -> list[Sampled]:
    """Every mandatory search, then the stratified random picks; in audit-chain order."""
    flagged = flagged_event_ids(signals)
    chosen: dict[str, Sampled] = {}
    rest: dict[str, list[SearchEvent]] = defaultdict(list)
    for event in events:
        strata = [
            s.value
            for s, hit in (
                (Stratum.CROSS_AGENCY, event.cross_agency),
                (Stratum.PARTIAL_PLATE, event.partial),
                (Stratum.FLAGGED, event.event_id in flagged),
            )
            if hit
        ]
        if strata:
            chosen[event.event_id] = Sampled(event, tuple(strata), tuple(flagged.get(event.event_id, [])))
        else:
            rest[event.username].append(event)
    rng = random.Random(seed)  # reproducibility, not secrecy, is the point
    allocation = _allocate({u: len(e) for u, e in rest.items()}, policy.sample_size, policy.min_per_user)
    for username in sorted(rest):
        pool = sorted(rest[username], key=lambda e: e.seq)
        for event in rng.sample(pool, allocation[username]):
            chosen[event.event_id] = Sampled(event, (Stratum.RANDOM.value,))
    return sorted(chosen.values(), key=lambda s: s.event.seq)


def assign(
    sample: Sequence[Sampled], reviewers: Sequence[User], agency: str, batch_id: str, now: datetime, days: int
) -> list[Review]:
    """Round-robin over the reviewers (by username), never to the searcher; None if nobody else can."""
    names = sorted(u.username for u in reviewers)
    due = now + timedelta(days=days)
    reviews: list[Review] = []
    for item, sampled in enumerate(sample, start=1):
        candidates = [n for n in names if n != sampled.event.username]
        assignee = candidates[(item - 1) % len(candidates)] if candidates else None
        event = sampled.event
        reviews.append(
            Review(
                agency=agency,
                batch_id=batch_id,
                item=item,
                event_id=event.event_id,
                event_seq=event.seq,
                event_hash=event.record_hash,
                searcher=event.username,
                searcher_principal=event.principal_arn,
                search=event.terms(),
                strata=sampled.strata,
                signals=sampled.signals,
                assignee=assignee,
                assigned_at=now,
                due_at=due if assignee else now,  # nobody to review it: escalate at once
            )
        )
    return reviews


# -- the jobs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplingResult:
    batch: Batch
    reviews: list[Review]
    signals: list[Signal]
    created: bool  # False: this period was sampled before; nothing was changed


@dataclass
class SamplingDependencies:
    audit: AuditStore
    reviews: ReviewStore
    users: UserDirectory
    trail: AuditTrail
    notifier: SupervisorNotifier
    cases: CaseRegistry | None = None
    thresholds: MisuseThresholds = field(default_factory=MisuseThresholds)
    tz: tzinfo = UTC


def _active(users: UserDirectory, agency: str, roles: tuple[Role, ...]) -> list[User]:
    return [u for u in users.list_agency(agency) if u.role in roles and u.status is UserStatus.ACTIVE]


def sample_searches(
    agency: str, deps: SamplingDependencies, policy: SamplingPolicy, now: datetime, seed: str | None = None
) -> SamplingResult:
    """Draw, assign, store, audit and announce one period's sample (idempotent per period)."""
    batch_id, start, end = last_complete_period(policy.frequency, now)
    existing = deps.reviews.get_batch(agency, batch_id)
    if existing is not None:
        return SamplingResult(existing, deps.reviews.reviews(agency, batch_id), [], created=False)
    events = load_search_events(deps.audit, agency, start, end)
    history = load_search_events(deps.audit, agency, start - HISTORY_WINDOW, start)
    signals = detect_misuse(
        events, agency=agency, history=history, cases=deps.cases, thresholds=deps.thresholds, tz=deps.tz
    )
    seed = seed or default_seed(agency, batch_id)
    sample = draw_sample(events, signals, policy, seed)
    reviews = assign(
        sample, _active(deps.users, agency, policy.reviewer_roles), agency, batch_id, now, policy.review_days
    )
    counts: dict[str, int] = defaultdict(int)
    for sampled in sample:
        for stratum in sampled.strata:
            counts[stratum] += 1
    batch = Batch(
        agency=agency,
        batch_id=batch_id,
        period_start=start,
        period_end=end,
        seed=seed,
        created_at=now,
        searches_in_period=len(events),
        items=len(reviews),
        strata_counts=dict(counts),
        signals=[s.summary() for s in signals],
    )
    parameters = {
        "batchId": batch_id,
        "periodStart": start.isoformat(),
        "periodEnd": end.isoformat(),
        "seed": seed,
        "searchesInPeriod": len(events),
        "strata": dict(counts),
        "signals": [s.summary() for s in signals],
        "caseListChecked": deps.cases is not None,
    }
    deps.trail.record(job_event("SampleSearches", agency, now, parameters, job=SAMPLE_JOB, result_count=len(reviews)))
    if not deps.reviews.create_batch(batch, reviews):  # a concurrent run won: report its batch
        found = deps.reviews.get_batch(agency, batch_id)
        assert found is not None
        return SamplingResult(found, deps.reviews.reviews(agency, batch_id), signals, created=False)
    per_assignee: dict[str, int] = defaultdict(int)
    for review in reviews:
        per_assignee[review.assignee or "(unassigned: escalated)"] += 1
    deps.notifier.notify(
        agency,
        f"PlateGuard: search audit {batch_id}: {len(reviews)} searches to review",
        {
            "job": SAMPLE_JOB,
            "batchId": batch_id,
            "dueAt": (now + timedelta(days=policy.review_days)).isoformat(),
            "assignments": dict(per_assignee),
            "signals": [s.summary() for s in signals],
        },
    )
    return SamplingResult(batch, reviews, signals, created=True)


def record_review(
    reviewer: User,
    agency: str,
    review_id: str,
    justified: bool,
    notes: str,
    *,
    reviews: ReviewStore,
    trail: AuditTrail,
    policy: SamplingPolicy,
    now: datetime,
) -> Review:
    """The reviewer's finding: do the stated purpose and case number justify this search?"""
    review = reviews.get_review(agency, review_id)
    if review is None or reviewer.agency != agency:
        raise NotFound("no such review in your agency")
    if reviewer.status is not UserStatus.ACTIVE:
        raise AccessDenied("account_disabled", "this account is disabled", reviewer)
    if reviewer.username == review.searcher:
        raise AccessDenied("own_search", "nobody reviews their own searches", reviewer)
    # The assignee decides; once escalated, any approver may take it over.
    may = reviewer.username == review.assignee or (
        review.escalated_at is not None and reviewer.role in policy.approver_roles
    )
    if not may:
        raise AccessDenied("not_assigned", "this review is assigned to someone else", reviewer)
    if review.status is not ReviewStatus.PENDING:
        raise Conflict(f"this review was already decided: {review.status.value}")
    if not justified and len(notes.strip()) < MIN_UNJUSTIFIED_NOTE:
        raise InvalidRequest("say what is missing or wrong when a search is not justified")
    decided = replace(
        review,
        status=ReviewStatus.JUSTIFIED if justified else ReviewStatus.UNJUSTIFIED,
        reviewed_by=reviewer.username,
        reviewed_at=now,
        notes=notes.strip() or None,
    )
    parameters = {
        "reviewId": review.review_id,
        "auditEventId": review.event_id,
        "searcher": review.searcher,
        "justified": justified,
        "notes": decided.notes,
    }
    trail.record(
        person_event(
            "ReviewSearch", reviewer.principal_arn, reviewer.username, reviewer.role.value, agency, now, parameters
        )
    )
    reviews.put_review(decided)
    return decided


def sign_off(
    approver: User,
    agency: str,
    batch_id: str,
    note: str,
    *,
    reviews: ReviewStore,
    trail: AuditTrail,
    policy: SamplingPolicy,
    now: datetime,
) -> Batch:
    """The approver closes a period's audit once every sampled search has a finding."""
    batch = reviews.get_batch(agency, batch_id)
    if batch is None or approver.agency != agency:
        raise NotFound("no such audit batch in your agency")
    if approver.role not in policy.approver_roles or approver.status is not UserStatus.ACTIVE:
        raise AccessDenied("role_not_permitted", "only an active approver may sign off a search audit", approver)
    if batch.signed_off_at is not None:
        raise Conflict(f"already signed off by {batch.signed_off_by}")
    items = reviews.reviews(agency, batch_id)
    open_items = [r.review_id for r in items if r.status is ReviewStatus.PENDING]
    if open_items:
        raise Conflict(f"{len(open_items)} sampled searches still have no finding")
    unjustified = sum(r.status is ReviewStatus.UNJUSTIFIED for r in items)
    parameters = {"batchId": batch_id, "items": len(items), "unjustified": unjustified, "note": note}
    trail.record(
        person_event(
            "SignOffSearchAudit",
            approver.principal_arn,
            approver.username,
            approver.role.value,
            agency,
            now,
            parameters,
        )
    )
    signed = replace(batch, signed_off_by=approver.username, signed_off_at=now, sign_off_note=note)
    reviews.put_batch(signed)
    return signed


def escalate_overdue(
    agency: str, *, reviews: ReviewStore, trail: AuditTrail, notifier: SupervisorNotifier, now: datetime
) -> list[Review]:
    """Mark every undecided review past its deadline as escalated (once) and tell the supervisors."""
    escalated: list[Review] = []
    for review in reviews.reviews(agency):
        if review.status is not ReviewStatus.PENDING or review.escalated_at is not None or review.due_at > now:
            continue
        parameters = {
            "reviewId": review.review_id,
            "assignee": review.assignee,
            "dueAt": review.due_at.isoformat(),
            "auditEventId": review.event_id,
        }
        trail.record(job_event("EscalateReview", agency, now, parameters, job=ESCALATE_JOB))
        marked = replace(review, escalated_at=now)
        reviews.put_review(marked)
        escalated.append(marked)
    if escalated:
        by_assignee: dict[str, list[str]] = defaultdict(list)
        for review in escalated:
            by_assignee[review.assignee or "(unassigned)"].append(review.review_id)
        notifier.notify(
            agency,
            f"PlateGuard: {len(escalated)} search review(s) overdue",
            {"job": ESCALATE_JOB, "overdue": dict(by_assignee)},
        )
    return escalated
