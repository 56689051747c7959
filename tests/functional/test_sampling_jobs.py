"""The scheduled jobs Lambda against moto: real DAL (users, audit chain + Object Lock archive,
reviews), supervisor messages over SNS, time injected through the dependencies' clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from plateguard import schema
from plateguard.logic.access import User, UserStatus
from plateguard.models.routes import Role
from tests.api_support import LambdaContext
from tests.fakes.oversight import KNOWN_CASES, T0, normal_searches, record_search, user

REGION = "us-west-2"
FEB = T0.replace(month=2, day=1, hour=0)
RUN_AT = T0.replace(month=3, day=1, hour=6)


@dataclass
class JobsWorld:
    jobs: Any  # the plateguard.handlers.jobs module
    deps: Any
    queue_url: str

    def run(self, job: str, now: datetime) -> dict[str, Any]:
        from plateguard.wiring import jobs as jobs_wiring

        jobs_wiring.dependencies.override(replace(self.deps, clock=lambda: now))
        return self.jobs.handle_scheduled_job({"job": job}, LambdaContext())  # type: ignore[no-any-return]

    def messages(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        found = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in found]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[JobsWorld]:
    from plateguard.local.provision import table_definition

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for spec in (schema.USERS, schema.AUDIT, schema.REVIEWS, schema.SUBSCRIPTIONS):
            dynamodb.create_table(**table_definition(spec, f"t-{spec.logical_id}"))
            monkeypatch.setenv(spec.env_var, f"t-{spec.logical_id}")
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(
            Bucket="t-audit", ObjectLockEnabledForBucket=True, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name="t-supervisors")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="t-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv(schema.AUDIT_BUCKET.env_var, "t-audit")
        monkeypatch.setenv("SUPERVISOR_TOPIC_ARN", topic)
        monkeypatch.setenv("AGENCIES", "demo-pd")
        monkeypatch.setenv("AUDIT_SAMPLE_SIZE", "8")

        from plateguard import wiring
        from plateguard.handlers import jobs
        from plateguard.wiring import jobs as jobs_wiring

        wiring.reset()
        try:
            yield JobsWorld(jobs, jobs_wiring.dependencies(), queue_url)
        finally:
            wiring.reset()


def _seed_users(world: JobsWorld, *people: User) -> None:
    for person in people:
        world.deps.users.put(person)


def test_disable_job_disables_on_day_91_audits_and_messages_supervisors(world: JobsWorld) -> None:
    from plateguard.dal.audit import S3AuditArchive
    from plateguard.logic.audit_chain import verify_all

    # Given an officer last active at T0 and an active colleague
    _seed_users(
        world, user("officer.idle"), user("sgt.chen", Role.SUPERVISOR, last_activity_at=T0 + timedelta(days=89))
    )
    # When the job runs on day 90: nothing; on day 91: the idle account is disabled
    assert world.run("disable-inactive-accounts", T0 + timedelta(days=90))["results"]["demo-pd"]["disabled"] == []
    result = world.run("disable-inactive-accounts", T0 + timedelta(days=91))
    assert [c["username"] for c in result["results"]["demo-pd"]["disabled"]] == ["officer.idle"]
    stored = world.deps.users.get(user("officer.idle").principal_arn)
    assert stored is not None and stored.status is UserStatus.DISABLED
    # And the change is in the hash chain (still verifiable) and was sent to the supervisors' topic
    archive = S3AuditArchive(boto3.client("s3", region_name=REGION), "t-audit")
    (report,) = verify_all(world.deps.sampling.audit, archive)
    assert report.records == 1 and report.problems == []
    (message,) = world.messages()
    assert message["agency"] == "demo-pd" and message["details"]["changes"][0]["reasons"] == ["inactive"]


def test_sampling_and_escalation_jobs_persist_batches_and_reviews(world: JobsWorld) -> None:
    chen, diaz = user("sgt.chen", Role.SUPERVISOR), user("sgt.diaz", Role.SUPERVISOR)
    officers = [user("officer.garcia"), user("officer.lee")]
    _seed_users(world, chen, diaz, *officers)
    normal_searches(world.deps.trail, officers, FEB, 28, seed=3)
    record_search(
        world.deps.trail,
        officers[0],
        FEB.replace(day=27, hour=10),
        "7AB*",
        "Partial plate from the witness of the Elm Street burglary",
        KNOWN_CASES[0],
    )
    # When the monthly job runs on March 1st
    first = world.run("sample-searches", RUN_AT)["results"]["demo-pd"]
    assert first["batch"] == "2026-02" and first["created"] and first["items"] >= 9
    # Then the batch and its reviews are stored; a second run changes nothing
    assert world.run("sample-searches", RUN_AT + timedelta(hours=1))["results"]["demo-pd"]["created"] is False
    store = world.deps.sampling.reviews
    reviews = store.reviews("demo-pd", "2026-02")
    assert len(reviews) == first["items"] and store.get_batch("demo-pd", "2026-02").seed == "demo-pd:2026-02"
    assert any(r.search["plate"] == "7AB*" and "partial-plate" in r.strata for r in reviews)
    assert store.get_review("demo-pd", reviews[0].review_id) == reviews[0]
    # And at the deadline every open review escalates, once
    due = RUN_AT + timedelta(days=14)
    assert world.run("escalate-reviews", due - timedelta(seconds=1))["results"]["demo-pd"]["escalated"] == []
    assert len(world.run("escalate-reviews", due)["results"]["demo-pd"]["escalated"]) == len(reviews)
    assert all(r.escalated_at == due for r in store.reviews("demo-pd"))
    subjects = [m["subject"] for m in world.messages()]
    assert any("2026-02" in s for s in subjects) and any("overdue" in s for s in subjects)


def test_unknown_job_is_refused(world: JobsWorld) -> None:
    with pytest.raises(ValueError, match="unknown job"):
        world.run("delete-everything", RUN_AT)
