"""The account routes' business work (plateguard.logic.officer_users) on in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plateguard.logic.access import UserStatus
from plateguard.logic.accounts import AccountPolicy
from plateguard.logic.officer_users import (
    disable_user,
    get_user,
    list_users,
    put_user_account,
    reactivate_user,
    record_user_training,
    separate_user,
    suspend_terms,
)
from plateguard.logic.subscriptions import Subscription, SubscriptionRemover
from plateguard.models.api import AccountActionRequest, PutUserRequest, TrainingRequest
from plateguard.models.errors import NotFound
from plateguard.models.routes import Role
from tests.fakes.officer_api import MemorySubscriptionStore, RecordingTopic
from tests.fakes.oversight import T0, MemoryUsers, RecordingNotifier, trail, user

ADMIN = user("adm.park", Role.ADMIN)
SUPERVISOR = user("sgt.chen", Role.SUPERVISOR)
OFFICER = user("ofc.diaz")
ACCOUNTS = AccountPolicy(inactivity_disable_days=90, training_refresh_months=12)
WHY = AccountActionRequest(reason="left the unit")


def test_lists_the_agency_by_username_with_training_expiry_and_shows_one() -> None:
    # Given three accounts of the agency and one of another
    users = MemoryUsers(OFFICER, ADMIN, SUPERVISOR, user("ofc.x", agency="other-pd"))

    # When the admin lists and shows
    listed, count = list_users(ADMIN, users=users, accounts=ACCOUNTS)
    shown, _ = get_user(ADMIN, "ofc.diaz", users=users, accounts=ACCOUNTS)

    # Then the agency's three, by username, each with its training's expiry (completed + 12 months)
    assert [u.username for u in listed.users] == ["adm.park", "ofc.diaz", "sgt.chen"] and count == 3
    assert shown.training_expires_at is not None and shown.training_expires_at.year == T0.year
    assert shown == listed.users[1]

    # And another agency's account is not found
    with pytest.raises(NotFound, match=r"no account ofc\.x in your agency"):
        get_user(ADMIN, "ofc.x", users=users, accounts=ACCOUNTS)


def test_put_creates_the_account_as_the_iam_user_of_the_admins_account() -> None:
    # Given the admin and an approving supervisor
    users = MemoryUsers(ADMIN, SUPERVISOR)

    # When the admin creates an officer account without naming its principal
    body = PutUserRequest(role=Role.OFFICER, approved_by="sgt.chen", full_name="Ana Ruiz")
    created, count = put_user_account(ADMIN, "ofc.ruiz", body, T0, users=users, accounts=ACCOUNTS)

    # Then the principal is the IAM user of that name in the admin's AWS account
    assert created.principal_arn == "arn:aws:iam::123456789012:user/ofc.ruiz"
    assert (created.status, created.created_at, count) == ("active", T0, 1)


def test_disabling_records_the_change_tells_supervisors_and_removes_subscriptions() -> None:
    # Given an officer with one alert subscription
    users = MemoryUsers(ADMIN, SUPERVISOR, OFFICER)
    audit, chain = trail()
    notifier, topic = RecordingNotifier(), RecordingTopic()
    store = MemorySubscriptionStore(
        Subscription("demo-pd", "s1", "arn:sns:s1", OFFICER.principal_arn, "ofc.diaz", "sms", "+15551230001", T0)
    )

    # When the admin disables the account
    response, count = disable_user(ADMIN, "ofc.diaz", WHY, T0, users=users, trail=audit, notifier=notifier,
                                   subscriptions=SubscriptionRemover(store, topic))  # fmt: skip

    # Then the answer shows it disabled, supervisors are told, and its subscription is gone
    assert response.model_dump(mode="json") == {"username": "ofc.diaz", "action": "disabled", "status": "disabled"}
    assert count == 1 and len(notifier.sent) == 1 and topic.unsubscribed == ["arn:sns:s1"]
    assert any(chain.by_chain.values())  # written to the agency's chain
    assert suspend_terms(WHY) == {"reason": "left the unit"}


def test_separating_is_final_and_training_then_reactivation_restores_a_disabled_account() -> None:
    # Given two officers, one disabled
    lee = user("ofc.lee", status=UserStatus.DISABLED)
    users = MemoryUsers(ADMIN, SUPERVISOR, OFFICER, lee)
    audit, _ = trail()
    notifier = RecordingNotifier()
    removal = SubscriptionRemover(MemorySubscriptionStore(), RecordingTopic())

    # When the admin separates one
    separated, _ = separate_user(ADMIN, "ofc.diaz", WHY, T0, users=users, trail=audit, notifier=notifier,
                                 subscriptions=removal)  # fmt: skip

    # Then it is separated
    assert (separated.action, separated.status) == ("separated", "separated")

    # When the supervisor records the other's training (a naive time is UTC) and reactivates it
    done = TrainingRequest(completed_at=(T0 - timedelta(days=1)).replace(tzinfo=None))
    trained, _ = record_user_training(SUPERVISOR, "ofc.lee", done, T0, users=users, trail=audit)
    reactivated, count = reactivate_user(SUPERVISOR, "ofc.lee", T0, users=users, trail=audit, notifier=notifier,
                                         accounts=ACCOUNTS)  # fmt: skip

    # Then the training is on record and the account is active again
    assert users.named("ofc.lee").training_completed_at == T0 - timedelta(days=1)
    assert (trained.action, reactivated.action, reactivated.status, count) == (
        "training_recorded", "reactivated", "active", 1,
    )  # fmt: skip
