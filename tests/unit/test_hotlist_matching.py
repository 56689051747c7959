"""OCR-aware hot-list matching: exact, confusable and one-missing/extra-character matches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from plateguard.logic.confusion import CONFUSION_GROUPS, canonical, differing_positions
from plateguard.logic.hotlist import HotListIndex
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import HotListEntry

NOW = datetime(2026, 11, 24, tzinfo=UTC)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
plates = st.text(alphabet=ALPHABET, min_size=4, max_size=8)


def entry(plate: str, expires_days: float = 10) -> HotListEntry:
    return HotListEntry(
        "pd", "stolen", plate, "stolen-vehicle", "high", "r", "C-1", expires_at_epoch(NOW, expires_days)
    )


def test_the_confusion_table_folds_each_group_to_one_character() -> None:
    for group in CONFUSION_GROUPS:
        assert len({canonical(ch) for ch in group}) == 1
    assert canonical("8OB5") == canonical("B0850"[:4]) == canonical("8DBS")
    assert canonical("X") == "X"


def test_an_identical_plate_matches_exactly() -> None:
    (match,) = HotListIndex([entry("7KDR394")]).match("7KDR394", NOW)
    assert match.match_quality == "exact" and match.differing_positions == ()


def test_a_confusable_substitution_matches_ambiguously_with_its_position() -> None:
    (match,) = HotListIndex([entry("7KDR394")]).match("7K0R394", NOW)
    assert match.match_quality == "ambiguous" and match.differing_positions == (2,)


def test_one_missing_or_extra_character_matches_ambiguously() -> None:
    index = HotListIndex([entry("7KDR394")])
    assert [m.match_quality for m in index.match("7KDR39", NOW)] == ["ambiguous"]
    assert [m.match_quality for m in index.match("7KDR3944", NOW)] == ["ambiguous"]
    assert index.match("7KDR3944", NOW)[0].differing_positions in ((6,), (7,))  # either 4 is the extra one


def test_an_expired_entry_never_matches_even_while_still_stored() -> None:
    index = HotListIndex([entry("7KDR394", expires_days=-1)])
    assert index.match("7KDR394", NOW) == []


def test_a_non_confusable_substitution_does_not_match() -> None:
    assert HotListIndex([entry("7KDR394")]).match("7KXR394", NOW) == []


@settings(max_examples=200, deadline=None)
@given(plate=plates, data=st.data())
def test_every_single_confusion_substitution_of_a_listed_plate_matches_ambiguously(
    plate: str, data: st.DataObject
) -> None:
    positions = [i for i, ch in enumerate(plate) if any(ch in g for g in CONFUSION_GROUPS)]
    if not positions:
        return
    i = data.draw(st.sampled_from(positions))
    group = next(g for g in CONFUSION_GROUPS if plate[i] in g)
    replacement = data.draw(st.sampled_from([c for c in group if c != plate[i]]))
    read = plate[:i] + replacement + plate[i + 1 :]
    matches = HotListIndex([entry(plate)]).match(read, NOW)
    assert [(m.entry.plate, m.match_quality) for m in matches] == [(plate, "ambiguous")]
    assert i in matches[0].differing_positions


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        return False
    short, long_ = sorted((a, b), key=len)
    return len(long_) - len(short) == 1 and any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@settings(max_examples=300, deadline=None)
@given(listed=plates, read=plates)
def test_unrelated_plates_never_match(listed: str, read: str) -> None:
    related = _one_edit_apart(canonical(listed), canonical(read))
    matches = HotListIndex([entry(listed)]).match(read, NOW)
    assert bool(matches) == related


def test_differing_positions_name_the_changed_characters() -> None:
    assert differing_positions("ABC", "ABC") == []
    assert differing_positions("A8C", "ABC") == [1]
    assert differing_positions("ABXC", "ABC") == [2]


def test_the_index_holds_many_entries_and_finds_the_right_one() -> None:
    entries = [entry(f"{i:07d}".replace("0", "X")) for i in range(5000)]
    index = HotListIndex([*entries, entry("7KDR394")])
    assert len(index) == 5001
    assert [m.entry.plate for m in index.match("7KDR394", NOW) if m.match_quality == "exact"] == ["7KDR394"]
    assert index.match("7KDR394", NOW + timedelta(days=11)) == []
