"""Account lifecycle: training expiry, the scheduled disabling of lapsed accounts, separation, reactivation.

What `plateguard.logic.access` already enforces is not repeated here: creating an account needs an
active supervisor's or admin's approval (`put_user`), and no request is served before training is
recorded, after it lapses, or after the inactivity limit (`authorize`). This module turns those
request-time refusals into account state a supervisor can see: the scheduled job *disables* the
accounts that `authorize` would refuse for inactivity or lapsed training, and separation takes effect
at once. Every change is written to the agency's audit chain first (no unaudited change) and then
reported to the agency's supervisors. Disabling or separating an account removes every alert
subscription it owns in the same change (named in the change's audit record), so alerts stop at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from plateguard.logic.access import User, UserDirectory, UserStatus, training_expires_at
from plateguard.logic.audit_chain import AuditTrail
from plateguard.logic.oversight import SupervisorNotifier, job_event, person_event
from plateguard.logic.subscriptions import Subscription, SubscriptionRemover
from plateguard.models.errors import AccessDenied, Conflict, InvalidRequest, NotFound
from plateguard.models.routes import Role

JOB_NAME = "disable-inactive-accounts"
DEFAULT_INACTIVITY_DAYS = 90  # CJIS: the common figure for disabling unused accounts
DEFAULT_TRAINING_REFRESH_MONTHS = 12
_OVERSEERS = (Role.SUPERVISOR, Role.ADMIN)


class LapseReason(StrEnum):
    INACTIVE = "inactive"
    TRAINING_LAPSED = "training_lapsed"


@dataclass(frozen=True)
class AccountPolicy:
    inactivity_disable_days: int = DEFAULT_INACTIVITY_DAYS
    training_refresh_months: int = DEFAULT_TRAINING_REFRESH_MONTHS
    refresh_months_by_role: Mapping[Role, int] = field(default_factory=dict)

    def refresh_months(self, role: Role) -> int:
        return self.refresh_months_by_role.get(role, self.training_refresh_months)

    @classmethod
    def from_policy(cls, policy: Any) -> AccountPolicy:
        """From a `plateguard.policy.model.Policy`: its inactivity limit and each role's refresher period.

        Policy roles named like an API role (officer, supervisor, ...) set that role's period; the
        default is the strictest period of any role, so an unnamed role never gets a longer one.
        """
        by_role = {Role(r.name): r.training.refresh_months for r in policy.roles if r.name in set(Role)}
        months = [r.training.refresh_months for r in policy.roles]
        return cls(
            inactivity_disable_days=policy.accounts.inactive_disable_days,
            training_refresh_months=min(months) if months else DEFAULT_TRAINING_REFRESH_MONTHS,
            refresh_months_by_role=by_role,
        )


@dataclass(frozen=True)
class AccountChange:
    agency: str
    principal_arn: str
    username: str
    action: str  # disabled | separated | reactivated | training_recorded
    reasons: tuple[str, ...]
    detail: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        return {"username": self.username, "action": self.action, "reasons": list(self.reasons), **self.detail}


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def lapse_reasons(user: User, policy: AccountPolicy, now: datetime) -> list[LapseReason]:
    """Why an active account must be disabled now (empty: it may stay active).

    Same boundaries as `authorize`: inactive when unused for *more than* the limit; training lapsed
    from the expiry instant on.
    """
    if user.status is not UserStatus.ACTIVE:
        return []
    reasons: list[LapseReason] = []
    last_seen = user.last_activity_at or user.created_at
    if now - last_seen > timedelta(days=policy.inactivity_disable_days):
        reasons.append(LapseReason.INACTIVE)
    expires = training_expires_at(user, policy.refresh_months(user.role))
    if expires is not None and now >= expires:
        reasons.append(LapseReason.TRAINING_LAPSED)
    return reasons


def disable_lapsed_accounts(
    agency: str,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    policy: AccountPolicy,
    now: datetime,
    subscriptions: SubscriptionRemover | None = None,
) -> list[AccountChange]:
    """The scheduled job for one agency: disable every active account that is inactive or untrained,
    removing its alert subscriptions; and remove any subscription still owned by an inactive account."""
    changes: list[AccountChange] = []
    for user in sorted(users.list_agency(agency), key=lambda u: u.username):
        reasons = lapse_reasons(user, policy, now)
        owned = _subscriptions_of(user, subscriptions)
        if not reasons:
            if user.status is not UserStatus.ACTIVE and owned:
                _remove_leftover(user, owned, subscriptions, trail, now)
            continue
        expires = training_expires_at(user, policy.refresh_months(user.role))
        detail = {
            "lastActivityAt": _iso(user.last_activity_at or user.created_at),
            "trainingExpiresAt": _iso(expires),
        }
        parameters: dict[str, Any] = {"targetPrincipalArn": user.principal_arn, "targetUsername": user.username}
        if owned:
            parameters["removedSubscriptions"] = [s.subscription_id for s in owned]
        trail.record(
            job_event("DisableAccount", agency, now, parameters | {"reasons": list(reasons)} | detail, job=JOB_NAME)
        )
        users.put(replace(user, status=UserStatus.DISABLED))
        _remove_subscriptions(owned, subscriptions)
        changes.append(AccountChange(agency, user.principal_arn, user.username, "disabled", tuple(reasons), detail))
    if changes:
        notifier.notify(
            agency,
            f"PlateGuard: {len(changes)} account(s) disabled",
            {"job": JOB_NAME, "at": now.isoformat(), "changes": [c.summary() for c in changes]},
        )
    return changes


def _subscriptions_of(user: User, subscriptions: SubscriptionRemover | None) -> list[Subscription]:
    return subscriptions.owned_by(user) if subscriptions is not None else []


def _remove_subscriptions(found: list[Subscription], subscriptions: SubscriptionRemover | None) -> int:
    """After the status is stored (the account is refused first, whatever SNS does); returns how many SNS
    could not remove now: their records stay, and the nightly job removes them (`_remove_leftover`)."""
    if subscriptions is None or not found:
        return 0
    return len(subscriptions.remove_all(found))


def _remove_leftover(
    user: User,
    owned: list[Subscription],
    subscriptions: SubscriptionRemover | None,
    trail: AuditTrail,
    now: datetime,
) -> None:
    """Subscriptions of an account already disabled or separated (left by a failed removal, or made
    before removal came with the change): recorded, then removed."""
    parameters = {
        "targetPrincipalArn": user.principal_arn,
        "targetUsername": user.username,
        "status": user.status.value,
        "removedSubscriptions": [s.subscription_id for s in owned],
    }
    trail.record(job_event("RemoveSubscriptions", user.agency, now, parameters, job=JOB_NAME))
    _remove_subscriptions(owned, subscriptions)


def _overseer(actor: User, target_arn: str, users: UserDirectory, action: str) -> User:
    """The target account, if `actor` is an active supervisor/admin of its agency and not the target."""
    if actor.role not in _OVERSEERS or actor.status is not UserStatus.ACTIVE:
        raise AccessDenied("role_not_permitted", f"only an active supervisor or admin may {action}", actor)
    if target_arn == actor.principal_arn:
        raise AccessDenied("self_administration", f"you may not {action} your own account", actor)
    target = users.get(target_arn)
    if target is None or target.agency != actor.agency:
        raise NotFound("no such account in your agency")
    return target


def _suspend(
    actor: User,
    target: User,
    status: UserStatus,
    event_name: str,
    reasons: tuple[str, ...],
    reason: str,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    now: datetime,
    subscriptions: SubscriptionRemover | None = None,
) -> AccountChange:
    """Record first (naming the subscriptions it removes), store the new status, remove the target's
    alert subscriptions (any SNS could not remove is left to the nightly job), then tell supervisors."""
    parameters: dict[str, Any] = {
        "targetPrincipalArn": target.principal_arn, "targetUsername": target.username, "reason": reason,
    }  # fmt: skip
    owned = _subscriptions_of(target, subscriptions)
    if owned:
        parameters["removedSubscriptions"] = [s.subscription_id for s in owned]
    trail.record(
        person_event(event_name, actor.principal_arn, actor.username, actor.role.value, actor.agency, now, parameters)
    )
    users.put(replace(target, status=status))
    left = _remove_subscriptions(owned, subscriptions)
    detail: dict[str, Any] = {"by": actor.username, "reason": reason}
    if owned:
        detail["removedSubscriptions"] = len(owned) - left
    if left:
        detail["subscriptionsLeftForTheNightlyJob"] = left
    change = AccountChange(target.agency, target.principal_arn, target.username, status.value, reasons, detail)
    notifier.notify(target.agency, f"PlateGuard: account {target.username} {status.value}", change.summary())
    return change


def separate_account(
    actor: User,
    target_arn: str,
    reason: str,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    now: datetime,
    subscriptions: SubscriptionRemover | None = None,
) -> AccountChange:
    """Separation (the person left or changed duties): the account is refused from this moment on, for good."""
    if len(reason.strip()) < 5:
        raise InvalidRequest("state the reason for the separation")
    target = _overseer(actor, target_arn, users, "separate an account")
    if target.status is UserStatus.SEPARATED:
        raise Conflict("this account is already separated")
    return _suspend(actor, target, UserStatus.SEPARATED, "SeparateAccount", ("separation",), reason, users=users,
                    trail=trail, notifier=notifier, now=now, subscriptions=subscriptions)  # fmt: skip


def record_training(
    actor: User,
    target_arn: str,
    completed_at: datetime,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    now: datetime,
) -> AccountChange:
    """Record a completed training (or refresher); it never dates from the future."""
    if completed_at > now:
        raise InvalidRequest("training completion cannot be in the future")
    target = _overseer(actor, target_arn, users, "record training")
    parameters = {
        "targetPrincipalArn": target.principal_arn,
        "targetUsername": target.username,
        "completedAt": completed_at.isoformat(),
    }
    trail.record(
        person_event(
            "RecordTraining", actor.principal_arn, actor.username, actor.role.value, actor.agency, now, parameters
        )
    )
    users.put(replace(target, training_completed_at=completed_at))
    return AccountChange(
        target.agency,
        target.principal_arn,
        target.username,
        "training_recorded",
        (),
        {"by": actor.username, "completedAt": completed_at.isoformat()},
    )


def reactivate_account(
    actor: User,
    target_arn: str,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    policy: AccountPolicy,
    now: datetime,
) -> AccountChange:
    """A supervisor re-approves a disabled account; its training must be current. Separation is final."""
    target = _overseer(actor, target_arn, users, "reactivate an account")
    if target.status is UserStatus.SEPARATED:
        raise Conflict("a separated account cannot be reactivated; create a new, approved account")
    if target.status is UserStatus.ACTIVE:
        raise Conflict("this account is already active")
    expires = training_expires_at(target, policy.refresh_months(target.role))
    if target.training_completed_at is None or (expires is not None and now >= expires):
        raise InvalidRequest("record current training before reactivating this account")
    parameters = {"targetPrincipalArn": target.principal_arn, "targetUsername": target.username}
    trail.record(
        person_event(
            "ReactivateAccount", actor.principal_arn, actor.username, actor.role.value, actor.agency, now, parameters
        )
    )
    # The inactivity clock restarts at the re-approval, or `authorize` would refuse the account at once.
    users.put(replace(target, status=UserStatus.ACTIVE, approved_by=actor.username, last_activity_at=now))
    change = AccountChange(
        target.agency, target.principal_arn, target.username, "reactivated", (), {"by": actor.username}
    )
    notifier.notify(target.agency, f"PlateGuard: account {target.username} reactivated", change.summary())
    return change


def account_named(users: UserDirectory, agency: str, username: str) -> User:
    """The account of `agency` with this username; NotFound otherwise (never another agency's)."""
    found = next((u for u in users.list_agency(agency) if u.username == username), None)
    if found is None:
        raise NotFound(f"no account {username} in your agency")
    return found


def disable_account(
    actor: User,
    target_arn: str,
    reason: str,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    notifier: SupervisorNotifier,
    now: datetime,
    subscriptions: SubscriptionRemover | None = None,
) -> AccountChange:
    """Suspend an account at once (leave, investigation); a supervisor may reactivate it later."""
    if len(reason.strip()) < 5:
        raise InvalidRequest("state the reason for disabling the account")
    target = _overseer(actor, target_arn, users, "disable an account")
    if target.status is not UserStatus.ACTIVE:
        raise Conflict(f"this account is already {target.status.value}")
    return _suspend(actor, target, UserStatus.DISABLED, "DisableAccount", ("by_admin",), reason, users=users,
                    trail=trail, notifier=notifier, now=now, subscriptions=subscriptions)  # fmt: skip


BOOTSTRAP_APPROVER = "bootstrap"


def bootstrap_admin(
    agency: str,
    username: str,
    principal_arn: str,
    trained_at: datetime,
    deployer_arn: str,
    *,
    users: UserDirectory,
    trail: AuditTrail,
    now: datetime,
    full_name: str | None = None,
) -> User:
    """The first admin of an empty deployment, written with the deployer's own AWS credentials.

    The only path that writes an account directly: it refuses once the agency has an active admin
    (from then on accounts change through the audited API), and records who bootstrapped whom first.
    """
    if trained_at > now:
        raise InvalidRequest("training completion cannot be in the future")
    if any(u.role is Role.ADMIN and u.status is UserStatus.ACTIVE for u in users.list_agency(agency)):
        raise Conflict(f"{agency} already has an active admin; add accounts through `plateguard users add`")
    existing = users.get(principal_arn)
    if existing is not None:
        raise Conflict(f"{principal_arn} is already registered (as {existing.username} of {existing.agency})")
    user = User(
        principal_arn=principal_arn,
        agency=agency,
        username=username,
        role=Role.ADMIN,
        status=UserStatus.ACTIVE,
        training_completed_at=trained_at,
        approved_by=BOOTSTRAP_APPROVER,
        created_at=now,
        full_name=full_name,
    )
    parameters = {
        "targetPrincipalArn": principal_arn,
        "targetUsername": username,
        "trainingCompletedAt": trained_at.isoformat(),
    }
    deployer = deployer_arn.rsplit("/", 1)[-1]
    trail.record(person_event("BootstrapAdmin", deployer_arn, deployer, "deployer", agency, now, parameters))
    users.put(user)
    return user
