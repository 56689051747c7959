"""Alert subscriptions: register an endpoint, list, remove (plateguard.logic.officer_subscriptions).
Officers see and remove their own; supervisors their agency's."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from plateguard.handlers.api.door import audited, route
from plateguard.logic import officer_subscriptions as subscriptions
from plateguard.models.requests import SubscriptionRequest
from plateguard.models.responses import SubscriptionCreated, SubscriptionRemoved, SubscriptionsResponse

router = Router()


@route(
    router,
    "POST",
    "/subscriptions",
    summary="Register a phone, email, push or HTTPS endpoint for alerts",
    tags=["alerts"],
)
def subscribe_route(body: SubscriptionRequest) -> SubscriptionCreated:
    return audited(
        lambda user, deps: subscriptions.subscribe(
            user,
            body,
            deps.clock(),
            topic=deps.topic,
            store=deps.subscriptions,
            endpoint_domains=deps.endpoint_domains,
        )
    )


@route(router, "GET", "/subscriptions", summary="Your alert subscriptions (supervisors: the agency's)", tags=["alerts"])
def list_subscriptions_route() -> SubscriptionsResponse:
    return audited(lambda user, deps: subscriptions.list_subscriptions(user, store=deps.subscriptions))


@route(
    router,
    "DELETE",
    "/subscriptions/{subscription_id}",
    summary="Remove an alert subscription (your own; supervisors: any of the agency's)",
    tags=["alerts"],
)
def delete_subscription_route(
    subscription_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$")],
) -> SubscriptionRemoved:
    return audited(
        lambda user, deps: subscriptions.delete_subscription(
            user, subscription_id, store=deps.subscriptions, unsubscriber=deps.unsubscriber
        )
    )
