"""Typed domain errors. Each carries what a user needs to act on it."""

from __future__ import annotations


class PlateGuardError(Exception):
    """Base of every domain error."""


class RejectedImage(PlateGuardError):
    """An uploaded object that cannot be processed as a camera image: it goes to quarantine.

    `reason` is a stable machine-readable code; `detail` explains it to a person.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class AlertPublishInFlight(PlateGuardError):
    """Another worker holds a fresh claim on this alert's publish: retry the message later (by then it
    is published, or the claim is stale and the retry publishes it)."""

    def __init__(self, alert_id: str) -> None:
        super().__init__(f"alert {alert_id} is being published by another worker")
        self.alert_id = alert_id


# -- officer API -----------------------------------------------------------------------------------
# Each API error carries a stable `code` (the `error` field of the JSON body). The HTTP status of each
# category is chosen in one place: plateguard.handlers.api.app.ERROR_STATUS (most specific class first).
# A domain error the API answers subclasses one category, so no route translates errors:
# InvalidRequest: HotListError, EntryRejected (logic.hotlist_admin), HoldRejected (logic.holds);
# NotFound: CameraNotFound (logic.cameras);
# Conflict: IllegalTransition, DispositionConflict (logic.alert_lifecycle), HoldNotReleased, CameraConflict.


class ApiError(PlateGuardError):
    code = "ApiError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(ApiError):
    """A parameter is missing, malformed, out of range or not allowed by policy."""

    code = "InvalidRequest"


class InvalidPaginationToken(InvalidRequest):
    """A next_token that fails its integrity check, has expired or belongs to another query or caller."""

    code = "InvalidPaginationToken"


class AccessDenied(ApiError):
    """The caller may not do this: unknown principal, inactive account, or a role without the route.

    `reason` is a stable code for the audit record; `user` is the registry entry when there is one.
    """

    code = "AccessDenied"

    def __init__(self, reason: str, message: str, user: object | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.user = user


class NotFound(ApiError):
    code = "NotFound"


class Conflict(ApiError):
    code = "Conflict"


class AuditUnavailable(ApiError):
    """The audit record could not be written: the request fails closed and returns no data."""

    code = "AuditUnavailable"


class AuditChainConflict(PlateGuardError):
    """Another writer took the next sequence number of the chain first (retry with the new head)."""
