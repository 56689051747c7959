"""Sharing grants in search: a recipient agency's searches over a grantor's reads go through the same
audited door, only under an active grant for that purpose, and land in both agencies' trails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from plateguard.models.errors import AuditUnavailable
from tests.api_support import GOOD_PURPOSE, NOW, USERS, ApiWorld, api_world, clear_caches, make_read

__all__ = ["api_world"]

TODAY = NOW.date()


def grant(grant_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": grant_id,
        "granting_agency": "demo-pd",
        "recipient_agency": "Other Police Department",
        "recipient_agency_id": "other-pd",
        "recipient_type": "california-municipal-agency",
        "scopes": ["search-reads"],
        "purposes": ["robbery", "homicide"],
        "start": (TODAY - timedelta(days=10)).isoformat(),
        "end": (TODAY + timedelta(days=30)).isoformat(),
        "approved_by": "Chief of Police Dana Reyes",
        **changes,
    }


def use_grants(monkeypatch: pytest.MonkeyPatch, *grants: dict[str, Any]) -> None:
    from plateguard.wiring.api import dependencies as get_api_dependencies

    monkeypatch.setenv("SHARING_GRANTS", json.dumps(list(grants)))
    clear_caches()
    get_api_dependencies()


@pytest.fixture
def shared(api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiWorld]:
    use_grants(monkeypatch, grant("other-pd-robbery"))
    yield api_world


def other_agency_search(world: ApiWorld, **changes: str) -> tuple[int, dict[str, Any]]:
    return world.search("other_officer", plate="7KDR394", agency="demo-pd", **{**GOOD_PURPOSE, **changes})


def test_a_recipient_searches_the_grantors_reads_and_both_trails_record_it(shared: ApiWorld) -> None:
    # Given the same plate read by both agencies, and demo-pd's grant to other-pd for robbery searches
    ours, theirs = make_read("7KDR394"), make_read("7KDR394", agency="other-pd")
    shared.put_reads(ours, theirs)
    # When other-pd's officer searches demo-pd's reads for a robbery
    status, body = other_agency_search(shared)
    # Then only demo-pd's reads come back
    assert status == 200, body
    assert [r["read_id"] for r in body["reads"]] == [ours.read_id]
    # And the search is in both agencies' trails, with the recipient's identity and the grant used
    recipient, grantor = shared.audit_records("other-pd")[-1], shared.audit_records("demo-pd")[-1]
    for record in (recipient, grantor):
        assert record["eventName"] == "SearchReads" and record["outcome"] == "Success"
        assert record["userIdentity"]["userName"] == USERS["other_officer"].username
        assert record["userIdentity"]["agency"] == "other-pd"
        assert record["requestParameters"]["agency"] == "demo-pd"
        assert record["requestParameters"]["caseNumber"] == GOOD_PURPOSE["case_number"]
        assert record["responseElements"] == {
            "resultCount": 1,
            "sharingGrant": "other-pd-robbery",
            "dataAgency": "demo-pd",
        }
    assert (recipient["chain"]["agency"], grantor["chain"]["agency"]) == ("other-pd", "demo-pd")
    assert recipient["requestID"] == grantor["requestID"]
    # And without naming the agency, the recipient still sees only its own reads
    _, own = shared.search("other_officer", plate="7KDR394", **GOOD_PURPOSE)
    assert [r["read_id"] for r in own["reads"]] == [theirs.read_id]

    # When demo-pd's auditor lists accesses by other-pd
    window = {"since": (NOW - timedelta(days=1)).isoformat(), "until": (NOW + timedelta(days=1)).isoformat()}
    status, trail = shared.call("auditor", "GET", "/audit", query={**window, "agency": "other-pd"})
    # Then the recipient's search is there, and nothing of demo-pd's own users
    assert status == 200
    assert [(e["userIdentity"]["userName"], e["eventName"]) for e in trail["events"]] == [
        (USERS["other_officer"].username, "SearchReads")
    ]


@pytest.mark.parametrize(
    ("grants", "changes"),
    [
        ((), {}),  # no grant at all
        ((grant("old", end=(TODAY - timedelta(days=1)).isoformat()),), {}),  # expired
        ((grant("later", start=(TODAY + timedelta(days=1)).isoformat()),), {}),  # not started
        ((grant("robbery-only"),), {"offense_type": "burglary"}),  # purpose not covered
        ((grant("to-someone-else", recipient_agency_id="third-pd", recipient_agency="Third PD"),), {}),
    ],
    ids=["none", "expired", "not-started", "purpose", "other-recipient"],
)
def test_without_an_active_grant_for_the_purpose_the_search_is_refused_and_audited(
    api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch, grants: tuple[dict[str, Any], ...], changes: dict[str, str]
) -> None:
    use_grants(monkeypatch, *grants)
    api_world.put_reads(make_read("7KDR394"))
    status, body = other_agency_search(api_world, **changes)
    assert status == 403 and body["error"] == "AccessDenied" and "reads" not in body
    denied = api_world.audit_records("other-pd")[-1]
    assert denied["outcome"] == "Denied" and denied["errorCode"] == "AccessDenied.no_sharing_grant"
    assert denied["requestParameters"]["agency"] == "demo-pd"
    # The grantor's trail records the attempt when it has granted anything; otherwise it stays empty
    grantor = api_world.audit_records("demo-pd")
    if grants:
        assert grantor[-1]["requestID"] == denied["requestID"] and grantor[-1]["outcome"] == "Denied"
    else:
        assert grantor == []


def test_the_grant_is_one_way(shared: ApiWorld) -> None:
    shared.put_reads(make_read("7KDR394", agency="other-pd"))
    status, body = shared.search("officer", plate="7KDR394", agency="other-pd", **GOOD_PURPOSE)
    assert status == 403 and "reads" not in body
    assert shared.audit_records("other-pd") == []  # other-pd granted nothing: no record there


def test_if_the_grantors_trail_cannot_be_written_no_data_is_returned(
    shared: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plateguard.wiring.api import dependencies as get_api_dependencies

    shared.put_reads(make_read("7KDR394"))
    trail = get_api_dependencies().trail
    original = trail.record

    def failing(event: Any, chain: str | None = None) -> Any:
        if chain == "demo-pd":
            raise AuditUnavailable("the audit trail is unavailable; the request was not served")
        return original(event, chain)

    monkeypatch.setattr(trail, "record", failing)
    status, body = other_agency_search(shared)
    assert status == 503 and body["error"] == "AuditUnavailable" and "reads" not in body


def test_a_shared_search_token_is_bound_to_the_agency_searched(shared: ApiWorld) -> None:
    shared.put_reads(*(make_read("7KDR394", hours_ago=h) for h in (1, 2, 3)))
    _, page = other_agency_search(shared, limit="1")
    assert page["next_token"]
    status, body = shared.search(
        "other_officer", plate="7KDR394", limit="1", next_token=page["next_token"], **GOOD_PURPOSE
    )
    assert status == 400 and body["error"] == "InvalidPaginationToken"
    status, more = other_agency_search(shared, limit="1", next_token=page["next_token"])
    assert status == 200 and more["count"] == 1


def test_the_api_gets_the_policys_grants_and_reads_them_back_unchanged() -> None:
    from pathlib import Path

    from plateguard.models.settings import ApiSettings
    from plateguard.policy.enforcement import api_environment, parse_sharing_grants
    from plateguard.policy.loader import load_policy

    policy = load_policy(Path(__file__).resolve().parents[2] / "examples" / "policy" / "california.yaml")
    env = api_environment(policy)
    assert parse_sharing_grants(env["SHARING_GRANTS"]) == tuple(policy.sharing.grants)
    names = [str(f.validation_alias) for f in ApiSettings.model_fields.values() if f.is_required()]  # resources
    settings = ApiSettings.model_validate({**env, **dict.fromkeys(names, "x"), "PAGINATION_KMS_KEY_ID": "k"})
    assert settings.sharing_grants == env["SHARING_GRANTS"]
    assert len(env["SHARING_GRANTS"]) < 2048  # Lambda environments are limited to 4 KB in all
    with pytest.raises(ValueError):
        parse_sharing_grants('[{"id": "x"}]')  # malformed grants stop the API rather than share wrongly


# -- fetching one read (detail and crop) under a grant -----------------------------------------------------


def other_agency_fetch(world: ApiWorld, read_id: str, **changes: str) -> tuple[int, dict[str, Any]]:
    query = {**GOOD_PURPOSE, "agency": "demo-pd", **changes}
    path_params = {"read_id": read_id}
    return world.call("other_officer", "GET", "/reads/{read_id}", f"/reads/{read_id}", query, path_params)


def test_a_recipient_fetches_a_grantors_read_with_its_crop_and_both_trails_record_it(shared: ApiWorld) -> None:
    # Given a read of demo-pd, and demo-pd's grant to other-pd for robbery searches
    ours = make_read("7KDR394")
    shared.put_reads(ours)
    # When other-pd's officer fetches it naming demo-pd, for a robbery
    status, body = other_agency_fetch(shared, ours.read_id)
    # Then the detail and a short-lived crop URL come back
    assert status == 200, body
    assert body["read_id"] == ours.read_id and body["raw_text"] == ours.raw_text
    assert ours.crop_key in body["crop_url"]
    # And the fetch is in both agencies' trails, with the recipient's identity, the case and the grant used
    recipient, grantor = shared.audit_records("other-pd")[-1], shared.audit_records("demo-pd")[-1]
    for record in (recipient, grantor):
        assert record["eventName"] == "GetReadWithCropUrl" and record["outcome"] == "Success"
        assert record["userIdentity"]["userName"] == USERS["other_officer"].username
        assert record["requestParameters"]["agency"] == "demo-pd"
        assert record["requestParameters"]["caseNumber"] == GOOD_PURPOSE["case_number"]
        assert record["responseElements"]["sharingGrant"] == "other-pd-robbery"
        assert record["responseElements"]["dataAgency"] == "demo-pd"
    assert (recipient["chain"]["agency"], grantor["chain"]["agency"]) == ("other-pd", "demo-pd")
    assert recipient["requestID"] == grantor["requestID"]


def test_without_naming_the_grantor_a_recipient_cannot_fetch_its_read(shared: ApiWorld) -> None:
    ours = make_read("7KDR394")
    shared.put_reads(ours)
    status, body = shared.call(
        "other_officer", "GET", "/reads/{read_id}", f"/reads/{ours.read_id}", GOOD_PURPOSE, {"read_id": ours.read_id}
    )
    assert status == 404 and "crop_url" not in body


@pytest.mark.parametrize(
    ("grants", "changes"),
    [
        ((), {}),  # no grant at all
        ((grant("robbery-only"),), {"offense_type": "burglary"}),  # offense type outside the grant
        ((grant("old", end=(TODAY - timedelta(days=1)).isoformat()),), {}),  # expired
    ],
    ids=["none", "offense-type", "expired"],
)
def test_without_an_active_grant_for_the_offense_type_the_fetch_is_refused_and_recorded(
    api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch, grants: tuple[dict[str, Any], ...], changes: dict[str, str]
) -> None:
    # Given a read of demo-pd and no grant covering this fetch
    use_grants(monkeypatch, *grants)
    ours = make_read("7KDR394")
    api_world.put_reads(ours)
    # When other-pd's officer fetches it naming demo-pd
    status, body = other_agency_fetch(api_world, ours.read_id, **changes)
    # Then it is refused with no detail, and recorded in the recipient's trail
    assert status == 403 and body["error"] == "AccessDenied" and "crop_url" not in body
    denied = api_world.audit_records("other-pd")[-1]
    assert denied["eventName"] == "GetReadWithCropUrl" and denied["outcome"] == "Denied"
    assert denied["errorCode"] == "AccessDenied.no_sharing_grant"
    # And in the grantor's trail when it has granted anything (a stranger's name is not a chain to write)
    grantor = api_world.audit_records("demo-pd")
    if grants:
        assert grantor[-1]["requestID"] == denied["requestID"] and grantor[-1]["outcome"] == "Denied"
    else:
        assert grantor == []


def test_a_refused_fetch_does_not_tell_whether_the_read_exists(shared: ApiWorld) -> None:
    ours = make_read("7KDR394")
    shared.put_reads(ours)
    real = other_agency_fetch(shared, ours.read_id, offense_type="burglary")
    missing = other_agency_fetch(shared, "0" * len(ours.read_id), offense_type="burglary")
    assert real[0] == missing[0] == 403 and real[1] == missing[1]
