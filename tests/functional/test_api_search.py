"""Officer searches through the handler: each search kind, the purpose rules, tokens and retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plateguard.logic.retention import expires_at_epoch
from tests.api_support import GOOD_PURPOSE, NOW, ApiWorld, api_world, make_read

__all__ = ["api_world"]

DAY = {"since": (NOW - timedelta(days=1)).isoformat(), "until": (NOW + timedelta(minutes=1)).isoformat()}


def ids(body: dict) -> set[str]:
    return {r["read_id"] for r in body["reads"]}


def test_exact_plate_search_returns_the_reads_newest_first_and_audits_the_count(api_world: ApiWorld) -> None:
    # Given two reads of the plate and one of another plate
    older, newer, other = make_read("7KDR394", hours_ago=5), make_read("7KDR394", hours_ago=1), make_read("8ABC123")
    api_world.put_reads(older, newer, other)
    # When an officer searches the plate with a purpose
    status, body = api_world.search("officer", plate="7kdr-394", **GOOD_PURPOSE)
    # Then both reads come back, newest first
    assert status == 200 and body["search_type"] == "exact"
    assert [r["read_id"] for r in body["reads"]] == [newer.read_id, older.read_id]
    # And the audit record names who, what, why and how many
    record = api_world.audit_records()[-1]
    assert record["eventName"] == "SearchReads" and record["outcome"] == "Success"
    assert record["userIdentity"]["userName"] == "officer.garcia" and record["userIdentity"]["agency"] == "demo-pd"
    assert record["requestParameters"]["purpose"] == GOOD_PURPOSE["purpose"]
    assert record["requestParameters"]["caseNumber"] == GOOD_PURPOSE["case_number"]
    assert record["requestParameters"]["offenseType"] == "robbery"
    assert record["responseElements"] == {"resultCount": 2}
    assert record["sourceIPAddress"] == "198.51.100.7" and record["requestID"]


def test_partial_plate_search_matches_wildcards_inside_the_window(api_world: ApiWorld) -> None:
    hit, miss, outside = make_read("7KDR394"), make_read("7KXR395"), make_read("7KDR394", hours_ago=60)
    api_world.put_reads(hit, miss, outside)
    status, body = api_world.search("officer", plate="7KD?3*", **DAY, **GOOD_PURPOSE)
    assert status == 200 and body["search_type"] == "partial"
    assert ids(body) == {hit.read_id}


def test_camera_search_returns_that_cameras_reads_in_the_window(api_world: ApiWorld) -> None:
    main, bridge = make_read("7KDR394"), make_read("8ABC123", camera="cam-harbor-bridge")
    api_world.put_reads(main, bridge)
    status, body = api_world.search("officer", camera="cam-harbor-bridge", **DAY, **GOOD_PURPOSE)
    assert status == 200 and body["search_type"] == "camera" and ids(body) == {bridge.read_id}


def test_area_search_returns_reads_inside_the_box(api_world: ApiWorld) -> None:
    inside, outside = make_read("7KDR394", lat=37.78, lon=-122.42), make_read("8ABC123", lat=37.44, lon=-122.14)
    api_world.put_reads(inside, outside)
    box = {"min_lat": "37.7", "max_lat": "37.8", "min_lon": "-122.5", "max_lon": "-122.3"}
    status, body = api_world.search("officer", **box, **DAY, **GOOD_PURPOSE)
    assert status == 200 and body["search_type"] == "area" and ids(body) == {inside.read_id}


def test_expired_reads_are_never_returned_even_while_dynamodb_still_holds_them(api_world: ApiWorld) -> None:
    # Given a read past its expires_at (TTL deletion lags; moto never deletes)
    expired = make_read("7KDR394", expires_at=expires_at_epoch(NOW - timedelta(days=2), 1))
    live = make_read("7KDR394")
    api_world.put_reads(expired, live)
    # Then no search kind and no fetch returns it
    assert ids(api_world.search("officer", plate="7KDR394", **GOOD_PURPOSE)[1]) == {live.read_id}
    assert ids(api_world.search("officer", plate="7KD*", **DAY, **GOOD_PURPOSE)[1]) == {live.read_id}
    status, _ = api_world.call(
        "officer",
        "GET",
        "/reads/{read_id}",
        path=f"/reads/{expired.read_id}",
        path_params={"read_id": expired.read_id},
        query=GOOD_PURPOSE,
    )
    assert status == 404


def test_pagination_walks_every_result_once(api_world: ApiWorld) -> None:
    reads = [make_read("7KDR394", hours_ago=h) for h in range(1, 8)]
    api_world.put_reads(*reads)
    seen: list[str] = []
    token = None
    for _ in range(10):
        query = {"plate": "7KD*", "limit": "3", **DAY, **GOOD_PURPOSE}
        if token:
            query["next_token"] = token
        status, body = api_world.search("officer", **query)
        assert status == 200
        seen += [r["read_id"] for r in body["reads"]]
        token = body["next_token"]
        if not token:
            break
    assert sorted(seen) == sorted(r.read_id for r in reads) and len(seen) == len(set(seen))


def test_fetching_a_read_returns_a_short_lived_crop_url_and_audits_its_issue(api_world: ApiWorld) -> None:
    read = make_read("7KDR394")
    api_world.put_reads(read)
    status, body = api_world.call(
        "officer",
        "GET",
        "/reads/{read_id}",
        path=f"/reads/{read.read_id}",
        path_params={"read_id": read.read_id},
        query=GOOD_PURPOSE,
    )
    assert status == 200 and body["read_id"] == read.read_id
    assert read.crop_key in body["crop_url"] and "Expires" in body["crop_url"]
    record = api_world.audit_records()[-1]
    assert record["eventName"] == "GetReadWithCropUrl" and record["responseElements"] == {"resultCount": 1}
    assert record["requestParameters"]["readId"] == read.read_id


LONG = "x" * 5000


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"plate": "7KDR394", "case_number": "DPD-1", "offense_type": "robbery"}, "purpose"),
        ({"plate": "7KDR394", "purpose": "because", "case_number": "DPD-1", "offense_type": "robbery"}, "purpose"),
        ({"plate": "7KDR394", **{**GOOD_PURPOSE, "case_number": "'; DROP--"}}, "case_number"),
        ({"plate": "7KDR394", **{**GOOD_PURPOSE, "offense_type": "curiosity"}}, "offense_type"),
        ({"plate": "7KD*", **GOOD_PURPOSE}, "since and until"),
        ({"camera": "cam-main-st", **GOOD_PURPOSE}, "since and until"),
        (
            {
                "plate": "7KD*",
                "since": (NOW - timedelta(days=30)).isoformat(),
                "until": NOW.isoformat(),
                **GOOD_PURPOSE,
            },
            "may not exceed",
        ),
        ({"plate": "7K*", **DAY, **GOOD_PURPOSE}, "known characters"),
        ({"plate": "7KD[0-9]", **GOOD_PURPOSE}, "plate"),
        ({"plate": "' OR '1'='1", **GOOD_PURPOSE}, "plate"),
        ({"plate": "<script>alert(1)</script>", **GOOD_PURPOSE}, "plate"),
        ({"plate": "7KDR394", "camera": "../../etc/passwd", **GOOD_PURPOSE}, "camera"),
        ({"plate": LONG, **GOOD_PURPOSE}, "plate"),
        ({"plate": "7KDR394", **{**GOOD_PURPOSE, "purpose": LONG}}, "purpose"),
        ({"plate": "7KDR394", "limit": "abc", **GOOD_PURPOSE}, "limit"),
        ({"plate": "7KDR394", "since": "yesterday", "until": NOW.isoformat(), **GOOD_PURPOSE}, "since"),
        ({**GOOD_PURPOSE}, "plate, a camera or an area"),
        ({"plate": "7KDR394", "next_token": "not-a-token", **GOOD_PURPOSE}, "next_token"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_searches_get_a_clear_400_with_nothing_returned_and_an_audit_record(
    api_world: ApiWorld, query: dict[str, str], fragment: str
) -> None:
    api_world.put_reads(make_read("7KDR394"))
    status, body = api_world.search("officer", **query)
    assert status == 400, body
    assert set(body) == {"error", "message"} and fragment in body["message"]
    record = api_world.audit_records()[-1]
    assert record["outcome"] == "Rejected" and record["eventName"] == "SearchReads"
    assert record["errorCode"] in ("InvalidRequest", "InvalidPaginationToken")
    assert record["userIdentity"]["userName"] == "officer.garcia"
    assert all(len(str(v)) <= 256 for v in record["requestParameters"].values())


def test_a_tampered_pagination_token_is_a_400_not_a_crash(api_world: ApiWorld) -> None:
    api_world.put_reads(*(make_read("7KDR394", hours_ago=h) for h in (1, 2, 3)))
    _, page = api_world.search("officer", plate="7KDR394", limit="1", **GOOD_PURPOSE)
    token = page["next_token"]
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    status, body = api_world.search("officer", plate="7KDR394", limit="1", next_token=tampered, **GOOD_PURPOSE)
    assert status == 400 and body["error"] == "InvalidPaginationToken" and "reads" not in body
    assert api_world.audit_records()[-1]["errorCode"] == "InvalidPaginationToken"


def test_a_token_from_one_query_is_refused_for_another(api_world: ApiWorld) -> None:
    api_world.put_reads(*(make_read("7KDR394", hours_ago=h) for h in (1, 2, 3)))
    _, page = api_world.search("officer", plate="7KDR394", limit="1", **GOOD_PURPOSE)
    status, body = api_world.search("officer", plate="8ABC123", next_token=page["next_token"], **GOOD_PURPOSE)
    assert status == 400 and body["error"] == "InvalidPaginationToken"


def test_the_openapi_document_describes_every_route(api_world: ApiWorld) -> None:
    from plateguard.models.routes import ROUTES

    status, body = api_world.call("officer", "GET", "/openapi.json")
    assert status == 200
    for route in ROUTES:
        assert route.method.lower() in body["paths"][route.path], route
    params = {p["name"]: p for p in body["paths"]["/reads"]["get"]["parameters"]}
    assert params["purpose"]["required"] and params["purpose"]["schema"]["minLength"] == 10
