"""Search-audit sampling: reproducible stratified draw with every mandatory stratum, assignment to
supervisors other than the searcher, findings, sign-off and escalation on the deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from plateguard.logic.access import UserStatus
from plateguard.logic.misuse import detect_misuse
from plateguard.logic.oversight import SYSTEM_PRINCIPAL, load_search_events
from plateguard.logic.sampling import (
    ReviewStatus,
    SamplingDependencies,
    SamplingPolicy,
    Stratum,
    draw_sample,
    escalate_overdue,
    last_complete_period,
    record_review,
    sample_searches,
    sign_off,
)
from plateguard.models.errors import AccessDenied, Conflict, InvalidRequest
from plateguard.models.routes import Role
from tests.fakes.oversight import (
    KNOWN_CASES,
    T0,
    KnownCases,
    MemoryChain,
    MemoryReviews,
    MemoryUsers,
    RecordingNotifier,
    normal_searches,
    record_search,
    trail,
    user,
)

FEB = T0.replace(month=2, day=1, hour=0)
RUN_AT = T0.replace(month=3, day=1, hour=6)  # the monthly job on March 1st samples February
CHEN = user("sgt.chen", Role.SUPERVISOR)
DIAZ = user("sgt.diaz", Role.SUPERVISOR)
OFFICERS = [user("officer.garcia"), user("officer.lee"), user("officer.rogue"), user("officer.quiet")]
POLICY = SamplingPolicy(frequency="monthly", sample_size=12, review_days=14)


@pytest.fixture
def world() -> tuple[SamplingDependencies, MemoryChain, RecordingNotifier]:
    audit, chain = trail()
    # The chain is append-ordered like the real one: January before February.
    record_search(audit, OFFICERS[3], FEB - timedelta(days=3), "1OLD111", "Outside the period, January", KNOWN_CASES[5])
    normal_searches(audit, [*OFFICERS[:3], CHEN], FEB - timedelta(days=56), 56 + 28)
    rogue, garcia = OFFICERS[2], OFFICERS[0]
    day = FEB + timedelta(days=5)
    for n in range(3):
        record_search(
            audit,
            rogue,
            day + timedelta(hours=10, minutes=n),
            f"7AB{n}*",
            "Partial plate from the pharmacy robbery witness on Main",
            KNOWN_CASES[1],
        )
    record_search(
        audit,
        garcia,
        day + timedelta(hours=11),
        "4QRS555",
        "Shared lookup for North PD armed robbery",
        KNOWN_CASES[2],
        targetAgency="north-pd",
    )
    record_search(audit, rogue, day + timedelta(hours=12), "6VAG000", "Investigation", KNOWN_CASES[4])
    notifier = RecordingNotifier()
    deps = SamplingDependencies(
        audit=chain,
        reviews=MemoryReviews(),
        users=MemoryUsers(CHEN, DIAZ, *OFFICERS),
        trail=audit,
        notifier=notifier,
        cases=KnownCases(),
    )
    return deps, chain, notifier


def test_period_is_the_last_complete_one() -> None:
    assert last_complete_period("monthly", RUN_AT)[0] == "2026-02"
    batch, start, end = last_complete_period("weekly", T0.replace(month=3, day=4))  # a Wednesday
    assert (batch, start.weekday(), (end - start).days) == ("2026-W09", 0, 7)
    batch, start, end = last_complete_period("quarterly", T0.replace(month=5, day=2))
    assert (batch, start.month, end.month) == ("2026-Q1", 1, 4)


def test_sample_covers_every_mandatory_stratum_and_every_searching_user(world) -> None:
    deps, chain, _ = world
    result = sample_searches("demo-pd", deps, POLICY, RUN_AT)
    events = load_search_events(chain, "demo-pd", FEB, FEB.replace(month=3))
    sampled = {r.event_id: r for r in result.reviews}
    # Then ALL partial-plate, cross-agency and flagged searches are in, with their stratum
    mandatory = [e for e in events if e.partial or e.cross_agency]
    assert len(mandatory) == 4 and all(
        Stratum.PARTIAL_PLATE in sampled[e.event_id].strata or Stratum.CROSS_AGENCY in sampled[e.event_id].strata
        for e in mandatory
    )
    vague = next(e for e in events if e.purpose == "Investigation")
    assert "vague-purpose" in sampled[vague.event_id].signals
    # And every user who searched has at least one random pick; the random picks total the sample size
    random_picks = [r for r in result.reviews if r.strata == (Stratum.RANDOM.value,)]
    assert {r.searcher for r in random_picks} == {"officer.garcia", "officer.lee", "officer.rogue", "sgt.chen"}
    assert len(random_picks) == POLICY.sample_size
    # And nothing outside the period
    assert "1OLD111" not in {r.search["plate"] for r in result.reviews}
    assert result.batch.searches_in_period == len(events)


def test_the_draw_is_reproducible_from_its_seed(world) -> None:
    _, chain, _ = world
    events = load_search_events(chain, "demo-pd", FEB, FEB.replace(month=3))
    signals = detect_misuse(events, agency="demo-pd", cases=KnownCases())
    first = [s.event.event_id for s in draw_sample(events, signals, POLICY, "demo-pd:2026-02")]
    again = [s.event.event_id for s in draw_sample(events, signals, POLICY, "demo-pd:2026-02")]
    other = [s.event.event_id for s in draw_sample(events, signals, POLICY, "another seed")]
    assert first == again and first != other


def test_assignment_skips_the_searcher_and_alternates(world) -> None:
    deps, _, _ = world
    result = sample_searches("demo-pd", deps, POLICY, RUN_AT)
    assert all(r.assignee in {"sgt.chen", "sgt.diaz"} and r.assignee != r.searcher for r in result.reviews)
    assert {r.assignee for r in result.reviews if r.searcher == "sgt.chen"} == {"sgt.diaz"}
    assert {r.due_at for r in result.reviews} == {RUN_AT + timedelta(days=14)}


def test_sampling_is_audited_announced_and_idempotent(world) -> None:
    deps, chain, notifier = world
    first = sample_searches("demo-pd", deps, POLICY, RUN_AT)
    again = sample_searches("demo-pd", deps, POLICY, RUN_AT + timedelta(hours=1))
    assert first.created and not again.created and again.batch == first.batch
    (record,) = chain.records("demo-pd", "SampleSearches")
    assert record["userIdentity"]["principalArn"] == SYSTEM_PRINCIPAL
    assert record["requestParameters"]["seed"] == "demo-pd:2026-02" and record["requestParameters"]["caseListChecked"]
    ((_, subject, details),) = notifier.sent
    assert "2026-02" in subject and sum(details["assignments"].values()) == len(first.reviews)


def test_findings_then_sign_off(world) -> None:
    deps, chain, _ = world
    result = sample_searches("demo-pd", deps, POLICY, RUN_AT)
    later = RUN_AT + timedelta(days=2)
    kwargs: dict[str, Any] = {"reviews": deps.reviews, "trail": deps.trail, "policy": POLICY, "now": later}
    first = result.reviews[0]
    assignee = CHEN if first.assignee == "sgt.chen" else DIAZ
    other = DIAZ if assignee is CHEN else CHEN
    # Only the assignee decides, and "not justified" needs a reason
    with pytest.raises(AccessDenied):
        record_review(other, "demo-pd", first.review_id, True, "", **kwargs)
    with pytest.raises(InvalidRequest):
        record_review(assignee, "demo-pd", first.review_id, False, "no", **kwargs)
    # Sign-off is refused while findings are missing
    with pytest.raises(Conflict):
        sign_off(CHEN, "demo-pd", result.batch.batch_id, "ok", **kwargs)
    for review in result.reviews:
        reviewer = CHEN if review.assignee == "sgt.chen" else DIAZ
        justified = review.search["purpose"] != "Investigation"
        record_review(
            reviewer,
            "demo-pd",
            review.review_id,
            justified,
            "" if justified else "Purpose names no incident; case number unrelated",
            **kwargs,
        )
    signed = sign_off(DIAZ, "demo-pd", result.batch.batch_id, "February audit complete", **kwargs)
    assert signed.signed_off_by == "sgt.diaz"
    statuses = [r.status for r in deps.reviews.reviews("demo-pd")]
    assert statuses.count(ReviewStatus.UNJUSTIFIED) == 1
    assert len(chain.records("demo-pd", "ReviewSearch")) == len(result.reviews)
    assert chain.records("demo-pd", "SignOffSearchAudit")[0]["requestParameters"]["unjustified"] == 1
    with pytest.raises(Conflict):
        sign_off(CHEN, "demo-pd", result.batch.batch_id, "again", **kwargs)


def test_unreviewed_samples_escalate_on_the_deadline_once(world) -> None:
    deps, chain, notifier = world
    result = sample_searches("demo-pd", deps, POLICY, RUN_AT)
    due = RUN_AT + timedelta(days=14)
    done = result.reviews[0]
    reviewer = CHEN if done.assignee == "sgt.chen" else DIAZ
    record_review(
        reviewer,
        "demo-pd",
        done.review_id,
        True,
        "",
        reviews=deps.reviews,
        trail=deps.trail,
        policy=POLICY,
        now=RUN_AT + timedelta(days=1),
    )
    kwargs: dict[str, Any] = {"reviews": deps.reviews, "trail": deps.trail, "notifier": notifier}
    # The day before: nothing; at the deadline: every undecided item, and only once
    assert escalate_overdue("demo-pd", now=due - timedelta(seconds=1), **kwargs) == []
    escalated = escalate_overdue("demo-pd", now=due, **kwargs)
    assert len(escalated) == len(result.reviews) - 1 and done.review_id not in {r.review_id for r in escalated}
    assert escalate_overdue("demo-pd", now=due + timedelta(days=1), **kwargs) == []
    assert len(chain.records("demo-pd", "EscalateReview")) == len(escalated)
    assert "overdue" in notifier.sent[-1][1]
    # Once escalated, another approver may decide it
    item = escalated[0]
    other = DIAZ if item.assignee == "sgt.chen" else CHEN
    if other.username != item.searcher:
        decided = record_review(
            other,
            "demo-pd",
            item.review_id,
            True,
            "",
            reviews=deps.reviews,
            trail=deps.trail,
            policy=POLICY,
            now=due + timedelta(days=1),
        )
        assert decided.reviewed_by == other.username


def test_no_reviewer_left_means_immediate_escalation(world) -> None:
    deps, _, notifier = world
    # Given both supervisors disabled
    for supervisor in (CHEN, DIAZ):
        deps.users.put(replace(supervisor, status=UserStatus.DISABLED))
    result = sample_searches("demo-pd", deps, POLICY, RUN_AT)
    assert all(r.assignee is None and r.due_at == RUN_AT for r in result.reviews)
    escalated = escalate_overdue("demo-pd", reviews=deps.reviews, trail=deps.trail, notifier=notifier, now=RUN_AT)
    assert len(escalated) == len(result.reviews)


def test_policy_file_sets_frequency_size_and_roles() -> None:
    from pathlib import Path

    from plateguard.policy.loader import load_policy

    policy = load_policy(Path(__file__).resolve().parents[2] / "examples" / "policy" / "california.yaml")
    sampling = SamplingPolicy.from_policy(policy)
    assert sampling.frequency == policy.audit.frequency and sampling.sample_size == policy.audit.sample_size
