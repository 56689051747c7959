"""Officer API routes for user accounts (included by handlers/api.py): list, show, add or update,
disable, separate, record training, reactivate. Admins only (models/routes.py), own agency only.

Same door as every other route. Account changes are also written to the agency's chain by the logic
in plateguard.logic.accounts *before* the change is stored, and reported to the agency's supervisors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from plateguard import schema
from plateguard.logic.access import User, UserStatus, put_user, training_expires_at
from plateguard.logic.accounts import (
    AccountChange,
    AccountPolicy,
    account_named,
    disable_account,
    reactivate_account,
    record_training,
    separate_account,
)
from plateguard.logic.identity import user_principal_arn
from plateguard.logic.oversight import SupervisorNotifier
from plateguard.logic.subscriptions import SubscriptionRemover
from plateguard.models.api import (
    USERNAME_PATTERN,
    AccountActionRequest,
    AccountChangeOut,
    PutUserRequest,
    TrainingRequest,
    UserOut,
    UsersResponse,
)
from plateguard.models.settings import get_users_api_settings

router = Router()

# CloudTrail-style eventName of each route below (merged into handlers/api.py EVENT_NAMES).
EVENT_NAMES: dict[tuple[str, str], str] = {
    ("GET", "/users"): "ListUsers",
    ("GET", "/users/{user_id}"): "GetUser",
    ("PUT", "/users/{user_id}"): "PutUser",
    ("POST", "/users/{user_id}/disable"): "DisableUser",
    ("POST", "/users/{user_id}/separate"): "SeparateUser",
    ("POST", "/users/{user_id}/training"): "RecordUserTraining",
    ("POST", "/users/{user_id}/reactivate"): "ReactivateUser",
}
UserId = Annotated[str, Path(pattern=USERNAME_PATTERN, description="Username within your agency")]


@dataclass(frozen=True)
class UsersApiDependencies:
    notifier: SupervisorNotifier
    accounts: AccountPolicy
    subscriptions: SubscriptionRemover  # disabling or separating removes the account's alert subscriptions


@lru_cache(maxsize=1)
def get_users_api_dependencies() -> UsersApiDependencies:
    from plateguard.dal.clients import aws_client
    from plateguard.dal.subscriptions import DynamoSubscriptionStore, SnsUnsubscriber
    from plateguard.dal.supervisors import SnsSupervisorNotifier
    from plateguard.dal.tables import bind_tables

    settings = get_users_api_settings()
    bind_tables(
        {schema.SUBSCRIPTIONS.logical_id: settings.subscriptions_table_name},
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    sns = aws_client("sns", settings.aws_region, settings.aws_endpoint_url)
    return UsersApiDependencies(
        notifier=SnsSupervisorNotifier(sns, settings.supervisor_topic_arn),
        accounts=AccountPolicy(
            inactivity_disable_days=settings.inactivity_disable_days,
            training_refresh_months=settings.training_refresh_months,
        ),
        subscriptions=SubscriptionRemover(DynamoSubscriptionStore(), SnsUnsubscriber(sns)),
    )


def _audited(action: Any, **options: Any) -> Any:
    from plateguard.handlers.api import _audited as audited  # the one audited door

    return audited(action, **options)


def _core() -> Any:
    from plateguard.handlers.api import get_api_dependencies

    return get_api_dependencies()


def _now() -> datetime:
    return datetime.now(UTC)


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


def _change_out(change: AccountChange, users: Any) -> AccountChangeOut:
    status = users.get(change.principal_arn).status.value
    return AccountChangeOut(username=change.username, action=change.action, status=status)


@router.get("/users", summary="List the user accounts of your agency", tags=["users"])
def list_users_route() -> UsersResponse:
    def run(admin: User) -> tuple[UsersResponse, int]:
        months = get_users_api_dependencies().accounts.training_refresh_months
        users = sorted(_core().users.list_agency(admin.agency), key=lambda u: u.username)
        return UsersResponse(users=[user_out(u, months) for u in users], count=len(users)), len(users)

    return _audited(run)


@router.get("/users/<user_id>", summary="One user account of your agency", tags=["users"])
def get_user_route(user_id: UserId) -> UserOut:
    def run(admin: User) -> tuple[UserOut, int]:
        months = get_users_api_dependencies().accounts.training_refresh_months
        return user_out(account_named(_core().users, admin.agency, user_id), months), 1

    return _audited(run)


@router.put("/users/<user_id>", summary="Create or update a user account of your agency", tags=["users"])
def put_user_route(user_id: UserId, body: PutUserRequest) -> UserOut:
    def run(admin: User) -> tuple[UserOut, int]:
        account = admin.principal_arn.split(":")[4]
        saved = put_user(
            admin,
            username=user_id,
            principal_arn=body.principal_arn or user_principal_arn(account, user_id),
            role=body.role,
            status=UserStatus(body.status),
            training_completed_at=body.training_completed_at,
            approved_by=body.approved_by,
            users=_core().users,
            now=_now(),
            full_name=body.full_name,
        )
        return user_out(saved, get_users_api_dependencies().accounts.training_refresh_months), 1

    return _audited(run)


def _suspend(user_id: str, body: AccountActionRequest, change_fn: Any) -> AccountChangeOut:
    """Disable or separate: the logic records the change before storing it, and tells supervisors."""

    def run(admin: User) -> tuple[AccountChangeOut, int]:
        core, deps = _core(), get_users_api_dependencies()
        target = account_named(core.users, admin.agency, user_id)
        change = change_fn(admin, target.principal_arn, body.reason, users=core.users, trail=core.trail,
                           notifier=deps.notifier, now=_now(), subscriptions=deps.subscriptions)  # fmt: skip
        return _change_out(change, core.users), 1

    return _audited(run, parameters={"reason": body.reason})


@router.post("/users/<user_id>/disable", summary="Disable an account now (a supervisor may reactivate)", tags=["users"])
def disable_user_route(user_id: UserId, body: AccountActionRequest) -> AccountChangeOut:
    return _suspend(user_id, body, disable_account)


@router.post("/users/<user_id>/separate", summary="Separate an account for good", tags=["users"])
def separate_user_route(user_id: UserId, body: AccountActionRequest) -> AccountChangeOut:
    return _suspend(user_id, body, separate_account)


@router.post("/users/<user_id>/training", summary="Record a completed training or refresher", tags=["users"])
def record_training_route(user_id: UserId, body: TrainingRequest) -> AccountChangeOut:
    def run(admin: User) -> tuple[AccountChangeOut, int]:
        core = _core()
        target = account_named(core.users, admin.agency, user_id)
        completed = body.completed_at if body.completed_at.tzinfo else body.completed_at.replace(tzinfo=UTC)
        change = record_training(admin, target.principal_arn, completed, users=core.users, trail=core.trail, now=_now())
        return _change_out(change, core.users), 1

    return _audited(run)


@router.post("/users/<user_id>/reactivate", summary="Reactivate a disabled account", tags=["users"])
def reactivate_user_route(user_id: UserId) -> AccountChangeOut:
    def run(admin: User) -> tuple[AccountChangeOut, int]:
        core, deps = _core(), get_users_api_dependencies()
        target = account_named(core.users, admin.agency, user_id)
        change = reactivate_account(
            admin, target.principal_arn, users=core.users, trail=core.trail, notifier=deps.notifier,
            policy=deps.accounts, now=_now(),
        )  # fmt: skip
        return _change_out(change, core.users), 1

    return _audited(run)
