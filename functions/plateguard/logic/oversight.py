"""What the oversight jobs share: the system identity they act and audit as, and the supervisor port.

Scheduled jobs change accounts and assign reviews with no human caller; their audit records name
this fixed system principal so an auditor can tell them apart from any person's action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from plateguard.logic.audit_chain import AuditEvent, AuditStore, ChainEntry, chain_agency, event_time_of
from plateguard.models.routes import ROUTES

SYSTEM_PRINCIPAL = "plateguard:scheduled-job"
SYSTEM_USERNAME = "plateguard-jobs"
SYSTEM_ROLE = "system"


class SupervisorNotifier(Protocol):
    """Tells an agency's supervisors about account changes, review assignments and escalations."""

    def notify(self, agency: str, subject: str, details: dict[str, Any]) -> None: ...


def job_event(
    event_name: str,
    agency: str,
    now: datetime,
    parameters: dict[str, Any],
    *,
    job: str,
    result_count: int | None = None,
) -> AuditEvent:
    """An audit event of a scheduled job (write, successful: a failure raises before it is recorded)."""
    return AuditEvent(
        event_name=event_name,
        event_time=now,
        principal_arn=SYSTEM_PRINCIPAL,
        username=SYSTEM_USERNAME,
        agency=agency,
        role=SYSTEM_ROLE,
        access_key_id=None,
        source_ip=None,
        user_agent=f"plateguard-job/{job}",
        request_id=None,
        request_parameters=parameters,
        outcome="Success",
        result_count=result_count,
        read_only=False,
    )


def person_event(
    event_name: str,
    actor_principal: str,
    actor_username: str,
    actor_role: str,
    agency: str,
    now: datetime,
    parameters: dict[str, Any],
) -> AuditEvent:
    """An audit event of a person's oversight action (a review decision, a separation)."""
    return AuditEvent(
        event_name=event_name,
        event_time=now,
        principal_arn=actor_principal,
        username=actor_username,
        agency=agency,
        role=actor_role,
        access_key_id=None,
        source_ip=None,
        user_agent="plateguard-oversight",
        request_id=None,
        request_parameters=parameters,
        outcome="Success",
        read_only=False,
    )


# -- searches as the audit trail recorded them ----------------------------------------------------------

# CloudTrail-style eventNames of the routes that return plate data, from the route catalogue (a renamed
# route renames its records and this set together, so misuse sampling never silently stops).
SEARCH_EVENT_NAMES = frozenset(route.event_name for route in ROUTES if route.returns_plate_data)
# Request parameters that name another agency's data (sharing grants); the API records them as sent.
_TARGET_AGENCY_KEYS = ("targetAgency", "dataAgency", "agency", "sharedAgency")
_GRANT_KEYS = ("grantId", "sharingGrant", "sharingGrantId")
# How far before a period's start the newest-first walk keeps reading: chain order is append order,
# which can trail event time slightly when clocks of concurrent writers differ.
_CLOCK_SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class SearchEvent:
    """One search (or read fetch) from an agency's audit chain, with the terms an auditor reviews."""

    chain: str
    seq: int
    event_id: str
    record_hash: str
    event_time: datetime
    event_name: str
    outcome: str
    principal_arn: str
    username: str
    user_agency: str
    plate: str
    purpose: str
    case_number: str
    offense_type: str
    camera: str
    target_agency: str | None

    @property
    def partial(self) -> bool:
        return "?" in self.plate or "*" in self.plate

    @property
    def cross_agency(self) -> bool:
        """Data of another agency, or a partner agency's user searching in this chain."""
        return self.target_agency is not None or (bool(self.user_agency) and self.user_agency != self.chain)

    def terms(self) -> dict[str, Any]:
        return {
            "eventName": self.event_name,
            "eventTime": self.event_time.isoformat(),
            "plate": self.plate,
            "camera": self.camera,
            "purpose": self.purpose,
            "caseNumber": self.case_number,
            "offenseType": self.offense_type,
            "targetAgency": self.target_agency,
        }


def search_event(entry: ChainEntry) -> SearchEvent | None:
    """The search in an audit record, or None for any other event (or a record that does not parse)."""
    try:
        record = entry.record()
    except ValueError:
        return None
    if record.get("eventName") not in SEARCH_EVENT_NAMES:
        return None
    when = event_time_of(entry)
    if when is None:
        return None
    params = record.get("requestParameters") or {}
    identity = record.get("userIdentity") or {}
    user_agency = str(identity.get("agency") or "")
    target = next((str(params[k]) for k in _TARGET_AGENCY_KEYS if params.get(k)), None)
    if target is None and any(params.get(k) for k in _GRANT_KEYS):
        target = "(sharing grant)"
    if target == user_agency:
        target = None
    return SearchEvent(
        chain=chain_agency(entry.chain),  # the agency whose trail holds it (its writer's chain is in event_id)
        seq=entry.seq,
        event_id=str(record.get("eventID") or f"{entry.chain}#{entry.seq}"),
        record_hash=entry.hash,
        event_time=when,
        event_name=str(record["eventName"]),
        outcome=str(record.get("outcome") or ""),
        principal_arn=str(identity.get("principalArn") or ""),
        username=str(identity.get("userName") or identity.get("principalArn") or "?"),
        user_agency=user_agency,
        plate=str(params.get("plate") or "").upper(),
        purpose=str(params.get("purpose") or ""),
        case_number=str(params.get("caseNumber") or ""),
        offense_type=str(params.get("offenseType") or ""),
        camera=str(params.get("camera") or ""),
        target_agency=target,
    )


def load_search_events(
    store: AuditStore, agency: str, since: datetime, until: datetime, *, successful_only: bool = True
) -> list[SearchEvent]:
    """Searches recorded in `agency`'s chain with since <= eventTime < until, oldest first."""
    found: list[SearchEvent] = []
    for entry in store.entries(agency, newest_first=True):
        when = event_time_of(entry)
        if when is not None and when < since - _CLOCK_SLACK:
            break
        event = search_event(entry)
        if event is None or not since <= event.event_time < until:
            continue
        if successful_only and event.outcome != "Success":
            continue
        found.append(event)
    found.reverse()
    return found
