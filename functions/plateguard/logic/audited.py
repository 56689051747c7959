"""Every API request, allowed or not, leaves one audit record before any data leaves.

`run_audited` authorizes the caller, runs the action (the query), then writes the audit record with
the outcome and result count, and only then hands the result back. If the audit write fails, the
result is dropped and AuditUnavailable (503) propagates instead: fail closed.

A request over another agency's shared data (`AuditedCall.also_chains`) is recorded in the caller's
chain and then in the granting agency's chain, both before the result leaves; if either write fails
the request answers 503 (a record already written stays: it shows an access whose data was dropped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from plateguard.logic.access import AccessPolicy, User, UserDirectory, authorize
from plateguard.logic.audit_chain import AuditEvent, AuditTrail
from plateguard.models.errors import AccessDenied, ApiError, AuditUnavailable, InvalidRequest, NotFound

T = TypeVar("T")
_log = logging.getLogger(__name__)
# Last-activity writes are throttled: one per user per this interval is enough for a 90-day rule.
ACTIVITY_GRANULARITY = timedelta(hours=1)


@dataclass(frozen=True)
class Caller:
    """Who is asking, as API Gateway saw it (requestContext.identity)."""

    principal_arn: str | None
    access_key_id: str | None
    source_ip: str | None
    user_agent: str | None
    request_id: str | None
    method: str
    resource: str


@dataclass(frozen=True)
class AuditedCall:
    caller: Caller
    event_name: str
    parameters: dict[str, Any]
    read_only: bool = True
    # Other agencies' chains that also record this request, chosen once the caller is known (sharing).
    also_chains: Callable[[User], tuple[str, ...]] | None = None
    # Filled by the action while it runs (e.g. the id of what it created); added to responseElements.
    response_elements: dict[str, Any] = field(default_factory=dict)


def _outcome(error: Exception) -> tuple[str, str]:
    if isinstance(error, AccessDenied):
        return "Denied", f"AccessDenied.{error.reason}"
    if isinstance(error, InvalidRequest | NotFound):
        return "Rejected", error.code
    if isinstance(error, ApiError):
        return "Failed", error.code
    return "Failed", "InternalError"


def run_audited(
    call: AuditedCall,
    action: Callable[[User], tuple[T, int | None]],
    *,
    users: UserDirectory,
    policy: AccessPolicy,
    trail: AuditTrail,
    now: datetime,
) -> T:
    user: User | None = None

    def event(
        outcome: str, code: str | None = None, message: str | None = None, count: int | None = None
    ) -> AuditEvent:
        who = user
        sent = call.caller.principal_arn
        return AuditEvent(
            event_name=call.event_name,
            event_time=now,
            # The registry identity AWS asserted (the IAM user behind the role session), and the
            # session ARN exactly as API Gateway sent it.
            principal_arn=who.principal_arn if who else sent,
            session_arn=sent if sent and (who is None or sent != who.principal_arn) else None,
            username=who.username if who else None,
            agency=who.agency if who else None,
            role=who.role.value if who else None,
            access_key_id=call.caller.access_key_id,
            source_ip=call.caller.source_ip,
            user_agent=call.caller.user_agent,
            request_id=call.caller.request_id,
            request_parameters=call.parameters,
            outcome=outcome,
            error_code=code,
            error_message=message,
            result_count=count,
            read_only=call.read_only,
            response_elements=dict(call.response_elements) or None,
        )

    def record(audit_event: AuditEvent) -> None:
        # The caller's own chain first, then each other agency's chain: all before any data leaves.
        trail.record(audit_event)
        if user is not None and call.also_chains is not None:
            for chain in call.also_chains(user):
                if chain != user.agency:
                    trail.record(audit_event, chain=chain)

    try:
        user = authorize(call.caller.principal_arn, call.caller.method, call.caller.resource, users, policy, now)
        result, count = action(user)
    except AuditUnavailable:
        raise
    except Exception as error:
        if isinstance(error, AccessDenied) and isinstance(error.user, User):
            user = error.user  # a known but refused account: its agency's chain records the denial
        outcome, code = _outcome(error)
        message = error.message if isinstance(error, ApiError) else "internal error"
        record(event(outcome, code, message))  # AuditUnavailable here replaces the error: 503
        raise
    record(event("Success", count=count))
    _note_activity(user, users, now)
    return result


def _note_activity(user: User, users: UserDirectory, now: datetime) -> None:
    last = user.last_activity_at
    if last is not None and now - last < ACTIVITY_GRANULARITY:
        return
    try:
        users.record_activity(user.principal_arn, now)
    except Exception:  # activity tracking must not turn a served, audited request into an error
        _log.warning("could not record last activity", exc_info=True)
