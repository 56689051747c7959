"""Handlers take their dependencies from plateguard.wiring, so a test injects a container without AWS or
monkeypatching: the scheduled jobs handler runs on what the test put in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from plateguard import wiring
from plateguard.local.dispatcher import LocalLambdaContext
from plateguard.logic.accounts import AccountPolicy
from plateguard.logic.sampling import SamplingDependencies, SamplingPolicy
from plateguard.wiring import jobs as jobs_wiring

NOW = datetime(2026, 3, 1, 7, 45, tzinfo=UTC)


class NoReviews:
    """A review store with nothing pending; remembers which agencies were asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def reviews(self, agency: str) -> list[Any]:
        self.asked.append(agency)
        return []


@pytest.fixture
def injected() -> Iterator[NoReviews]:
    reviews = NoReviews()
    unused = cast(Any, None)  # what escalation never touches when nothing is overdue
    jobs_wiring.dependencies.override(
        jobs_wiring.JobDependencies(
            users=unused,
            trail=unused,
            sampling=SamplingDependencies(
                audit=unused, reviews=cast(Any, reviews), users=unused, trail=unused, notifier=unused
            ),
            accounts=AccountPolicy(inactivity_disable_days=90, training_refresh_months=12),
            sampling_policy=SamplingPolicy(frequency="monthly", sample_size=50, review_days=14),
            agencies=["demo-pd", "other-pd"],
            clock=lambda: NOW,
        )
    )
    yield reviews
    wiring.reset()


def test_the_scheduled_job_handler_runs_on_the_injected_container(injected: NoReviews) -> None:
    from plateguard.handlers.jobs import handle_scheduled_job

    # Given a jobs container injected through wiring (two agencies, a fixed clock, no overdue reviews)
    # When the escalation job runs for one configured agency and one this deployment does not hold
    result = handle_scheduled_job(
        {"job": "escalate-reviews", "agencies": ["demo-pd", "elsewhere"]}, LocalLambdaContext()
    )
    # Then it ran on the injected container: its clock, its agencies (never another), its review store
    assert result == {"job": "escalate-reviews", "at": NOW.isoformat(), "results": {"demo-pd": {"escalated": []}}}
    assert injected.asked == ["demo-pd"]
