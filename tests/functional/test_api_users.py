"""Account administration through the audited API: admins add, show, disable, separate, record training
and reactivate accounts of their own agency; every change is recorded before it is stored."""

from __future__ import annotations

from datetime import timedelta

from plateguard.logic.identity import user_principal_arn
from tests.api_support import ACCOUNT, GOOD_PURPOSE, NOW, USERS, ApiWorld, api_world, session_arn

__all__ = ["api_world"]

NEW_OFFICER = {
    "role": "officer",
    "approved_by": "sgt.chen",
    "training_completed_at": (NOW - timedelta(days=2)).isoformat(),
    "full_name": "Dana Whitfield",
}


def _put(api_world: ApiWorld, username: str, body: dict[str, object], who: str = "admin") -> tuple[int, dict]:
    return api_world.call(who, "PUT", "/users/{user_id}", f"/users/{username}", path_params={"user_id": username},
                          body=body)  # fmt: skip


def _act(api_world: ApiWorld, username: str, action: str, body: dict[str, object] | None = None) -> tuple[int, dict]:
    resource = f"/users/{{user_id}}/{action}"
    return api_world.call("admin", "POST", resource, f"/users/{username}/{action}", path_params={"user_id": username},
                          body=body or {})  # fmt: skip


def _events(api_world: ApiWorld) -> list[str]:
    return [r["eventName"] for r in api_world.audit_records()]


def test_an_admin_adds_an_officer_keyed_on_the_iam_user_of_the_same_name(api_world: ApiWorld) -> None:
    # When the admin adds officer.whitfield without naming a principal
    status, body = _put(api_world, "officer.whitfield", NEW_OFFICER)
    # Then the account is keyed on the IAM user officer.whitfield of the admin's account
    assert status == 200, body
    assert body["principal_arn"] == user_principal_arn(ACCOUNT, "officer.whitfield")
    assert body["full_name"] == "Dana Whitfield" and body["training_expires_at"]
    # And that person's officer-role session can search
    from plateguard.dal.users import DynamoUserDirectory

    added = DynamoUserDirectory().get(body["principal_arn"])
    assert added is not None
    status, _ = api_world.search(session_arn(added), plate="7KDR394", **GOOD_PURPOSE)
    assert status == 200
    # And the admin can show it
    status, shown = api_world.call("admin", "GET", "/users/{user_id}", "/users/officer.whitfield",
                                   path_params={"user_id": "officer.whitfield"})  # fmt: skip
    assert status == 200 and shown["username"] == "officer.whitfield"


def test_nobody_approves_their_own_account(api_world: ApiWorld) -> None:
    status, body = _put(api_world, "sgt.new", {**NEW_OFFICER, "role": "supervisor", "approved_by": "sgt.new"})
    assert status == 400 and "someone other" in body["message"]


def test_disable_then_reactivate_with_every_change_recorded_first(api_world: ApiWorld) -> None:
    # When the admin disables officer.garcia
    status, body = _act(api_world, "officer.garcia", "disable", {"reason": "administrative leave"})
    assert status == 200 and body["status"] == "disabled"
    # Then the change is recorded before the request's successful outcome, and the officer is refused from now on
    records = api_world.audit_records()
    changed = next(i for i, r in enumerate(records) if r["eventName"] == "DisableAccount")
    served = [i for i, r in enumerate(records) if r["eventName"] == "DisableUser" and r["outcome"] == "Success"]
    assert served and all(changed < i for i in served)
    status, refused = api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)
    assert status == 403 and refused["message"] == "this account is disabled"
    # When the admin reactivates / Then the officer may search again
    status, body = _act(api_world, "officer.garcia", "reactivate")
    assert status == 200 and body["status"] == "active"
    assert api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)[0] == 200


def test_a_separated_account_stays_separated(api_world: ApiWorld) -> None:
    status, body = _act(api_world, "officer.garcia", "separate", {"reason": "resigned 2026-11-30"})
    assert status == 200 and body["status"] == "separated"
    # Neither reactivation nor a PUT brings it back
    assert _act(api_world, "officer.garcia", "reactivate")[0] == 409
    status, body = _put(api_world, "officer.garcia", {**NEW_OFFICER, "principal_arn": USERS["officer"].principal_arn})
    assert status == 409 and "stays separated" in body["message"]


def test_recorded_training_is_what_reactivation_checks(api_world: ApiWorld) -> None:
    # Given an account disabled with training 400 days old
    _act(api_world, "officer.idle", "disable", {"reason": "training lapsed"})
    from plateguard.dal.users import DynamoUserDirectory

    directory = DynamoUserDirectory()
    idle = directory.get(USERS["inactive"].principal_arn)
    assert idle is not None
    from dataclasses import replace

    directory.put(replace(idle, training_completed_at=NOW - timedelta(days=400)))
    # Then reactivation is refused until the refresher is recorded
    assert _act(api_world, "officer.idle", "reactivate")[0] == 400
    status, body = _act(api_world, "officer.idle", "training", {"completed_at": NOW.isoformat()})
    assert status == 200 and body["action"] == "training_recorded"
    assert _act(api_world, "officer.idle", "reactivate")[0] == 200


def test_only_admins_administer_accounts_and_refusals_are_recorded(api_world: ApiWorld) -> None:
    status, _ = api_world.call("supervisor", "POST", "/users/{user_id}/disable", "/users/officer.garcia/disable",
                               path_params={"user_id": "officer.garcia"}, body={"reason": "not my call"})  # fmt: skip
    assert status == 403
    record = api_world.audit_records()[-1]
    assert record["eventName"] == "DisableUser" and record["errorCode"] == "AccessDenied.role_not_permitted"


def test_an_account_of_another_agency_is_not_found(api_world: ApiWorld) -> None:
    status, _ = _act(api_world, "officer.novak", "disable", {"reason": "not ours to disable"})
    assert status == 404
