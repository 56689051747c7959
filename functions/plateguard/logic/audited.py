"""The audited door: every API request, whatever its outcome, leaves one outcome record before any answer.

`Door.admit` authorizes the caller against the route the resolver dispatches (403 before anything else
about the request is looked at; an unknown route is 404 once the account is known to be in good
standing). The request's terms are then checked (400), the route runs, and `Door.conclude` writes the
one outcome record (Success with the result count, or Denied / Rejected / Failed with the error) before
the answer leaves. If that write fails, the answer is replaced by AuditUnavailable (503): fail closed.

No change without its record: a route that changes something (any method but GET) first writes an
attempt record (`outcome: Attempted`, same requestID, same terms) through `Door.attempt`, and only then
acts; if the attempt cannot be recorded, nothing changes and nothing is published (503). Two records
rather than one written first: the outcome of a change (done, refused as a conflict, failed half-way)
is what an auditor needs, and it is known only afterwards. Reads keep one record each.

A request over another agency's shared data (`AuditedRequest.also_chains`) is recorded in the caller's
chain and then in the granting agency's chain, both before the result leaves; if either write fails
the request answers 503 (a record already written stays: it shows an access whose data was dropped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from plateguard.logic.access import AccessPolicy, User, UserDirectory, account_in_good_standing, authorize
from plateguard.logic.audit_chain import AuditEvent, AuditTrail
from plateguard.models.errors import AccessDenied, ApiError, InvalidRequest, NotFound
from plateguard.models.routes import Route

_log = logging.getLogger(__name__)
# Last-activity writes are throttled: one per user per this interval is enough for a 90-day rule.
ACTIVITY_GRANULARITY = timedelta(hours=1)
ATTEMPTED = "Attempted"
UNKNOWN_ROUTE = "UnknownRoute"


@dataclass(frozen=True)
class Caller:
    """Who is asking, as API Gateway saw it (requestContext.identity)."""

    principal_arn: str | None
    access_key_id: str | None
    source_ip: str | None
    user_agent: str | None
    request_id: str | None
    method: str


@dataclass
class AuditedRequest:
    """One request at the door, filled in as it goes through."""

    caller: Caller
    route: Route | None  # the catalogue route the resolver dispatches; None: no route matches
    event_name: str
    parameters: dict[str, Any]
    # Other agencies' chains that also record this request, chosen once the caller is known (sharing).
    also_chains: Callable[[User], tuple[str, ...]] | None = None
    # Filled by the action while it runs (e.g. the id of what it created); added to responseElements.
    response_elements: dict[str, Any] = field(default_factory=dict)
    result_count: int | None = None
    user: User | None = None  # set once admitted: the action runs as this account
    identity: User | None = None  # the registry entry behind the caller, admitted or not (for the record)
    error: Exception | None = None  # why the request was not served
    attempted: bool = False
    concluded: bool = False

    @property
    def read_only(self) -> bool:
        return self.caller.method == "GET"


def _outcome(error: Exception) -> tuple[str, str]:
    if isinstance(error, AccessDenied):
        return "Denied", f"AccessDenied.{error.reason}"
    if isinstance(error, InvalidRequest | NotFound):
        return "Rejected", error.code
    if isinstance(error, ApiError):
        return "Failed", error.code
    return "Failed", "InternalError"


@dataclass(frozen=True)
class Door:
    users: UserDirectory
    policy: AccessPolicy
    trail: AuditTrail
    # Read at each step: each record carries the time it was written, so an agency's records read in
    # time order show the attempt, then what the logic recorded, then the outcome.
    clock: Callable[[], datetime]

    def admit(self, request: AuditedRequest) -> User:
        """The account the request runs as; AccessDenied (403) or, for no route, NotFound (404)."""
        now, arn = self.clock(), request.caller.principal_arn
        try:
            if request.route is None:
                request.identity = account_in_good_standing(arn, self.users, self.policy, now)
                raise NotFound("no such route")
            user = authorize(arn, request.route.method, request.route.path, self.users, self.policy, now)
        except AccessDenied as denied:
            if isinstance(denied.user, User):
                request.identity = denied.user  # a known but refused account: its agency's chain records it
            raise
        request.user = request.identity = user
        return user

    def attempt(self, request: AuditedRequest) -> None:
        """Record the attempt of a change before it is made (AuditUnavailable: make no change)."""
        self._record(request, self._event(request, ATTEMPTED))
        request.attempted = True

    def conclude(self, request: AuditedRequest) -> None:
        """The one outcome record of the request (AuditUnavailable: the answer must not leave)."""
        if request.concluded:
            return
        error = request.error
        if error is None:
            event = self._event(request, "Success", count=request.result_count)
        else:
            outcome, code = _outcome(error)
            message = error.message if isinstance(error, ApiError) else "internal error"
            event = self._event(request, outcome, code, message)
        request.concluded = True  # one try: a failed write is not retried into a second record
        self._record(request, event)
        if error is None and request.user is not None:
            _note_activity(request.user, self.users, self.clock())

    def _event(
        self,
        request: AuditedRequest,
        outcome: str,
        code: str | None = None,
        message: str | None = None,
        count: int | None = None,
    ) -> AuditEvent:
        who = request.identity
        sent = request.caller.principal_arn
        return AuditEvent(
            event_name=request.event_name,
            event_time=self.clock(),
            # The registry identity AWS asserted (the IAM user behind the role session), and the
            # session ARN exactly as API Gateway sent it.
            principal_arn=who.principal_arn if who else sent,
            session_arn=sent if sent and (who is None or sent != who.principal_arn) else None,
            username=who.username if who else None,
            agency=who.agency if who else None,
            role=who.role.value if who else None,
            access_key_id=request.caller.access_key_id,
            source_ip=request.caller.source_ip,
            user_agent=request.caller.user_agent,
            request_id=request.caller.request_id,
            request_parameters=dict(request.parameters),
            outcome=outcome,
            error_code=code,
            error_message=message,
            result_count=count,
            read_only=request.read_only,
            response_elements=(dict(request.response_elements) or None) if outcome != ATTEMPTED else None,
        )

    def _record(self, request: AuditedRequest, event: AuditEvent) -> None:
        # The caller's own chain first, then each other agency's chain: all before any data leaves.
        self.trail.record(event)
        who = request.identity
        if who is not None and request.also_chains is not None:
            for chain in request.also_chains(who):
                if chain != who.agency:
                    self.trail.record(event, chain=chain)


def _note_activity(user: User, users: UserDirectory, now: datetime) -> None:
    last = user.last_activity_at
    if last is not None and now - last < ACTIVITY_GRANULARITY:
        return
    try:
        users.record_activity(user.principal_arn, now)
    except Exception:  # activity tracking must not turn a served, audited request into an error
        _log.warning("could not record last activity", exc_info=True)
