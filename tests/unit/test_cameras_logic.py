"""Camera registry logic with in-memory fakes: identity first, registry last, nothing left usable."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from plateguard.logic.cameras import (
    CameraError,
    NewCamera,
    camera_upload_policy_document,
    register_camera,
    retire_camera,
    rotate_credentials,
)
from plateguard.models.records import Camera, CameraStatus
from tests.fakes.cameras import FakeIdentities, FakeRegistry

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NEW = NewCamera("cam-7", "Main St & 1st Ave", 37.77, -122.41, heading=180.0, region="central")


def register(registry: FakeRegistry, identities: FakeIdentities) -> Camera:
    return register_camera(registry, identities, agency="demo-pd", new=NEW, registered_by="admin.reyes", now=NOW).camera


def test_registration_creates_the_identity_then_the_active_registry_entry() -> None:
    registry, identities = FakeRegistry(), FakeIdentities()
    result = register_camera(registry, identities, agency="demo-pd", new=NEW, registered_by="admin.reyes", now=NOW)
    # Then the thing is typed with the agency and holds the one new certificate
    assert identities.things == {"cam-7": "demo-pd"} and identities.attached == {"cam-7": ["cert-1"]}
    # And the registry entry is active, located, and names that certificate
    camera = registry.get("demo-pd", "cam-7")
    assert camera == result.camera and camera is not None
    assert (camera.status, camera.active, camera.certificate_id, camera.heading) == (
        CameraStatus.ACTIVE,
        True,
        "cert-1",
        180.0,
    )
    # And the key is handed back (once) but never shown in a repr
    assert result.certificate.private_key == "KEY-1" and "KEY-1" not in repr(result)


def test_a_registration_that_loses_a_race_revokes_the_certificate_it_issued() -> None:
    registry, identities = FakeRegistry(lose_the_race=True), FakeIdentities()
    with pytest.raises(CameraError) as refused:
        register(registry, identities)
    assert refused.value.kind == "conflict"
    assert identities.status == {"cert-1": "INACTIVE"} and identities.attached == {"cam-7": []}


def test_a_retried_registration_revokes_certificates_left_by_the_unfinished_attempt() -> None:
    registry, identities = FakeRegistry(), FakeIdentities()
    identities.things["cam-7"] = "demo-pd"
    identities.attached["cam-7"] = ["cert-0"]  # an earlier attempt died before the registry write
    identities.status["cert-0"] = "ACTIVE"
    register(registry, identities)
    assert identities.attached["cam-7"] == ["cert-1"] and identities.status["cert-0"] == "INACTIVE"


def test_retire_revokes_every_certificate_untypes_the_thing_then_marks_the_entry() -> None:
    registry, identities = FakeRegistry(), FakeIdentities()
    register(registry, identities)
    camera, revoked = retire_camera(
        registry, identities, agency="demo-pd", camera_id="cam-7", retired_by="admin.reyes", now=NOW
    )
    assert revoked == ("cert-1",) and identities.status["cert-1"] == "INACTIVE"
    assert identities.things["cam-7"] is None  # ${credentials-iot:ThingTypeName} no longer resolves
    assert (camera.status, camera.active, camera.retired_at) == (CameraStatus.RETIRED, False, NOW)
    assert registry.get("demo-pd", "cam-7") == camera
    with pytest.raises(CameraError, match="already retired"):
        retire_camera(registry, identities, agency="demo-pd", camera_id="cam-7", retired_by="x", now=NOW)


def test_a_failed_revocation_leaves_the_camera_active_so_retiring_again_finishes() -> None:
    registry, identities = FakeRegistry(), FakeIdentities()
    register(registry, identities)
    identities.fail_revoke = True
    with pytest.raises(ConnectionError):
        retire_camera(registry, identities, agency="demo-pd", camera_id="cam-7", retired_by="x", now=NOW)
    assert registry.cameras[("demo-pd", "cam-7")].status is CameraStatus.ACTIVE
    identities.fail_revoke = False
    retire_camera(registry, identities, agency="demo-pd", camera_id="cam-7", retired_by="x", now=NOW)
    assert registry.cameras[("demo-pd", "cam-7")].status is CameraStatus.RETIRED


def test_rotation_attaches_the_new_certificate_before_revoking_the_old_ones() -> None:
    registry, identities = FakeRegistry(), FakeIdentities()
    register(registry, identities)
    result = rotate_credentials(registry, identities, agency="demo-pd", camera_id="cam-7")
    assert result.deactivated_certificates == ("cert-1",) and identities.attached["cam-7"] == ["cert-2"]
    # The camera is never without a usable certificate: attach comes first
    assert identities.calls.index("attach cert-2") < identities.calls.index("revoke cert-1")
    assert registry.cameras[("demo-pd", "cam-7")].certificate_id == "cert-2"


def test_a_seeded_camera_without_identity_gets_one_on_rotation_and_retires_without_iot() -> None:
    seeded = Camera("demo-pd", "cam-main-st", "Main St", 37.7, -122.4)
    registry, identities = FakeRegistry({("demo-pd", "cam-main-st"): seeded}), FakeIdentities()
    rotate_credentials(registry, identities, agency="demo-pd", camera_id="cam-main-st")
    assert identities.things == {"cam-main-st": "demo-pd"} and identities.attached == {"cam-main-st": ["cert-1"]}
    other = dataclasses.replace(seeded, camera_id="cam-harbor")
    registry.put(other)
    retire_camera(registry, identities, agency="demo-pd", camera_id="cam-harbor", retired_by="x", now=NOW)
    assert "untype cam-harbor" not in identities.calls


def test_unknown_cameras_and_other_agencies_are_not_found() -> None:
    registry, identities = FakeRegistry(), FakeIdentities()
    register(registry, identities)
    for agency, camera_id in (("other-pd", "cam-7"), ("demo-pd", "cam-8")):
        with pytest.raises(CameraError) as missing:
            rotate_credentials(registry, identities, agency=agency, camera_id=camera_id)
        assert missing.value.kind == "not_found"


def test_the_upload_policy_allows_put_only_under_the_credentials_provider_variables() -> None:
    document = camera_upload_policy_document("arn:aws:s3:::b", "arn:aws:kms:us-west-2:1:key/k", "us-west-2")
    put, kms = document["Statement"]  # type: ignore[misc]
    assert put["Action"] == "s3:PutObject"
    assert put["Resource"] == "arn:aws:s3:::b/incoming/${credentials-iot:ThingTypeName}/${credentials-iot:ThingName}/*"
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}
