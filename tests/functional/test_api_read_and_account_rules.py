"""Notes from issue 14's hostile-user test: a read without expiry never fails or leaks a search; hot lists
and searches share one plate rule; an account is never registered for another AWS account's principal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from plateguard.dal.repositories import read_pk, read_sk
from plateguard.logic.hotlist_admin import EntryRejected, build_entry
from plateguard.logic.patterns import PatternError, parse_plate_pattern
from plateguard.models.records import PlateReadRecord
from tests.api_support import GOOD_PURPOSE, USERS, ApiWorld, api_world, make_read
from tests.door_api_support import outcome_record, send
from tests.hotlist_api_support import LIST, hotlist_route_request

__all__ = ["api_world"]


def strip_expiry(world: ApiWorld, read: PlateReadRecord) -> None:
    """The item as a faulty writer or a hand edit could leave it: no expires_at attribute."""
    world.dynamodb().update_item(
        TableName=world.resources.table_names["ReadsTable"],
        Key={"pk": {"S": read_pk(read.agency, read.plate)}, "sk": {"S": read_sk(read.captured_at, read.read_id)}},
        UpdateExpression="REMOVE expires_at",
    )


class TestReadWithoutExpiry:
    def test_a_search_skips_and_logs_it_and_still_answers(
        self, api_world: ApiWorld, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Given two reads of a plate, one of whose items lost its expiry
        good, broken = make_read("7KDR394", hours_ago=1), make_read("7KDR394", hours_ago=2)
        api_world.put_reads(good, broken)
        strip_expiry(api_world, broken)
        # When an officer searches the plate
        with caplog.at_level(logging.WARNING, logger="plateguard.dal.repositories"):
            status, body = api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)
        # Then the search answers with the good read only, and the skipped item is logged by id
        assert status == 200, body
        assert [r["read_id"] for r in body["reads"]] == [good.read_id]
        assert any(broken.read_id in message for message in caplog.messages)

    def test_fetching_it_is_404_and_listing_its_plate_is_not_a_500(self, api_world: ApiWorld) -> None:
        broken = make_read("5MNB217")
        api_world.put_reads(broken)
        strip_expiry(api_world, broken)
        fetched = send(
            "officer",
            "GET",
            "/reads/{read_id}",
            path=f"/reads/{broken.read_id}",
            path_params={"read_id": broken.read_id},
            query=GOOD_PURPOSE,
        )
        assert fetched.status == 404
        # A hot-list entry for its plate looks for stored reads (historical alerts): it skips this one
        request = hotlist_route_request(_route("POST", "/hotlists/{list_name}/entries"))
        added = send("officer", "POST", "/hotlists/{list_name}/entries", **request)
        assert added.status == 200 and added.body["historical_alerts"] == []


NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed",
    ["7KDR394", "7kd-r 394", " 7KDR394 ", "7KD.R394", "7KDR394'", "7KD_R394", "<7KDR394>", "7KDR394;", "ÄBC123", ""],
)
def test_a_hot_list_keeps_a_plate_exactly_when_a_search_for_it_is_accepted(typed: str) -> None:
    # Given a plate as someone typed it
    try:
        searched: str | None = parse_plate_pattern(typed).text
    except PatternError:
        searched = None
    # When it is put on a hot list
    try:
        stored: str | None = build_entry(
            LIST, plate=typed, reason="stolen", case_number="C-1", entered_by="sgt.chen", now=NOW
        ).plate
    except EntryRejected:
        stored = None
    # Then both take it as the same plate, or both refuse it: nothing is silently stripped to fit
    assert stored == searched


def test_the_api_refuses_a_hot_list_plate_a_search_would_refuse(api_world: ApiWorld) -> None:
    request = hotlist_route_request(_route("POST", "/hotlists/{list_name}/entries"))
    request["body"] = {**request["body"], "plate": "7KD.R394"}
    sent = send("officer", "POST", "/hotlists/{list_name}/entries", **request)
    assert sent.status == 400 and "7KD.R394" in sent.body["message"]
    assert outcome_record(sent)["requestParameters"]["plate"] == "7KD.R394"


def test_an_account_for_a_principal_of_another_aws_account_is_refused(api_world: ApiWorld) -> None:
    from plateguard.dal.users import DynamoUserDirectory

    # Given a principal ARN of another AWS account
    foreign = "arn:aws:iam::999999999999:user/officer.new2"
    # When the admin registers it
    sent = send(
        "admin",
        "PUT",
        "/users/{user_id}",
        path="/users/officer.new2",
        path_params={"user_id": "officer.new2"},
        body={"principal_arn": foreign, "role": "officer", "approved_by": USERS["supervisor"].username},
    )
    # Then it is refused and recorded, and no account is stored for it
    assert sent.status == 403 and "AWS account" in sent.body["message"]
    record = outcome_record(sent)
    assert record["errorCode"] == "AccessDenied.other_account"
    assert record["requestParameters"]["principalArn"] == foreign
    assert DynamoUserDirectory().get(foreign) is None


def _route(method: str, path: str) -> object:
    from plateguard.models.routes import ROUTES

    return next(r for r in ROUTES if (r.method, r.path) == (method, path))
