"""Alert subscriptions: their owners in DynamoDB (SubscriptionsTable), their subscribing and removal at SNS."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from plateguard.dal.tables import SubscriptionItem
from plateguard.logic.subscriptions import Subscription


def _subscription(item: SubscriptionItem) -> Subscription:
    return Subscription(
        agency=item.agency,
        subscription_id=item.subscription_id,
        subscription_arn=item.subscription_arn,
        owner_arn=item.owner_arn,
        owner_username=item.owner_username,
        protocol=item.protocol,
        endpoint=item.endpoint,
        created_at=item.created_at,
        filter_policy=dict(item.filter_policy or {}),
    )


class DynamoSubscriptionStore:
    def put(self, subscription: Subscription) -> None:
        SubscriptionItem(
            subscription.agency,
            subscription.subscription_id,
            subscription_arn=subscription.subscription_arn,
            owner_arn=subscription.owner_arn,
            owner_username=subscription.owner_username,
            protocol=subscription.protocol,
            endpoint=subscription.endpoint,
            filter_policy=subscription.filter_policy,
            created_at=subscription.created_at,
        ).save()

    def get(self, agency: str, subscription_id: str) -> Subscription | None:
        try:
            return _subscription(SubscriptionItem.get(agency, subscription_id, consistent_read=True))
        except SubscriptionItem.DoesNotExist:
            return None

    def list_agency(self, agency: str) -> list[Subscription]:
        return [_subscription(item) for item in SubscriptionItem.query(agency, consistent_read=True)]

    def delete(self, agency: str, subscription_id: str) -> None:
        SubscriptionItem(agency, subscription_id).delete()


class SnsUnsubscriber:
    """sns:Unsubscribe, authorised on the alert topic. A subscription already gone counts as removed."""

    def __init__(self, sns: Any) -> None:
        self._sns = sns

    def unsubscribe(self, subscription_arn: str) -> None:
        with contextlib.suppress(self._sns.exceptions.NotFoundException):
            self._sns.unsubscribe(SubscriptionArn=subscription_arn)


class SnsAlertTopic(SnsUnsubscriber):
    """The alert topic's subscriptions at SNS (implements logic.officer_subscriptions.AlertTopic and
    logic.subscriptions.Unsubscriber): sns:Subscribe with a filter policy, sns:Unsubscribe."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        super().__init__(sns)
        self._topic_arn = topic_arn

    def subscribe(self, protocol: str, endpoint: str, filter_policy: dict[str, list[str]]) -> str:
        response = self._sns.subscribe(
            TopicArn=self._topic_arn,
            Protocol=protocol,
            Endpoint=endpoint,
            Attributes={"FilterPolicy": json.dumps(filter_policy), "FilterPolicyScope": "MessageAttributes"},
            ReturnSubscriptionArn=True,
        )
        return str(response["SubscriptionArn"])
