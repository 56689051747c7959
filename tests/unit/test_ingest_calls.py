"""Ingest's AWS calls per frame (issue 19): a cached camera registry, one GET without a HEAD, and the
exactly-once check folded into the outcome write."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from plateguard.logic.ingest import StoredObject, process_upload
from plateguard.models.records import CameraStatus, Outcome
from tests.fakes.ingest import CAMERA, GOOD_METADATA, HOT_ENTRY, KEY, NOW, jpeg, make_deps, plate


class CountingLookup:
    def __init__(self, lookup: Any) -> None:
        self.lookup = lookup
        self.calls = 0

    def __call__(self, agency: str, camera_id: str) -> Any:
        self.calls += 1
        return self.lookup(agency, camera_id)


def test_the_camera_registry_is_read_once_per_ttl_and_a_retirement_is_seen_after_it() -> None:
    # Given a container whose clock we move, and a counted registry
    deps, objects, repository, _ = make_deps([plate("5MNB217")])
    clock = [NOW]
    deps.clock = lambda: clock[0]
    counted = CountingLookup(repository.get_camera)
    deps.cameras._lookup = counted
    deps.cameras._clock = deps.clock
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    # When two frames arrive within the TTL
    process_upload(KEY, deps, version_id="v1")
    process_upload(KEY, deps, version_id="v2")
    # Then the registry was read once
    assert counted.calls == 1
    # When the camera is retired and a frame arrives inside the TTL, Then it is still read (documented lag)
    repository.cameras[("demo-pd", "cam-1")] = dataclasses.replace(CAMERA, status=CameraStatus.RETIRED, active=False)
    assert process_upload(KEY, deps, version_id="v3").outcome is Outcome.READS_STORED
    # When the TTL has passed, Then the retirement is seen and the frame quarantined
    clock[0] = NOW + timedelta(seconds=deps.policy.camera_cache_seconds)
    assert process_upload(KEY, deps, version_id="v4").reason == "camera_retired"
    assert counted.calls == 2


def test_an_oversized_object_is_refused_on_its_size_without_reading_its_body() -> None:
    # Given an object larger than the limit whose body must not be fetched
    deps, objects, _, _ = make_deps([plate("5MNB217")])
    discarded: list[bool] = []

    def body() -> bytes:
        raise AssertionError("the body of an oversized object was downloaded")

    big = StoredObject(KEY, deps.policy.max_object_bytes + 1, GOOD_METADATA, body, lambda: discarded.append(True))
    objects.get = lambda key, version_id=None: big  # type: ignore[method-assign]
    objects.quarantine = lambda key, reason, detail, version_id=None: "quarantine/" + key  # type: ignore[method-assign]
    # When it is processed
    outcome = process_upload(KEY, deps)
    # Then it is quarantined as too large and its stream let go
    assert outcome.reason == "object_too_large" and discarded == [True]


def test_a_redelivered_frame_gets_the_recorded_outcome_and_no_second_read_or_alert() -> None:
    # Given a hit frame processed once
    deps, objects, repository, publisher = make_deps([plate("7KDR394")], [HOT_ENTRY])
    objects.objects[KEY] = (jpeg(), GOOD_METADATA)
    first = process_upload(KEY, deps, version_id="v1")
    # When the same notification is delivered again
    again = process_upload(KEY, deps, version_id="v1")
    # Then the recorded outcome comes back, with one read, one alert and one message in all
    assert again == first
    assert len(repository.reads) == 1 and len(repository.alerts) == 1 and len(publisher.messages) == 1


def test_a_redelivered_quarantine_copies_nothing_again() -> None:
    # Given a non-image quarantined once
    deps, objects, _, _ = make_deps([])
    objects.objects[KEY] = (b"not an image", GOOD_METADATA)
    first = process_upload(KEY, deps, version_id="v1")
    objects.objects[KEY] = (b"not an image", GOOD_METADATA)  # the fake's quarantine moved it
    copies: list[str] = []

    def copy(key: str, reason: str, detail: str, version_id: str | None = None) -> str:
        copies.append(key)
        return key

    objects.quarantine = copy  # type: ignore[method-assign]
    # When it is delivered again
    again = process_upload(KEY, deps, version_id="v1")
    # Then the recorded outcome comes back and nothing was copied
    assert again == first and first.outcome is Outcome.QUARANTINED and copies == []
