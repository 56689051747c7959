"""What the officer API's account routes do: list, show, create or update, disable, separate, record
training, reactivate (admins only, own agency only; logic.accounts and logic.access hold the rules).

Account changes are written to the agency's chain before they are stored, and reported to the agency's
supervisors (logic.accounts). Each function returns the response and the count the audit record carries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from plateguard.logic.access import User, UserDirectory, UserStatus, put_user, training_expires_at
from plateguard.logic.accounts import (
    AccountChange,
    AccountPolicy,
    account_named,
    disable_account,
    reactivate_account,
    record_training,
    separate_account,
)
from plateguard.logic.audit_chain import AuditTrail
from plateguard.logic.identity import user_principal_arn
from plateguard.logic.oversight import SupervisorNotifier
from plateguard.logic.subscriptions import SubscriptionRemover
from plateguard.models.api import (
    AccountActionRequest,
    AccountChangeOut,
    PutUserRequest,
    TrainingRequest,
    UserOut,
    UsersResponse,
)


def user_out(user: User, refresh_months: int | None = None) -> UserOut:
    return UserOut(
        principal_arn=user.principal_arn,
        agency=user.agency,
        username=user.username,
        role=user.role,
        status=user.status.value,
        training_completed_at=user.training_completed_at,
        approved_by=user.approved_by,
        created_at=user.created_at,
        last_activity_at=user.last_activity_at,
        full_name=user.full_name,
        training_expires_at=training_expires_at(user, refresh_months),
    )


def change_out(change: AccountChange, users: UserDirectory) -> AccountChangeOut:
    """What changed, with the account's status as stored now."""
    stored = users.get(change.principal_arn)
    if stored is None:  # the change was stored before this read: only a concurrent removal gets here
        raise RuntimeError(f"account {change.username} vanished after its change was stored")
    return AccountChangeOut(username=change.username, action=change.action, status=stored.status.value)


def list_users(admin: User, *, users: UserDirectory, accounts: AccountPolicy) -> tuple[UsersResponse, int]:
    """The agency's accounts by username."""
    listed = sorted(users.list_agency(admin.agency), key=lambda u: u.username)
    months = accounts.training_refresh_months
    return UsersResponse(users=[user_out(u, months) for u in listed], count=len(listed)), len(listed)


def get_user(admin: User, user_id: str, *, users: UserDirectory, accounts: AccountPolicy) -> tuple[UserOut, int]:
    return user_out(account_named(users, admin.agency, user_id), accounts.training_refresh_months), 1


def put_user_account(
    admin: User, user_id: str, body: PutUserRequest, now: datetime, *, users: UserDirectory, accounts: AccountPolicy
) -> tuple[UserOut, int]:
    """Create or update an account; its principal defaults to the IAM user of that name in the admin's account."""
    account = admin.principal_arn.split(":")[4]
    saved = put_user(
        admin,
        username=user_id,
        principal_arn=body.principal_arn or user_principal_arn(account, user_id),
        role=body.role,
        status=UserStatus(body.status),
        training_completed_at=body.training_completed_at,
        approved_by=body.approved_by,
        users=users,
        now=now,
        full_name=body.full_name,
    )
    return user_out(saved, accounts.training_refresh_months), 1


def suspend_terms(body: AccountActionRequest) -> dict[str, Any]:
    """Recorded beside the request's terms: why the account was disabled or separated."""
    return {"reason": body.reason}


def _suspend(
    change_fn: Callable[..., AccountChange],
    admin: User,
    user_id: str,
    body: AccountActionRequest,
    now: datetime,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    subscriptions: SubscriptionRemover,
) -> tuple[AccountChangeOut, int]:
    target = account_named(users, admin.agency, user_id)
    change = change_fn(admin, target.principal_arn, body.reason, users=users, trail=trail, notifier=notifier,
                       now=now, subscriptions=subscriptions)  # fmt: skip
    return change_out(change, users), 1


def disable_user(
    admin: User,
    user_id: str,
    body: AccountActionRequest,
    now: datetime,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    subscriptions: SubscriptionRemover,
) -> tuple[AccountChangeOut, int]:
    """Disable now (a supervisor may reactivate); the account's alert subscriptions are removed."""
    return _suspend(disable_account, admin, user_id, body, now, users=users, trail=trail, notifier=notifier,
                    subscriptions=subscriptions)  # fmt: skip


def separate_user(
    admin: User,
    user_id: str,
    body: AccountActionRequest,
    now: datetime,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    subscriptions: SubscriptionRemover,
) -> tuple[AccountChangeOut, int]:
    """Separate for good; the account's alert subscriptions are removed."""
    return _suspend(separate_account, admin, user_id, body, now, users=users, trail=trail, notifier=notifier,
                    subscriptions=subscriptions)  # fmt: skip


def record_user_training(
    admin: User, user_id: str, body: TrainingRequest, now: datetime, *, users: UserDirectory, trail: AuditTrail
) -> tuple[AccountChangeOut, int]:
    """A completed training or refresher (a time without a zone is UTC)."""
    target = account_named(users, admin.agency, user_id)
    completed = body.completed_at if body.completed_at.tzinfo else body.completed_at.replace(tzinfo=UTC)
    change = record_training(admin, target.principal_arn, completed, users=users, trail=trail, now=now)
    return change_out(change, users), 1


def reactivate_user(
    admin: User,
    user_id: str,
    now: datetime,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    accounts: AccountPolicy,
) -> tuple[AccountChangeOut, int]:
    """Reactivate a disabled account (the rules: logic.accounts.reactivate_account)."""
    target = account_named(users, admin.agency, user_id)
    change = reactivate_account(admin, target.principal_arn, users=users, trail=trail, notifier=notifier,
                                policy=accounts, now=now)  # fmt: skip
    return change_out(change, users), 1
