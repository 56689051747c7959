"""Camera registration through the officer API on moto: admins only, every change audited, the private
key returned once and never recorded, retire and rotate take the old certificates' power away."""

from __future__ import annotations

import json
from typing import Any

import boto3

from plateguard.logic.ingest import process_upload
from plateguard.models.records import Outcome
from tests.api_support import REGION, ApiWorld, api_world
from tests.camera_api_support import register_body
from tests.fakes.ingest import GOOD_METADATA, jpeg, make_deps

__all__ = ["api_world"]


def iot() -> Any:
    return boto3.client("iot", region_name=REGION)


def certificate_status(certificate_id: str) -> str:
    return str(iot().describe_certificate(certificateId=certificate_id)["certificateDescription"]["status"])


def attached(camera_id: str) -> list[str]:
    return [arn.rsplit("/", 1)[-1] for arn in iot().list_thing_principals(thingName=camera_id)["principals"]]


def register(world: ApiWorld, who: str = "admin", **changes: Any) -> tuple[int, dict[str, Any]]:
    return world.call(who, "POST", "/cameras", body=register_body(**changes))


def on(path: str, camera_id: str) -> dict[str, Any]:
    return {"path": path.replace("{camera_id}", camera_id), "path_params": {"camera_id": camera_id}}


def test_an_admin_registers_a_camera_and_gets_its_key_once_never_audited(api_world: ApiWorld) -> None:
    # When an admin registers a camera
    status, body = register(api_world, camera_id="cam-main-2")
    # Then the registry has it, active, in the admin's agency, with its location and heading
    assert status == 200, body
    camera, credentials = body["camera"], body["credentials"]
    assert (camera["agency"], camera["status"], camera["heading"], camera["region"]) == (
        "demo-pd",
        "active",
        90.0,
        "central",
    )
    assert camera["registered_by"] == "admin.reyes"
    # And its upload identity: thing = camera id typed with the agency, one ACTIVE certificate
    thing = iot().describe_thing(thingName="cam-main-2")
    assert thing["thingTypeName"] == "demo-pd"
    assert attached("cam-main-2") == [camera["certificate_id"]]
    assert certificate_status(camera["certificate_id"]) == "ACTIVE"
    # And everything the camera needs to upload, the private key included
    assert credentials["private_key"].startswith("-----BEGIN") and "PRIVATE KEY" in credentials["private_key"]
    assert credentials["prefix"] == "incoming/demo-pd/cam-main-2/"
    assert credentials["thing_name"] == "cam-main-2" and credentials["agency"] == "demo-pd"
    assert credentials["role_alias"] and credentials["credentials_endpoint"].startswith("https://")
    # And the change is audited with the camera id and the certificate id, never the key
    record = api_world.audit_records()[-1]
    assert (record["eventName"], record["outcome"], record["readOnly"]) == ("RegisterCamera", "Success", False)
    assert record["requestParameters"]["cameraId"] == "cam-main-2"
    assert record["responseElements"]["certificateId"] == camera["certificate_id"]
    trail = json.dumps(api_world.audit_records())
    assert "PRIVATE KEY" not in trail and credentials["private_key"].splitlines()[1] not in trail


def test_only_admins_register_and_a_refusal_is_audited_and_creates_nothing(api_world: ApiWorld) -> None:
    for who in ("officer", "supervisor", "auditor"):
        status, body = register(api_world, who, camera_id=f"cam-by-{who}")
        assert status == 403 and body["error"] == "AccessDenied", who
        record = api_world.audit_records()[-1]
        assert (record["eventName"], record["outcome"]) == ("RegisterCamera", "Denied")
        assert record["requestParameters"]["cameraId"] == f"cam-by-{who}"
        assert iot().list_things()["things"] == []


def test_a_taken_id_is_a_conflict_and_other_agencies_cameras_are_invisible(api_world: ApiWorld) -> None:
    assert register(api_world, camera_id="cam-dup")[0] == 200
    status, body = register(api_world, camera_id="cam-dup")
    assert status == 409 and body["error"] == "Conflict"
    assert api_world.audit_records()[-1]["outcome"] == "Failed"
    # And one certificate only: the refused attempt issued none
    assert len(attached("cam-dup")) == 1
    status, listed = api_world.call("admin", "GET", "/cameras")
    assert status == 200 and [c["camera_id"] for c in listed["cameras"]] == ["cam-dup"]
    assert api_world.audit_records()[-1]["eventName"] == "ListCameras"
    status, shown = api_world.call("admin", "GET", "/cameras/{camera_id}", **on("/cameras/{camera_id}", "cam-dup"))
    assert status == 200 and shown["name"] == "Main St & 1st Ave" and "private_key" not in json.dumps(shown)
    # A camera id nobody registered here is not found
    missing = on("/cameras/{camera_id}", "cam-elsewhere")
    assert api_world.call("admin", "GET", "/cameras/{camera_id}", **missing)[0] == 404


def test_rotation_issues_a_new_certificate_and_the_old_one_stops(api_world: ApiWorld) -> None:
    _, body = register(api_world, camera_id="cam-rot")
    old = body["camera"]["certificate_id"]
    # When an admin rotates the camera's credentials
    path = on("/cameras/{camera_id}/credentials", "cam-rot")
    status, rotated = api_world.call("admin", "POST", "/cameras/{camera_id}/credentials", **path)
    # Then a new certificate is the only one attached, the old one is INACTIVE
    assert status == 200, rotated
    new = rotated["camera"]["certificate_id"]
    assert new != old and rotated["credentials"]["private_key"] != body["credentials"]["private_key"]
    assert attached("cam-rot") == [new] and rotated["deactivated_certificates"] == [old]
    assert (certificate_status(new), certificate_status(old)) == ("ACTIVE", "INACTIVE")
    assert iot().list_attached_policies(target=rotated["credentials"]["certificate_arn"])["policies"]
    # And it is audited with both certificate ids, never a key
    record = api_world.audit_records()[-1]
    assert record["eventName"] == "RotateCameraCredentials"
    assert (record["responseElements"]["certificateId"], record["responseElements"]["deactivatedCertificates"]) == (
        new,
        old,
    )
    assert "PRIVATE KEY" not in json.dumps(record)


def test_retiring_revokes_untypes_and_quarantines_its_uploads_as_camera_retired(api_world: ApiWorld) -> None:
    from plateguard.dal.repositories import DynamoIngestRepository

    _, body = register(api_world, camera_id="cam-old")
    certificate = body["camera"]["certificate_id"]
    # When an admin retires it
    path = on("/cameras/{camera_id}/retire", "cam-old")
    status, retired = api_world.call("admin", "POST", "/cameras/{camera_id}/retire", **path)
    # Then the certificate is INACTIVE and detached, the thing has no type, the registry says retired
    assert status == 200, retired
    assert (retired["status"], retired["active"], retired["retired_by"]) == ("retired", False, "admin.reyes")
    assert certificate_status(certificate) == "INACTIVE" and attached("cam-old") == []
    assert iot().list_attached_policies(target=body["credentials"]["certificate_arn"])["policies"] == []
    assert "thingTypeName" not in iot().describe_thing(thingName="cam-old")
    record = api_world.audit_records()[-1]
    assert (record["eventName"], record["responseElements"]["deactivatedCertificates"]) == ("RetireCamera", certificate)
    # And a second retire, or a rotation, is refused: retired cameras stay retired
    assert api_world.call("admin", "POST", "/cameras/{camera_id}/retire", **path)[0] == 409
    rotate = on("/cameras/{camera_id}/credentials", "cam-old")
    assert api_world.call("admin", "POST", "/cameras/{camera_id}/credentials", **rotate)[0] == 409
    assert register(api_world, camera_id="cam-old")[0] == 409  # ids are not reused
    # And a frame it still manages to upload is quarantined with its own reason
    deps, objects, repository, _ = make_deps([])
    camera = DynamoIngestRepository().get_camera("demo-pd", "cam-old")
    assert camera is not None
    repository.cameras[("demo-pd", "cam-old")] = camera
    key = "incoming/demo-pd/cam-old/20261124T120000Z-0f8fad5b-d9cb-469f-a165-70867728950e.jpg"
    objects.objects[key] = (jpeg(), GOOD_METADATA)
    outcome = process_upload(key, deps)
    assert (outcome.outcome, outcome.reason) == (Outcome.QUARANTINED, "camera_retired")


def test_a_bad_registration_is_refused_before_anything_is_created(api_world: ApiWorld) -> None:
    for changes in ({"camera_id": "cam/../x"}, {"lat": 91}, {"heading": 400}, {"name": ""}):
        status, body = register(api_world, **changes)
        assert status == 400 and body["error"] == "InvalidRequest", changes
        assert api_world.audit_records()[-1]["outcome"] == "Rejected"
    assert iot().list_things()["things"] == []
