"""Subscription filter policies route alerts through SNS to the right devices (moto's SNS -> SQS)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
from moto import mock_aws

from plateguard.dal.notify import SnsAlertPublisher
from plateguard.logic.alert_messages import build_sns_message, message_attributes
from plateguard.logic.officer_subscriptions import filter_policy
from plateguard.models.records import Alert
from plateguard.models.requests import SubscriptionRequest

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def alert(alert_id: str, agency: str, region: str, list_name: str, priority: str = "high") -> Alert:
    return Alert(
        alert_id,
        agency,
        "r1",
        "7KDR394",
        list_name,
        "stolen-vehicle",
        priority,
        "stolen",
        "C-1",
        "cam-1",
        "Main St",
        NOW,
        0.97,
        "exact",
        "crops/r1.jpg",
        NOW,
        0,
        region=region,
    )


def test_each_subscriber_gets_only_the_alerts_its_filter_policy_selects() -> None:
    with mock_aws():
        sns, sqs = boto3.client("sns", region_name="us-west-2"), boto3.client("sqs", region_name="us-west-2")
        topic = sns.create_topic(Name="alerts")["TopicArn"]

        def device(name: str, request: SubscriptionRequest, agency: str = "demo-pd") -> str:
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(
                TopicArn=topic,
                Protocol="sqs",
                Endpoint=arn,
                Attributes={"FilterPolicy": json.dumps(filter_policy(agency, request))},
            )
            return url

        # Given a harbor patrol unit, a detective on the bolo list, and another agency's officer
        harbor = device("harbor-unit", SubscriptionRequest(protocol="sms", endpoint="+15551234567", regions=["harbor"]))
        detective = device("detective", SubscriptionRequest(protocol="sms", endpoint="+15551234568", lists=["bolo"]))
        other = device("other-agency", SubscriptionRequest(protocol="sms", endpoint="+15551234569"), agency="other-pd")
        # When three alerts are published
        publisher = SnsAlertPublisher(sns, topic)
        for sent in (
            alert("a1", "demo-pd", "harbor", "stolen-vehicles"),
            alert("a2", "demo-pd", "central", "bolo"),
            alert("a3", "demo-pd", "central", "stolen-vehicles"),
        ):
            publisher.publish(build_sns_message(sent), message_attributes(sent))

        def received(url: str) -> list[str]:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            return sorted(json.loads(json.loads(m["Body"])["Message"])["alert_id"] for m in messages)

        # Then each device got exactly its own, and no other agency's alert reached other-pd
        assert received(harbor) == ["a1"]
        assert received(detective) == ["a2"]
        assert received(other) == []
