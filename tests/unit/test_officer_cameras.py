"""The camera routes' business work (plateguard.logic.officer_cameras) on in-memory fakes."""

from __future__ import annotations

import pytest

from plateguard.logic.cameras import CameraConflict, CameraNotFound
from plateguard.logic.officer_cameras import UploadTarget, list_cameras, register, retire, rotate, show_camera
from plateguard.models.errors import Conflict, NotFound
from plateguard.models.requests import RegisterCameraRequest
from plateguard.models.routes import Role
from tests.fakes.officer_api import MemoryCameras, MemoryIdentities
from tests.fakes.oversight import T0, user

ADMIN = user("adm.park", Role.ADMIN)
TARGET = UploadTarget(images_bucket="images", region="us-east-1", role_alias="plateguard-camera")
ENDPOINT = "https://cred.iot.example"
BODY = RegisterCameraRequest(camera_id="cam-9", name="Main St & 1st Ave", lat=40.5, lon=-73.25)


def registered() -> tuple[MemoryCameras, MemoryIdentities]:
    registry, identities = MemoryCameras(), MemoryIdentities()
    register(ADMIN, BODY, T0, registry=registry, identities=identities, target=TARGET,
             credentials_endpoint=lambda: ENDPOINT)  # fmt: skip
    return registry, identities


def test_registering_issues_the_upload_identity_and_records_what_changed() -> None:
    # Given an empty registry
    registry, identities = MemoryCameras(), MemoryIdentities()
    recorded: dict[str, object] = {}

    # When the admin registers a camera without a region
    response, count = register(ADMIN, BODY, T0, registry=registry, identities=identities, target=TARGET,
                               credentials_endpoint=lambda: ENDPOINT, audit_elements=recorded)  # fmt: skip

    # Then it is active in the admin's agency, 'unassigned', and the answer carries its credentials once
    body = response.model_dump(mode="json")
    assert (body["camera"]["agency"], body["camera"]["region"], body["camera"]["status"]) == (
        "demo-pd",
        "unassigned",
        "active",
    )
    assert body["credentials"]["prefix"] == "incoming/demo-pd/cam-9/"
    assert (
        body["credentials"]["private_key"] == "-----BEGIN PRIVATE KEY-----"
        and "s3_endpoint_url" not in body["credentials"]
    )
    assert recorded == {"cameraId": "cam-9", "certificateId": "cert0001",
                        "changes": "registered: status active, certificate issued"}  # fmt: skip
    assert count == 1 and registry.get("demo-pd", "cam-9") is not None


def test_local_mode_answers_with_its_s3_endpoint() -> None:
    # Given a local-mode upload target
    target = UploadTarget("images", "us-east-1", "alias", s3_endpoint_url="http://127.0.0.1:5000")

    # When a camera is registered
    response, _ = register(ADMIN, BODY, T0, registry=MemoryCameras(), identities=MemoryIdentities(), target=target,
                           credentials_endpoint=lambda: ENDPOINT)  # fmt: skip

    # Then the credentials name it
    assert response.model_dump(mode="json")["credentials"]["s3_endpoint_url"] == "http://127.0.0.1:5000"


def test_a_second_registration_is_a_conflict_and_an_unknown_camera_not_found() -> None:
    # Given a registered camera
    registry, identities = registered()

    # Then registering it again is a CameraConflict (409)
    with pytest.raises(CameraConflict, match="camera cam-9 is already registered in demo-pd") as again:
        register(ADMIN, BODY, T0, registry=registry, identities=identities, target=TARGET,
                 credentials_endpoint=lambda: ENDPOINT)  # fmt: skip
    assert isinstance(again.value, Conflict) and again.value.code == "Conflict"

    # And showing an unknown camera is a CameraNotFound (404)
    with pytest.raises(CameraNotFound, match="no camera cam-0 in demo-pd") as missing:
        show_camera(ADMIN, "cam-0", registry=registry)
    assert isinstance(missing.value, NotFound) and missing.value.code == "NotFound"


def test_listing_and_showing_answer_the_registry_entry() -> None:
    # Given a registered camera
    registry, _ = registered()

    # When the admin lists and shows
    listed, count = list_cameras(ADMIN, registry=registry)
    shown, _ = show_camera(ADMIN, "cam-9", registry=registry)

    # Then both show the same entry with its registration time as ISO 8601
    assert count == listed.count == 1 and listed.cameras[0] == shown
    assert shown.model_dump(mode="json")["registered_at"] == T0.isoformat()


def test_retiring_revokes_its_certificates_and_rotation_replaces_them() -> None:
    # Given a registered camera, rotated once
    registry, identities = registered()
    recorded: dict[str, object] = {}
    rotated, _ = rotate(ADMIN, "cam-9", registry=registry, identities=identities, target=TARGET,
                        credentials_endpoint=lambda: ENDPOINT, audit_elements=recorded)  # fmt: skip

    # Then the new certificate is active and the first one deactivated
    assert rotated.credentials.certificate_id == "cert0002" and rotated.deactivated_certificates == ["cert0001"]
    assert recorded["deactivatedCertificates"] == "cert0001"

    # When the admin retires it
    retired, count = retire(ADMIN, "cam-9", T0, registry=registry, identities=identities, audit_elements=recorded)

    # Then its certificate is deactivated, it is retired by the admin, and the answer adds what was revoked
    body = retired.model_dump(mode="json")
    assert (body["status"], body["retired_by"], body["deactivated_certificates"]) == (
        "retired",
        "adm.park",
        ["cert0002"],
    )
    assert list(body)[-1] == "deactivated_certificates" and count == 1
