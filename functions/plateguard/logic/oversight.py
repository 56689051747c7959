"""What the oversight jobs share: the system identity they act and audit as, and the supervisor port.

Scheduled jobs change accounts and assign reviews with no human caller; their audit records name
this fixed system principal so an auditor can tell them apart from any person's action.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from plateguard.logic.audit_chain import AuditEvent

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
