"""Alert subscriptions under control: who owns each, where an endpoint may point, and their removal.

An officer sees and removes their own subscriptions, a supervisor any of their agency's. E-mail and
HTTPS endpoints must sit under a domain the agency's policy lists (`alerts.allowed_endpoint_domains`):
alert detail is CJI and must not leave for an arbitrary mailbox or webhook; with no domain listed,
e-mail and HTTPS are refused and SMS and push stay available. Disabling or separating an account
removes every subscription it owns in the same change (plateguard.logic.accounts), so alerts stop
reaching a person who may no longer receive them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from plateguard.logic.access import User
from plateguard.models.errors import InvalidRequest, NotFound
from plateguard.models.routes import Role

DOMAIN_RESTRICTED = frozenset({"email", "https"})
_SEES_AGENCY = frozenset({Role.SUPERVISOR})


@dataclass(frozen=True)
class Subscription:
    agency: str
    subscription_id: str
    subscription_arn: str
    owner_arn: str
    owner_username: str
    protocol: str
    endpoint: str
    created_at: datetime
    filter_policy: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "subscription_id": self.subscription_id,
            "subscription_arn": self.subscription_arn,
            "username": self.owner_username,
            "protocol": self.protocol,
            "endpoint": self.endpoint,
            "filter_policy": self.filter_policy,
            "created_at": self.created_at.isoformat(),
        }


class SubscriptionStore(Protocol):
    def put(self, subscription: Subscription) -> None: ...

    def get(self, agency: str, subscription_id: str) -> Subscription | None: ...

    def list_agency(self, agency: str) -> list[Subscription]: ...

    def delete(self, agency: str, subscription_id: str) -> None: ...


class Unsubscriber(Protocol):
    def unsubscribe(self, subscription_arn: str) -> None: ...


def subscription_id(subscription_arn: str) -> str:
    """The id in paths: the SNS subscription ARN's last part (a UUID, unique per topic)."""
    return subscription_arn.rsplit(":", 1)[-1]


def normalize_domains(domains: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({d.strip().lower().lstrip(".").rstrip(".") for d in domains if d.strip(" .")}))


def endpoint_domain(protocol: str, endpoint: str) -> str | None:
    """The host an e-mail or HTTPS endpoint delivers to (None for SMS and push, and when unparseable)."""
    if protocol == "email":
        _, at, host = endpoint.rpartition("@")
        return host.strip().lower().rstrip(".") if at and host.strip() else None
    if protocol == "https":
        try:
            hostname = urlsplit(endpoint).hostname
        except ValueError:
            return None
        return hostname.lower().rstrip(".") if hostname else None
    return None


def check_endpoint(protocol: str, endpoint: str, allowed_domains: Iterable[str]) -> None:
    """E-mail and HTTPS endpoints only at a listed domain or one of its subdomains; InvalidRequest otherwise."""
    if protocol not in DOMAIN_RESTRICTED:
        return
    allowed = normalize_domains(allowed_domains)
    if not allowed:
        raise InvalidRequest(
            f"{protocol} endpoints are not allowed: the agency's policy lists no alerts.allowed_endpoint_domains"
        )
    host = endpoint_domain(protocol, endpoint)
    if host is None or not any(host == d or host.endswith("." + d) for d in allowed):
        raise InvalidRequest(f"{protocol} endpoint must be under one of the agency's domains: {', '.join(allowed)}")


def visible_subscriptions(actor: User, store: SubscriptionStore) -> list[Subscription]:
    """An officer's own subscriptions; a supervisor's agency's. Never another agency's."""
    found = store.list_agency(actor.agency)
    if actor.role not in _SEES_AGENCY:
        found = [s for s in found if s.owner_arn == actor.principal_arn]
    return sorted(found, key=lambda s: (s.owner_username, s.created_at, s.subscription_id))


def find_removable(actor: User, subscription_id_: str, store: SubscriptionStore) -> Subscription:
    """The subscription `actor` may remove: their own, or (supervisors) any of their agency's.

    Another officer's subscription answers NotFound like a missing one, so ids cannot be probed."""
    found = store.get(actor.agency, subscription_id_)
    if found is None or found.agency != actor.agency:
        raise NotFound("no such subscription")
    if found.owner_arn != actor.principal_arn and actor.role not in _SEES_AGENCY:
        raise NotFound("no such subscription")
    return found


def remove(subscription: Subscription, *, store: SubscriptionStore, sns: Unsubscriber) -> None:
    """Unsubscribe at SNS first, then forget the record: a failure leaves the record to retry with."""
    sns.unsubscribe(subscription.subscription_arn)
    store.delete(subscription.agency, subscription.subscription_id)


def owned_by(user: User, store: SubscriptionStore) -> list[Subscription]:
    return [s for s in store.list_agency(user.agency) if s.owner_arn == user.principal_arn]


@dataclass(frozen=True)
class SubscriptionRemover:
    """What account changes use to remove a person's subscriptions (plateguard.logic.accounts)."""

    store: SubscriptionStore
    sns: Unsubscriber

    def owned_by(self, user: User) -> list[Subscription]:
        return owned_by(user, self.store)

    def remove_all(self, subscriptions: Iterable[Subscription]) -> list[Subscription]:
        """Remove each; return those SNS could not remove now (still recorded, so the nightly job retries:
        an SNS outage or a subscription still pending confirmation must never keep an account active)."""
        failed: list[Subscription] = []
        for subscription in subscriptions:
            try:
                remove(subscription, store=self.store, sns=self.sns)
            except Exception:  # any SNS failure: the record stays for the retry, the account change stands
                failed.append(subscription)
        return failed
