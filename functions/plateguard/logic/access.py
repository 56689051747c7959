"""Who may do what: the user registry entry behind an IAM principal, checked against ROUTES.

IAM (the per-role policies CDK builds from the same ROUTES) already limits which routes a principal
can invoke; this check repeats it in the handler from the registry, so a mis-attached policy, a
disabled account or a lapsed training record is still refused.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from plateguard.logic.identity import IdentityRefused, normalize_principal_arn, resolve_caller
from plateguard.models.errors import AccessDenied, Conflict, InvalidRequest
from plateguard.models.routes import ROUTES, Role, Route


class UserStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    SEPARATED = "separated"


@dataclass(frozen=True)
class User:
    principal_arn: str
    agency: str
    username: str
    role: Role
    status: UserStatus
    training_completed_at: datetime | None
    approved_by: str | None
    created_at: datetime
    last_activity_at: datetime | None = None
    full_name: str | None = None  # the person, as the admin entered it (display only)

    def touched(self, now: datetime) -> User:
        return replace(self, last_activity_at=now)


class UserDirectory(Protocol):
    def get(self, principal_arn: str) -> User | None: ...
    def list_agency(self, agency: str) -> list[User]: ...
    def put(self, user: User) -> None: ...
    def record_activity(self, principal_arn: str, when: datetime) -> None: ...


@dataclass(frozen=True)
class AccessPolicy:
    inactivity_disable_days: int
    # Training must be refreshed this many calendar months after completion (None: never lapses).
    training_refresh_months: int | None = None
    # The stack's role names (as they appear in assumed-role ARNs) -> the PlateGuard role each grants.
    # Empty: no session is trusted, every request is refused (fail closed).
    role_names: Mapping[str, Role] = field(default_factory=dict)
    # Per-role refresher periods from the policy file; a role not named here uses training_refresh_months.
    refresh_months_by_role: Mapping[Role, int] = field(default_factory=dict)

    def refresh_months(self, role: Role) -> int | None:
        return self.refresh_months_by_role.get(role, self.training_refresh_months)


def add_months(when: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's last day (Jan 31 + 1 -> Feb 28/29)."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def training_expires_at(user: User, refresh_months: int | None) -> datetime | None:
    if user.training_completed_at is None or refresh_months is None:
        return None
    return add_months(user.training_completed_at, refresh_months)


def find_route(method: str, resource: str) -> Route | None:
    for route in ROUTES:
        if route.method == method.upper() and route.path == resource:
            return route
    return None


def authorize(
    caller_arn: str | None,
    method: str,
    resource: str,
    users: UserDirectory,
    policy: AccessPolicy,
    now: datetime,
) -> User:
    """The caller's registry entry if it may call this route now; AccessDenied (with a reason) if not.

    `caller_arn` is the principal as API Gateway asserts it (an assumed-role session of one of the
    stack's roles); `plateguard.logic.identity` turns it into the registry key nobody can choose.
    """
    route = find_route(method, resource)
    if route is None:
        raise AccessDenied("route_unknown", f"{method} {resource} is not a PlateGuard route")
    user = account_in_good_standing(caller_arn, users, policy, now)
    if user.role not in route.roles:
        raise AccessDenied("role_not_permitted", f"role {user.role.value} may not call {method} {resource}", user)
    return user


def account_in_good_standing(caller_arn: str | None, users: UserDirectory, policy: AccessPolicy, now: datetime) -> User:
    """The caller's registry entry if its session and account may use the API at all (any route);
    AccessDenied (with a reason, and the entry when there is one) if not."""
    try:
        identity = resolve_caller(caller_arn, policy.role_names)
    except IdentityRefused as refused:
        raise AccessDenied(refused.reason, refused.message) from None
    user = users.get(identity.principal_arn)
    if user is None:
        raise AccessDenied("unknown_principal", "this IAM principal is not a registered PlateGuard user")
    if identity.session_role is not user.role:
        raise AccessDenied(
            "role_mismatch",
            f"the session is of the {identity.session_role.value} role, the account is registered as {user.role.value}",
            user,
        )
    if user.status is UserStatus.SEPARATED:
        raise AccessDenied("account_separated", "this account was removed on separation", user)
    if user.status is not UserStatus.ACTIVE:
        raise AccessDenied("account_disabled", "this account is disabled", user)
    if user.approved_by is None:
        raise AccessDenied("not_approved", "this account has no supervisor approval", user)
    if user.training_completed_at is None or user.training_completed_at > now:
        raise AccessDenied("training_incomplete", "ALPR training must be completed before access", user)
    expires = training_expires_at(user, policy.refresh_months(user.role))
    if expires is not None and now >= expires:
        raise AccessDenied("training_expired", f"ALPR training lapsed on {expires.date().isoformat()}", user)
    last_seen = user.last_activity_at or user.created_at
    if now - last_seen > timedelta(days=policy.inactivity_disable_days):
        raise AccessDenied(
            "account_inactive", f"account unused for more than {policy.inactivity_disable_days} days", user
        )
    return user


# -- account administration (admins, own agency only) ----------------------------------------------


def _account_of(arn: str) -> tuple[str, str]:
    """(partition, account id) of an ARN; empty strings for anything that is not one."""
    parts = arn.split(":")
    return (parts[1], parts[4]) if len(parts) > 5 and parts[0] == "arn" else ("", "")


def put_user(
    admin: User,
    username: str,
    principal_arn: str,
    role: Role,
    status: UserStatus,
    training_completed_at: datetime | None,
    approved_by: str,
    users: UserDirectory,
    now: datetime,
    full_name: str | None = None,
) -> User:
    """Create or update an account of the admin's agency, approved by one of its active supervisors."""

    principal_arn = normalize_principal_arn(principal_arn)
    if _account_of(principal_arn) != _account_of(admin.principal_arn):
        # Role sessions are trusted only from this deployment's account: an outside principal could never
        # sign in as the account, and registering it would only let someone squat on the username.
        raise AccessDenied(
            "other_account", "principal_arn must be an IAM principal of this deployment's AWS account", admin
        )
    if principal_arn == admin.principal_arn or username == admin.username:
        raise AccessDenied("self_administration", "admins may not change their own account", admin)
    if approved_by == username:
        raise InvalidRequest("approved_by must name someone other than the account's own user")
    agency_users = users.list_agency(admin.agency)
    approver = next((u for u in agency_users if u.username == approved_by), None)
    if (
        approver is None
        or approver.role not in (Role.SUPERVISOR, Role.ADMIN)
        or approver.status is not UserStatus.ACTIVE
    ):
        raise InvalidRequest("approved_by must name an active supervisor or admin of your agency")
    existing = users.get(principal_arn)
    if existing is not None and existing.agency != admin.agency:
        raise Conflict("this principal is registered to another agency")
    if existing is not None and existing.status is UserStatus.SEPARATED:
        raise Conflict("a separated account stays separated; a returning person gets a new, approved account")
    if status is UserStatus.SEPARATED:
        raise InvalidRequest("separate an account with its separate action, which records the reason")
    same_name = next((u for u in agency_users if u.username == username and u.principal_arn != principal_arn), None)
    if same_name is not None:
        raise Conflict(f"username {username} already belongs to another principal")
    user = User(
        principal_arn=principal_arn,
        agency=admin.agency,
        username=username,
        role=role,
        status=status,
        training_completed_at=training_completed_at,
        approved_by=approved_by,
        created_at=existing.created_at if existing else now,
        last_activity_at=existing.last_activity_at if existing else None,
        full_name=full_name if full_name is not None else (existing.full_name if existing else None),
    )
    users.put(user)
    return user
