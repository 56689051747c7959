"""What a request's record holds and what is refused (logic/request_terms.py, no web framework)."""

from __future__ import annotations

import json

import pytest

from plateguard.logic.request_terms import MAX_RECORDED, MAX_TEXT, RouteShape, read_terms

IMPORT = RouteShape(
    path_params=("list_name",),
    body_fields=("format", "replace", "content"),
    multiline=frozenset({"content"}),
    digested=frozenset({"content", "next_token"}),
)
SEARCH = RouteShape(query_params=("plate", "purpose", "next_token"), digested=frozenset({"next_token"}))


def test_an_imported_file_may_hold_line_breaks_and_is_recorded_by_length_and_digest() -> None:
    # Given a CSV file's content in an import body
    body = json.dumps({"format": "csv", "content": "plate,reason\r\nABC123,stolen\n"})
    # When its terms are read, Then nothing is refused and the file is named, not copied
    terms = read_terms(IMPORT, {"list_name": "bolo"}, {}, body)
    assert terms.refusal is None
    assert terms.recorded["listName"] == "bolo" and terms.recorded["format"] == "csv"
    assert terms.recorded["content"].startswith("<28 chars, sha256 ")


def test_other_control_characters_are_refused_even_in_file_content() -> None:
    terms = read_terms(IMPORT, {"list_name": "bolo"}, {}, json.dumps({"content": "ABC123\x1b[2J"}))
    assert terms.refusal == "content: control characters are not allowed"


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "a\tb", "a\x00b", "a\u2028b", "a\u202eb", "a\x85b"])
def test_line_breaks_controls_and_bidi_overrides_are_refused_in_text(text: str) -> None:
    terms = read_terms(SEARCH, {}, {"purpose": [text]}, None)
    assert terms.refusal == "purpose: control characters are not allowed"
    assert terms.recorded["purpose"] == "<refused: control characters>"


def test_a_token_is_recorded_by_digest_and_a_long_value_is_refused_whole() -> None:
    terms = read_terms(SEARCH, {}, {"next_token": ["t" * 4000], "plate": ["7" * (MAX_TEXT + 1)]}, None)
    assert terms.recorded["nextToken"].startswith("<4000 chars, sha256 ")
    assert terms.recorded["plate"] == f"<refused: {MAX_TEXT + 1} characters, over the {MAX_TEXT} bound>"
    assert terms.refusal == f"plate: longer than {MAX_TEXT} characters"


def test_unknown_names_are_listed_when_printable_and_always_counted() -> None:
    query = {"plate": ["7KDR394"], "evil\r\nname": ["x"], **{f"junk{i}": ["v"] for i in range(20)}}
    terms = read_terms(SEARCH, {}, query, None)
    assert terms.recorded["unknownParameterCount"] == 21
    assert len(terms.recorded["unknownParameters"]) == 16 and "evil\r\nname" not in terms.recorded["unknownParameters"]
    assert terms.recorded["plate"] == "7KDR394" and "unknown parameter(s)" in (terms.refusal or "")


def test_the_whole_record_is_bounded() -> None:
    shape = RouteShape(body_fields=tuple(f"list{i}" for i in range(20)))
    body = json.dumps({f"list{i}": ["x" * 200] * 100 for i in range(20)})
    terms = read_terms(shape, {}, {}, body)
    assert f"exceed {MAX_RECORDED}" in (terms.refusal or "")
    assert len(json.dumps(terms.recorded)) < MAX_RECORDED


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("NaN", "NaN is not JSON"),
        ('{"format": Infinity}', "Infinity is not JSON"),
        ('{"format": "csv", "format": "ncic"}', "duplicate key"),
        ("[" * 100_000, "nested too deeply"),
        ('"just a string"', "must be a JSON object"),
        ("{", "not valid JSON"),
    ],
)
def test_a_body_is_strict_json_object(body: str, reason: str) -> None:
    assert reason in (read_terms(IMPORT, {}, {}, body).refusal or "")


def test_a_route_without_a_body_accepts_none_or_an_empty_object_only() -> None:
    bare = RouteShape()
    for body in (None, "", "null", "{}"):
        assert read_terms(bare, {}, {}, body).refusal is None
    assert "unknown parameter(s): body.x" in (read_terms(bare, {}, {}, '{"x": 1}').refusal or "")
