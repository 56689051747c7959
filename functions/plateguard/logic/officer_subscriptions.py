"""What the officer API's subscription routes do: register an endpoint for alerts, list, remove.

The SNS filter policy always names the subscriber's own agency (never another's alerts), narrowed by
what the request asks. E-mail and HTTPS endpoints only at the agency's listed domains
(logic.subscriptions.check_endpoint). The topic itself is behind AlertTopic (dal.subscriptions.SnsAlertTopic).
Each function returns the response and the count the audit record carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from plateguard.logic.access import User
from plateguard.logic.subscriptions import (
    Subscription,
    SubscriptionStore,
    Unsubscriber,
    check_endpoint,
    find_removable,
    remove,
    subscription_id,
    visible_subscriptions,
)
from plateguard.models.errors import InvalidRequest
from plateguard.models.requests import SubscriptionRequest
from plateguard.models.responses import (
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionRemoved,
    SubscriptionsResponse,
)


class AlertTopic(Protocol):
    """The alert topic's subscriptions (dal.subscriptions.SnsAlertTopic)."""

    def subscribe(self, protocol: str, endpoint: str, filter_policy: dict[str, list[str]]) -> str:
        """Subscribe the endpoint with the filter policy on message attributes; its subscription ARN."""
        ...


# What each protocol's endpoint must look like, and how to say so.
ENDPOINT_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "sms": (re.compile(r"^\+[1-9]\d{6,14}$"), "an E.164 phone number such as +15551234567"),
    "email": (re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an email address"),
    "application": (
        re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:endpoint/(APNS|APNS_SANDBOX|GCM)/[\w.-]+/[\w-]+$"),
        "an SNS mobile platform endpoint ARN (APNS or GCM)",
    ),
    "https": (re.compile(r"^https://[^\s/$.?#].[^\s]*$"), "an https:// URL (CAD/dispatch webhook)"),
}


def filter_policy(agency: str, body: SubscriptionRequest) -> dict[str, list[str]]:
    """SNS filter policy: always the subscriber's own agency, narrowed by cameras, regions, lists, priorities."""
    policy: dict[str, list[str]] = {"agency": [agency]}
    if body.cameras:
        policy["camera"] = sorted(set(body.cameras))
    if body.regions:
        policy["region"] = sorted(set(body.regions))
    if body.lists:
        policy["list"] = sorted(set(body.lists))
    if body.priorities:
        policy["priority"] = sorted({p.value for p in body.priorities})
    return policy


def subscription_out(subscription: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        subscription_id=subscription.subscription_id,
        subscription_arn=subscription.subscription_arn,
        username=subscription.owner_username,
        protocol=subscription.protocol,
        endpoint=subscription.endpoint,
        filter_policy=subscription.filter_policy,
        created_at=subscription.created_at,
    )


def subscribe(
    user: User,
    body: SubscriptionRequest,
    now: datetime,
    *,
    topic: AlertTopic,
    store: SubscriptionStore,
    endpoint_domains: Iterable[str],
) -> tuple[SubscriptionCreated, int]:
    """Subscribe the caller's endpoint to their agency's alerts and record that they own it."""
    pattern, expected = ENDPOINT_RULES[body.protocol]
    if not pattern.match(body.endpoint):
        raise InvalidRequest(f"endpoint for protocol {body.protocol} must be {expected}")
    # Alert detail is CJI: e-mail and webhooks only at the agency's own domains (policy).
    check_endpoint(body.protocol, body.endpoint, endpoint_domains)
    policy = filter_policy(user.agency, body)
    arn = topic.subscribe(body.protocol, body.endpoint, policy)
    # The owner's record, so the subscription can be listed, removed, and removed with the account.
    store.put(
        Subscription(
            agency=user.agency,
            subscription_id=subscription_id(arn),
            subscription_arn=arn,
            owner_arn=user.principal_arn,
            owner_username=user.username,
            protocol=body.protocol,
            endpoint=body.endpoint,
            created_at=now,
            filter_policy=policy,
        )
    )
    created = SubscriptionCreated(
        subscription_id=subscription_id(arn), subscription_arn=arn, filter_policy=policy, username=user.username
    )
    return created, 1


def list_subscriptions(user: User, *, store: SubscriptionStore) -> tuple[SubscriptionsResponse, int]:
    """An officer's own subscriptions; a supervisor's agency's."""
    found = visible_subscriptions(user, store)
    return SubscriptionsResponse(subscriptions=[subscription_out(s) for s in found], count=len(found)), len(found)


def delete_subscription(
    user: User, subscription_id_: str, *, store: SubscriptionStore, unsubscriber: Unsubscriber
) -> tuple[SubscriptionRemoved, int]:
    """Remove one the caller may remove (NotFound otherwise, as for a missing one)."""
    found = find_removable(user, subscription_id_, store)
    remove(found, store=store, sns=unsubscriber)
    return SubscriptionRemoved(removed=subscription_out(found)), 1
