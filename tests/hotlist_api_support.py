"""Well-formed requests for the hot-list, alert and subscription routes (used by the role matrix)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from plateguard.logic.hotlist_admin import HotListDefinition, ListType, Priority, build_entry
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import Alert, AlertStatus
from plateguard.models.routes import Route

LIST = HotListDefinition("demo-pd", "stolen-vehicles", ListType.STOLEN_VEHICLE, "sgt.chen", Priority.HIGH, 90)


def hotlist_route_request(route: Route) -> dict[str, Any]:
    """Create what the route needs (a list, an entry, an alert) and return the request parts."""
    from plateguard.dal.hotlists import DynamoHotListStore
    from plateguard.dal.repositories import DynamoIngestRepository
    from plateguard.wiring.api import dependencies as get_alerts_api_dependencies

    get_alerts_api_dependencies()  # binds the tables
    now = datetime.now(UTC)
    store = DynamoHotListStore()
    store.put_list(LIST)
    store.put_entries([build_entry(LIST, plate="7KDR394", reason="stolen", case_number="C-1", entered_by="x", now=now)])
    alert_id = hashlib.sha256(route.path.encode()).hexdigest()[:24]
    DynamoIngestRepository().put_alert(
        Alert(
            alert_id,
            "demo-pd",
            "r1",
            "7KDR394",
            LIST.name,
            "stolen-vehicle",
            "high",
            "stolen",
            "C-1",
            "cam-1",
            "Main St",
            now - timedelta(minutes=1),
            0.97,
            "exact",
            "crops/r1.jpg",
            now,
            expires_at_epoch(now, 30),
            AlertStatus.PUBLISHED,
        )
    )
    path_params = {"list_name": LIST.name, "plate": "7KDR394", "alert_id": alert_id}
    if "{subscription_id}" in route.path:  # the officer's own (a supervisor may remove it too)
        path_params["subscription_id"] = officers_subscription(now).subscription_id
    path = route.path.format(**path_params)
    params = {k: v for k, v in path_params.items() if "{" + k + "}" in route.path}
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("PUT", "/hotlists/{list_name}"): {
            "list_type": "stolen-vehicle",
            "owner": "sgt.chen",
            "priority": "high",
            "max_entry_days": 90,
        },
        ("POST", "/hotlists/{list_name}/entries"): {"plate": "5MNB217", "reason": "stolen van", "case_number": "C-2"},
        ("POST", "/hotlists/{list_name}/import"): {"content": "plate,reason,case_number\nABC123,stolen,C-3\n"},
        ("POST", "/alerts/{alert_id}/disposition"): {"disposition": "acknowledged"},
        ("POST", "/subscriptions"): {"protocol": "sms", "endpoint": "+15551234567"},
    }
    request: dict[str, Any] = {"path": path, "path_params": params} if params else {}
    body = bodies.get((route.method, route.path))
    if body is not None:
        request["body"] = body
    return request


def officers_subscription(now: datetime, who: str = "officer", endpoint: str = "+15551234567") -> Any:
    """An SMS subscription on the alert topic, recorded as `who`'s (as POST /subscriptions records it)."""
    import boto3

    from plateguard.logic.subscriptions import Subscription, subscription_id
    from plateguard.wiring import api as api_wiring
    from tests.api_support import REGION, USERS

    deps, user = api_wiring.dependencies(), USERS[who]
    policy = {"agency": [user.agency]}
    arn = boto3.client("sns", region_name=REGION).subscribe(
        TopicArn=api_wiring.settings().alert_topic_arn,
        Protocol="sms",
        Endpoint=endpoint,
        Attributes={"FilterPolicy": json.dumps(policy)},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    subscription = Subscription(
        user.agency, subscription_id(arn), arn, user.principal_arn, user.username, "sms", endpoint, now, policy
    )
    deps.subscriptions.put(subscription)
    return subscription
