"""The nightly disabling job, through its Lambda handler against moto, removes a disabled account's alert
subscriptions (issue 15, part 6): wired in handlers/jobs.py, not only in the logic."""

from __future__ import annotations

from datetime import timedelta

import boto3

from plateguard.logic.subscriptions import Subscription, subscription_id
from tests.fakes.oversight import T0, user
from tests.functional.test_sampling_jobs import REGION, JobsWorld, _seed_users, world

__all__ = ["world"]


def test_the_disable_job_unsubscribes_the_accounts_it_disables(world: JobsWorld) -> None:
    # Given an idle officer and an active colleague, each with an SMS subscription on the alert topic
    idle, busy = user("officer.idle"), user("officer.busy", last_activity_at=T0 + timedelta(days=90))
    _seed_users(world, idle, busy)
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="t-alerts")["TopicArn"]
    owned = {}
    for person, phone in ((idle, "+15550000001"), (busy, "+15550000002")):
        arn = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=phone, ReturnSubscriptionArn=True)[
            "SubscriptionArn"
        ]
        owned[person.username] = Subscription(
            person.agency, subscription_id(arn), arn, person.principal_arn, person.username, "sms", phone, T0
        )
        world.deps.subscriptions.store.put(owned[person.username])
    # When the job runs on day 91
    result = world.run("disable-inactive-accounts", T0 + timedelta(days=91))
    assert [c["username"] for c in result["results"]["demo-pd"]["disabled"]] == ["officer.idle"]
    # Then the idle officer's subscription is gone at SNS and from the records; the colleague's stays
    remaining = {s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}
    assert remaining == {owned["officer.busy"].subscription_arn}
    assert [s.owner_username for s in world.deps.subscriptions.store.list_agency("demo-pd")] == ["officer.busy"]
