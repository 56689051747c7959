"""User accounts: list, show, add or update, disable, separate, record training, reactivate
(plateguard.logic.officer_users). Admins only, own agency only. Account changes are also written to
the agency's chain by plateguard.logic.accounts *before* the change is stored, and reported to the
agency's supervisors."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from plateguard.handlers.api.door import audited, route
from plateguard.logic import officer_users as accounts
from plateguard.models.api import (
    USERNAME_PATTERN,
    AccountActionRequest,
    AccountChangeOut,
    PutUserRequest,
    TrainingRequest,
    UserOut,
    UsersResponse,
)

router = Router()

UserId = Annotated[str, Path(pattern=USERNAME_PATTERN, description="Username within your agency")]


@route(router, "GET", "/users", summary="List the user accounts of your agency", tags=["users"])
def list_users_route() -> UsersResponse:
    return audited(lambda admin, deps: accounts.list_users(admin, users=deps.users, accounts=deps.accounts))


@route(router, "GET", "/users/{user_id}", summary="One user account of your agency", tags=["users"])
def get_user_route(user_id: UserId) -> UserOut:
    return audited(lambda admin, deps: accounts.get_user(admin, user_id, users=deps.users, accounts=deps.accounts))


@route(router, "PUT", "/users/{user_id}", summary="Create or update a user account of your agency", tags=["users"])
def put_user_route(user_id: UserId, body: PutUserRequest) -> UserOut:
    return audited(
        lambda admin, deps: accounts.put_user_account(
            admin, user_id, body, deps.clock(), users=deps.users, accounts=deps.accounts
        )
    )


@route(
    router,
    "POST",
    "/users/{user_id}/disable",
    summary="Disable an account now (a supervisor may reactivate)",
    tags=["users"],
)
def disable_user_route(user_id: UserId, body: AccountActionRequest) -> AccountChangeOut:
    return audited(
        lambda admin, deps: accounts.disable_user(
            admin,
            user_id,
            body,
            deps.clock(),
            users=deps.users,
            trail=deps.trail,
            notifier=deps.notifier,
            subscriptions=deps.subscription_remover,
        ),
        parameters=accounts.suspend_terms(body),
    )


@route(router, "POST", "/users/{user_id}/separate", summary="Separate an account for good", tags=["users"])
def separate_user_route(user_id: UserId, body: AccountActionRequest) -> AccountChangeOut:
    return audited(
        lambda admin, deps: accounts.separate_user(
            admin,
            user_id,
            body,
            deps.clock(),
            users=deps.users,
            trail=deps.trail,
            notifier=deps.notifier,
            subscriptions=deps.subscription_remover,
        ),
        parameters=accounts.suspend_terms(body),
    )


@route(router, "POST", "/users/{user_id}/training", summary="Record a completed training or refresher", tags=["users"])
def record_training_route(user_id: UserId, body: TrainingRequest) -> AccountChangeOut:
    return audited(
        lambda admin, deps: accounts.record_user_training(
            admin, user_id, body, deps.clock(), users=deps.users, trail=deps.trail
        )
    )


@route(router, "POST", "/users/{user_id}/reactivate", summary="Reactivate a disabled account", tags=["users"])
def reactivate_user_route(user_id: UserId) -> AccountChangeOut:
    return audited(
        lambda admin, deps: accounts.reactivate_user(
            admin,
            user_id,
            deps.clock(),
            users=deps.users,
            trail=deps.trail,
            notifier=deps.notifier,
            accounts=deps.accounts,
        )
    )
