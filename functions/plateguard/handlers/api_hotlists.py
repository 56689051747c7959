"""Officer API routes for hot lists, alerts and alert subscriptions (included by handlers/api.py).

Same door as every other route (handlers/api.py): the caller is authorized and the request's terms
checked before a route runs; `_audited` records a change's attempt before the logic acts, and the
outcome record is written before the answer leaves.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, Field

from plateguard import schema
from plateguard.logic.access import User
from plateguard.logic.alert_lifecycle import (
    Disposition,
    IllegalTransition,
    current_disposition,
    false_hit_rates,
    transition,
)
from plateguard.logic.historical import HistoricalHits, historical_alerts
from plateguard.logic.hotlist_admin import (
    EntryRejected,
    HotListDefinition,
    HotListError,
    ListType,
    Priority,
    apply_import,
    build_entry,
    parse_csv,
    parse_ncic,
)
from plateguard.logic.subscriptions import (
    Subscription,
    check_endpoint,
    find_removable,
    visible_subscriptions,
)
from plateguard.logic.subscriptions import remove as remove_subscription
from plateguard.logic.subscriptions import subscription_id as subscription_id_of
from plateguard.models.errors import Conflict, InvalidRequest, NotFound
from plateguard.models.settings import get_alerts_api_settings

router = Router()

# CloudTrail-style eventName of each route below (merged into handlers/api.py EVENT_NAMES).
EVENT_NAMES: dict[tuple[str, str], str] = {
    ("GET", "/hotlists"): "ListHotLists",
    ("PUT", "/hotlists/{list_name}"): "PutHotList",
    ("DELETE", "/hotlists/{list_name}"): "DeleteHotList",
    ("GET", "/hotlists/{list_name}/entries"): "ExportHotListEntries",
    ("POST", "/hotlists/{list_name}/entries"): "AddHotListEntry",
    ("DELETE", "/hotlists/{list_name}/entries/{plate}"): "DeleteHotListEntry",
    ("POST", "/hotlists/{list_name}/import"): "ImportHotList",
    ("GET", "/alerts"): "ListAlerts",
    ("GET", "/alerts/summary"): "GetAlertOutcomeSummary",
    ("POST", "/alerts/{alert_id}/disposition"): "SetAlertDisposition",
    ("POST", "/subscriptions"): "RegisterAlertSubscription",
    ("GET", "/subscriptions"): "ListAlertSubscriptions",
    ("DELETE", "/subscriptions/{subscription_id}"): "DeleteAlertSubscription",
}
LIST_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"
ALERT_ID_PATTERN = r"^[0-9a-f]{24}$"
PLATE_PATTERN = r"^[A-Za-z0-9]{1,10}$"
SUBSCRIPTION_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


@dataclass(frozen=True)
class AlertsApiDependencies:
    hotlists: Any  # dal.hotlists.DynamoHotListStore
    alerts: Any  # dal.alerts.DynamoAlertStore
    ingest: Any  # dal.repositories.DynamoIngestRepository (reads, cameras, alerts)
    publisher: Any  # dal.notify.SnsAlertPublisher
    sns: Any
    topic_arn: str
    alert_retention_days: float
    alert_min_confidence: float
    subscriptions: Any  # dal.subscriptions.DynamoSubscriptionStore: who owns which subscription
    unsubscriber: Any  # dal.subscriptions.SnsUnsubscriber
    endpoint_domains: tuple[str, ...]  # the policy's alerts.allowed_endpoint_domains


@lru_cache(maxsize=1)
def get_alerts_api_dependencies() -> AlertsApiDependencies:
    from plateguard.dal.alerts import DynamoAlertStore
    from plateguard.dal.clients import aws_client
    from plateguard.dal.hotlists import DynamoHotListStore
    from plateguard.dal.notify import SnsAlertPublisher
    from plateguard.dal.repositories import DynamoIngestRepository
    from plateguard.dal.subscriptions import DynamoSubscriptionStore, SnsUnsubscriber
    from plateguard.dal.tables import bind_tables

    settings = get_alerts_api_settings()
    bind_tables(
        {
            schema.HOTLIST.logical_id: settings.hotlist_table_name,
            schema.HOTLISTS.logical_id: settings.hotlists_table_name,
            schema.ALERTS.logical_id: settings.alerts_table_name,
            schema.CAMERAS.logical_id: settings.cameras_table_name,
            schema.READS.logical_id: settings.reads_table_name,
            schema.SUBSCRIPTIONS.logical_id: settings.subscriptions_table_name,
        },
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    sns = aws_client("sns", settings.aws_region, settings.aws_endpoint_url)
    return AlertsApiDependencies(
        hotlists=DynamoHotListStore(),
        alerts=DynamoAlertStore(),
        ingest=DynamoIngestRepository(),
        publisher=SnsAlertPublisher(sns, settings.alert_topic_arn),
        sns=sns,
        topic_arn=settings.alert_topic_arn,
        alert_retention_days=settings.alert_retention_days,
        alert_min_confidence=settings.alert_min_confidence,
        subscriptions=DynamoSubscriptionStore(),
        unsubscriber=SnsUnsubscriber(sns),
        endpoint_domains=settings.endpoint_domain_list,
    )


def _audited(action: Any) -> Any:
    from plateguard.handlers.api import _audited as audited  # the one audited door

    return audited(action)


def _now() -> datetime:
    return datetime.now(UTC)


# -- request and response bodies ---------------------------------------------------------------------


class PutHotListRequest(BaseModel):
    list_type: ListType
    owner: str = Field(min_length=1, max_length=64)
    priority: Priority
    max_entry_days: int = Field(ge=1, le=365)
    description: str = Field(default="", max_length=500)


class AddEntryRequest(BaseModel):
    plate: str = Field(min_length=1, max_length=16)
    reason: str = Field(min_length=1, max_length=200)
    case_number: str = Field(min_length=3, max_length=32)
    state: str | None = Field(default=None, max_length=2)
    expires: datetime | None = None


class ImportRequest(BaseModel):
    format: str = Field(default="csv", pattern="^(csv|ncic)$")
    replace: bool = False
    content: str = Field(min_length=1, max_length=6 * 1024 * 1024)


class DispositionRequest(BaseModel):
    disposition: Disposition
    note: str = Field(default="", max_length=500)


class SubscriptionRequest(BaseModel):
    protocol: str = Field(pattern="^(sms|email|application|https)$")
    endpoint: str = Field(min_length=3, max_length=2048)
    cameras: list[str] = Field(default_factory=list, max_length=50)
    regions: list[str] = Field(default_factory=list, max_length=50)
    lists: list[str] = Field(default_factory=list, max_length=50)
    priorities: list[Priority] = Field(default_factory=list)


def _definition_out(d: HotListDefinition) -> dict[str, Any]:
    return {
        "name": d.name,
        "list_type": d.list_type.value,
        "owner": d.owner,
        "priority": d.priority.value,
        "max_entry_days": d.max_entry_days,
        "description": d.description,
    }


def _entry_out(e: Any) -> dict[str, Any]:
    return {
        "plate": e.plate,
        "state": e.state,
        "reason": e.reason,
        "case_number": e.case_number,
        "entered_by": e.entered_by,
        "entered_at": datetime.fromtimestamp(e.entered_at, UTC).isoformat() if e.entered_at else None,
        "expires_at": datetime.fromtimestamp(e.expires_at, UTC).isoformat(),
    }


def _list_or_404(user: User, list_name: str) -> HotListDefinition:
    definition = get_alerts_api_dependencies().hotlists.get_list(user.agency, list_name)
    if definition is None:
        raise NotFound(f"no hot list {list_name!r} in agency {user.agency}")
    return definition


def _historical_hits(entries: list[Any], now: datetime) -> HistoricalHits:
    deps = get_alerts_api_dependencies()
    return historical_alerts(
        entries,
        deps.ingest.reads_for_day,
        deps.ingest.get_camera,
        deps.ingest,
        deps.publisher,
        now,
        # A hit read is kept longest, as long as its alert (cdk/config.py): no stored read is older.
        deps.alert_retention_days,
        deps.alert_retention_days,
        deps.alert_min_confidence,
    )


# -- hot lists ----------------------------------------------------------------------------------------


@router.get("/hotlists", summary="List your agency's hot lists", tags=["hotlists"])
def list_hotlists_route() -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        lists = get_alerts_api_dependencies().hotlists.lists(user.agency)
        return {"hotlists": [_definition_out(d) for d in lists], "count": len(lists)}, len(lists)

    return _audited(run)


@router.put("/hotlists/<list_name>", summary="Create or update a hot list", tags=["hotlists"])
def put_hotlist_route(
    list_name: Annotated[str, Path(pattern=LIST_NAME_PATTERN)], body: PutHotListRequest
) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        try:
            definition = HotListDefinition(
                user.agency, list_name, body.list_type, body.owner, body.priority, body.max_entry_days, body.description
            )
        except HotListError as exc:
            raise InvalidRequest(str(exc)) from exc
        get_alerts_api_dependencies().hotlists.put_list(definition)
        return _definition_out(definition), 1

    return _audited(run)


@router.delete(
    "/hotlists/<list_name>", summary="Delete a hot list: its entries go, the list is retired", tags=["hotlists"]
)
def delete_hotlist_route(list_name: Annotated[str, Path(pattern=LIST_NAME_PATTERN)]) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        store = get_alerts_api_dependencies().hotlists
        _list_or_404(user, list_name)
        entries = store.entries(user.agency, list_name)
        store.delete_entries(entries)
        store.retire_list(user.agency, list_name, _now())
        return {"retired": list_name, "entries_removed": len(entries)}, len(entries)

    return _audited(run)


@router.get("/hotlists/<list_name>/entries", summary="Export a hot list's entries", tags=["hotlists"])
def export_entries_route(list_name: Annotated[str, Path(pattern=LIST_NAME_PATTERN)]) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        _list_or_404(user, list_name)
        now = _now().timestamp()
        entries = [
            e for e in get_alerts_api_dependencies().hotlists.entries(user.agency, list_name) if e.expires_at > now
        ]
        return {"list": list_name, "entries": [_entry_out(e) for e in entries], "count": len(entries)}, len(entries)

    return _audited(run)


@router.post("/hotlists/<list_name>/entries", summary="Add one entry (checked against stored reads)", tags=["hotlists"])
def add_entry_route(
    list_name: Annotated[str, Path(pattern=LIST_NAME_PATTERN)], body: AddEntryRequest
) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        deps = get_alerts_api_dependencies()
        definition = _list_or_404(user, list_name)
        now = _now()
        try:
            entry = build_entry(
                definition,
                plate=body.plate,
                reason=body.reason,
                case_number=body.case_number,
                state=body.state,
                expires=body.expires,
                entered_by=user.username,
                now=now,
            )
        except EntryRejected as exc:
            raise InvalidRequest(exc.reason) from exc
        deps.hotlists.put_entries([entry])
        hits = _historical_hits([entry], now)
        body_out = {"entry": _entry_out(entry), "historical_alerts": [a.alert_id for a in hits.alerts]}
        return body_out, 1

    return _audited(run)


@router.delete("/hotlists/<list_name>/entries/<plate>", summary="Remove an entry", tags=["hotlists"])
def delete_entry_route(
    list_name: Annotated[str, Path(pattern=LIST_NAME_PATTERN)], plate: Annotated[str, Path(pattern=PLATE_PATTERN)]
) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        store = get_alerts_api_dependencies().hotlists
        _list_or_404(user, list_name)
        matching = [e for e in store.entries(user.agency, list_name) if e.plate == plate.upper()]
        if not matching:
            raise NotFound(f"{plate.upper()} is not on {list_name}")
        store.delete_entries(matching)
        return {"removed": plate.upper()}, 1

    return _audited(run)


@router.post("/hotlists/<list_name>/import", summary="Import a CSV or NCIC-style file", tags=["hotlists"])
def import_route(list_name: Annotated[str, Path(pattern=LIST_NAME_PATTERN)], body: ImportRequest) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        store = get_alerts_api_dependencies().hotlists
        definition = _list_or_404(user, list_name)
        parse = parse_ncic if body.format == "ncic" else parse_csv
        now = _now()
        try:
            plan = parse(body.content.encode(), definition, user.username, now)
        except HotListError as exc:
            raise InvalidRequest(str(exc)) from exc
        result = apply_import(plan, definition, store, body.replace)
        # The daily path raises historical hits as one new entry does (one batched pass over stored reads).
        hits = _historical_hits(plan.entries, now)
        rejected = [{"row": r.row, "reason": r.reason} for r in result.rejected]
        out = {
            "accepted": result.accepted,
            "rejected": rejected,
            "removed": result.removed,
            # Alerts this import raised (a re-import of the same list finds its earlier ones, raises none).
            "historical_hits": hits.raised,
        }
        return out, result.accepted

    return _audited(run)


# -- alerts -------------------------------------------------------------------------------------------


def _alert_out(alert: Any, history: list[Any]) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "plate": alert.plate,
        "listed_plate": alert.listed_plate or alert.plate,
        "list": alert.list_name,
        "list_type": alert.list_type,
        "priority": alert.priority,
        "camera_id": alert.camera_id,
        "camera_name": alert.camera_name,
        "captured_at": alert.captured_at.isoformat(),
        "confidence": alert.confidence,
        "match_quality": alert.match_quality,
        "differing_positions": list(alert.differing_positions),
        "historical": alert.historical,
        "suppressed_repeats": alert.suppressed_repeats,
        "read_id": alert.read_id,
        "disposition": current_disposition(history).value,
        "history": [{"disposition": c.disposition.value, "by": c.by, "at": c.at.isoformat()} for c in history],
    }


@router.get("/alerts", summary="Recent alerts of your agency", tags=["alerts"])
def list_alerts_route(limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        now = _now().timestamp()
        rows = [
            (a, h)
            for a, h in get_alerts_api_dependencies().alerts.alerts(user.agency)
            if a.status.value == "published" and a.expires_at > now
        ]
        rows.sort(key=lambda row: row[0].created_at, reverse=True)
        out = [_alert_out(a, h) for a, h in rows[:limit]]
        return {"alerts": out, "count": len(out)}, len(out)

    return _audited(run)


@router.get("/alerts/summary", summary="Per-camera and per-list false-hit rates", tags=["alerts"])
def alert_summary_route() -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        rows = list(get_alerts_api_dependencies().alerts.alerts(user.agency))
        outcomes = [(a, current_disposition(h)) for a, h in rows]

        def rates(key: str) -> list[dict[str, Any]]:
            return [
                {key: r.key, "verified": r.verified, "misread": r.misread, "false_hit_rate": r.rate}
                for r in false_hit_rates(
                    (getattr(a, f"{key}_id" if key == "camera" else "list_name"), d) for a, d in outcomes
                )
            ]

        counts: dict[str, int] = {}
        for _, disposition in outcomes:
            counts[disposition.value] = counts.get(disposition.value, 0) + 1
        return {"alerts": len(rows), "by_disposition": counts, "cameras": rates("camera"), "lists": rates("list")}, len(
            rows
        )

    return _audited(run)


@router.post("/alerts/<alert_id>/disposition", summary="Record what happened after an alert", tags=["alerts"])
def disposition_route(
    alert_id: Annotated[str, Path(pattern=ALERT_ID_PATTERN)], body: DispositionRequest
) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        from plateguard.dal.alerts import DispositionConflict

        store = get_alerts_api_dependencies().alerts
        found = store.get(user.agency, alert_id)
        if found is None:
            raise NotFound(f"no alert {alert_id} in agency {user.agency}")
        alert, history = found
        try:
            updated = transition(history, body.disposition, user.username, _now(), body.note)
            store.save_history(user.agency, alert_id, updated, len(history))
        except IllegalTransition as exc:
            raise Conflict(str(exc)) from exc
        except DispositionConflict as exc:
            raise Conflict("the alert changed while you were deciding: reload it and try again") from exc
        return _alert_out(alert, updated), 1

    return _audited(run)


# -- subscriptions ------------------------------------------------------------------------------------

_ENDPOINT_RULES = {
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


@router.post("/subscriptions", summary="Register a phone, email, push or HTTPS endpoint for alerts", tags=["alerts"])
def subscribe_route(body: SubscriptionRequest) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        pattern, expected = _ENDPOINT_RULES[body.protocol]
        if not pattern.match(body.endpoint):
            raise InvalidRequest(f"endpoint for protocol {body.protocol} must be {expected}")
        deps = get_alerts_api_dependencies()
        # Alert detail is CJI: e-mail and webhooks only at the agency's own domains (policy).
        check_endpoint(body.protocol, body.endpoint, deps.endpoint_domains)
        policy = filter_policy(user.agency, body)
        response = deps.sns.subscribe(
            TopicArn=deps.topic_arn,
            Protocol=body.protocol,
            Endpoint=body.endpoint,
            Attributes={"FilterPolicy": json.dumps(policy), "FilterPolicyScope": "MessageAttributes"},
            ReturnSubscriptionArn=True,
        )
        arn = response["SubscriptionArn"]
        # The owner's record, so the subscription can be listed, removed, and removed with the account.
        deps.subscriptions.put(
            Subscription(
                agency=user.agency,
                subscription_id=subscription_id_of(arn),
                subscription_arn=arn,
                owner_arn=user.principal_arn,
                owner_username=user.username,
                protocol=body.protocol,
                endpoint=body.endpoint,
                created_at=_now(),
                filter_policy=policy,
            )
        )
        out = {
            "subscription_id": subscription_id_of(arn),
            "subscription_arn": arn,
            "filter_policy": policy,
            "username": user.username,
        }
        return out, 1

    return _audited(run)


@router.get("/subscriptions", summary="Your alert subscriptions (supervisors: the agency's)", tags=["alerts"])
def list_subscriptions_route() -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        found = visible_subscriptions(user, get_alerts_api_dependencies().subscriptions)
        return {"subscriptions": [s.summary() for s in found], "count": len(found)}, len(found)

    return _audited(run)


@router.delete(
    "/subscriptions/<subscription_id>",
    summary="Remove an alert subscription (your own; supervisors: any of the agency's)",
    tags=["alerts"],
)
def delete_subscription_route(
    subscription_id: Annotated[str, Path(pattern=SUBSCRIPTION_ID_PATTERN)],
) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        deps = get_alerts_api_dependencies()
        found = find_removable(user, subscription_id, deps.subscriptions)
        remove_subscription(found, store=deps.subscriptions, sns=deps.unsubscriber)
        return {"removed": found.summary()}, 1

    return _audited(run)
