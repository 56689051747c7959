"""Minute-level non-hit retention (New Hampshire): ingest never writes a read that matches no hot list."""

from __future__ import annotations

from dataclasses import replace

from plateguard.logic.ingest import process_upload
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import Outcome
from plateguard.policy.enforcement import ingest_environment
from plateguard.policy.loader import load_policy
from tests.fakes.ingest import GOOD_METADATA, HOT_ENTRY, KEY, NOW, jpeg, make_deps, plate
from tests.unit.test_policy import NEW_HAMPSHIRE


def test_non_hits_are_not_persisted_when_the_policy_says_so_but_hits_are() -> None:
    # Given the New Hampshire policy's ingest settings and an image with a hot-listed and an unlisted plate
    env = ingest_environment(load_policy(NEW_HAMPSHIRE))
    assert env["PERSIST_NON_HIT_READS"] == "false"
    deps, objects, repository, publisher = make_deps([plate("7KDR394"), plate("5MNB217")], [HOT_ENTRY])
    deps.policy = replace(
        deps.policy, read_retention_days=float(env["READ_RETENTION_DAYS"]), persist_non_hit_reads=False
    )
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    # When it is processed
    outcome = process_upload(KEY, deps)
    # Then only the hit is stored, with its crop and alert; the non-hit left no read and no crop
    (read,) = repository.reads.values()
    assert read.plate == "7KDR394" and read.hit
    assert list(objects.crops) == [read.crop_key]
    assert len(publisher.messages) == 1
    assert outcome.outcome is Outcome.READS_STORED and outcome.read_ids == (read.read_id,)
    assert outcome.detail == "1 non-hit read(s) not kept"


def test_an_image_with_only_non_hits_leaves_an_outcome_with_the_short_expiry_and_nothing_else() -> None:
    deps, objects, repository, _ = make_deps([plate("5MNB217")], [HOT_ENTRY])
    deps.policy = replace(deps.policy, read_retention_days=3 / 1440, persist_non_hit_reads=False)
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    outcome = process_upload(KEY, deps)
    assert repository.reads == {} and objects.crops == {}
    assert outcome.read_ids == () and outcome.expires_at == expires_at_epoch(NOW, 3 / 1440)
    assert "5MNB217" not in repr(outcome)


def test_default_policy_still_persists_non_hits() -> None:
    deps, objects, repository, _ = make_deps([plate("5MNB217")], [HOT_ENTRY])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    process_upload(KEY, deps)
    assert len(repository.reads) == 1
