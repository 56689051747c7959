"""Property-based tests for the plate wildcard matcher and the pagination-token codec."""

from __future__ import annotations

import base64
import fnmatch
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateguard.logic.patterns import PatternError, parse_plate_pattern, wildcard_match
from plateguard.logic.tokens import TokenCodec, query_binding
from plateguard.models.errors import InvalidPaginationToken

PLATE_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
plates = st.text(alphabet=PLATE_CHARS, min_size=1, max_size=10)
patterns = st.text(alphabet=PLATE_CHARS[:6] + "?*", min_size=1, max_size=12)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = b"k" * 32
# Shared CI cores: judge correctness, not wall-clock per example.
relaxed = settings(deadline=None)


@relaxed
@given(pattern=patterns, plate=st.text(alphabet=PLATE_CHARS[:6], max_size=10))
def test_matcher_agrees_with_shell_glob_semantics(pattern: str, plate: str) -> None:
    # Given any pattern of literals, '?' and '*', When matched, Then it agrees with fnmatch's glob rules
    assert wildcard_match(pattern, plate) == fnmatch.fnmatchcase(plate, pattern)


@relaxed
@given(plate=plates, data=st.data())
def test_a_plate_matches_any_pattern_made_by_blanking_its_characters(plate: str, data: st.DataObject) -> None:
    # Given a plate with some characters replaced by '?' and a run replaced by '*'
    mask = data.draw(st.lists(st.booleans(), min_size=len(plate), max_size=len(plate)))
    pattern = "".join("?" if hide else c for c, hide in zip(plate, mask, strict=True))
    start = data.draw(st.integers(0, len(plate)))
    end = data.draw(st.integers(start, len(plate)))
    starred = pattern[:start] + "*" + pattern[end:]
    # Then both patterns match the plate
    assert wildcard_match(pattern, plate)
    assert wildcard_match(starred, plate)


@relaxed
@given(plate=plates)
def test_question_marks_match_exactly_one_character(plate: str) -> None:
    assert wildcard_match("?" * len(plate), plate)
    assert not wildcard_match("?" * (len(plate) + 1), plate)


@settings(max_examples=50, deadline=None)
@given(stars=st.integers(1, 20))
def test_pathological_star_patterns_stay_fast(stars: int) -> None:
    # Given a backtracking-hostile pattern, When matched against a near miss, Then it answers (DP, no blow-up)
    assert not wildcard_match("*A" * stars + "B", "A" * 10)


@pytest.mark.parametrize(
    "raw",
    ["7KD'; DROP TABLE reads;--", "<script>", "7KD%", "../../etc", "7KD[0-9]", "", "   ", "A" * 41, "7KDR394XXXXX"],
)
def test_malformed_patterns_are_refused(raw: str) -> None:
    with pytest.raises(PatternError):
        parse_plate_pattern(raw)


def test_patterns_are_normalized() -> None:
    assert parse_plate_pattern(" 7kd-r 394 ").text == "7KDR394"
    assert parse_plate_pattern("7K**94").text == "7K*94"
    assert parse_plate_pattern("7K?R*").literal_count == 3


# -- tokens --------------------------------------------------------------------------------------------

cursors = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(st.integers(-(2**40), 2**40), st.text(max_size=30), st.none()),
    max_size=5,
)


def codec(now: datetime = NOW, ttl: int = 900) -> TokenCodec:
    return TokenCodec(KEY, ttl, lambda: now)


@relaxed
@given(cursor=cursors)
def test_tokens_round_trip(cursor: dict[str, object]) -> None:
    binding = query_binding("reads", "demo-pd", "arn", "7KDR394")
    assert codec().decode(codec().encode(cursor, binding), binding) == cursor


@relaxed
@given(cursor=cursors, data=st.data())
def test_any_altered_token_is_refused_as_invalid_pagination_token(
    cursor: dict[str, object], data: st.DataObject
) -> None:
    binding = "b" * 32
    token = codec().encode(cursor, binding)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("AZaz09-_.=!"))
    tampered = token[:position] + replacement + token[position + 1 :]
    if tampered == token:
        return
    # When any one character changes, Then decoding fails with the typed 400 error (never another exception)
    with pytest.raises(InvalidPaginationToken):
        codec().decode(tampered, binding)


@relaxed
@given(garbage=st.text(max_size=200))
def test_garbage_tokens_are_refused_cleanly(garbage: str) -> None:
    with pytest.raises(InvalidPaginationToken):
        codec().decode(garbage, "b" * 32)


def test_a_token_is_bound_to_its_query_and_caller() -> None:
    token = codec().encode({"p": 0}, query_binding("reads", "demo-pd", "arn:officer", "7KDR394"))
    with pytest.raises(InvalidPaginationToken, match="different query"):
        codec().decode(token, query_binding("reads", "other-pd", "arn:other", "7KDR394"))


def test_a_re_signed_payload_without_the_key_is_refused() -> None:
    # Given a token whose payload an attacker rewrote (pointing at another agency) and re-encoded
    binding = "b" * 32
    body, mac = codec().encode({"p": 0, "k": {"pk": "demo-pd#7KDR394"}}, binding).split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["c"]["k"]["pk"] = "other-pd#7KDR394"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidPaginationToken, match="integrity"):
        codec().decode(f"{forged}.{mac}", binding)


def test_tokens_expire() -> None:
    token = codec(ttl=60).encode({"p": 0}, "b" * 32)
    with pytest.raises(InvalidPaginationToken, match="expired"):
        codec(now=NOW + timedelta(seconds=61)).decode(token, "b" * 32)
