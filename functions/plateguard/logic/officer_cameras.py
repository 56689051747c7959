"""What the officer API's camera routes do: register, list, show, retire, rotate credentials
(admins only; logic.cameras holds the rules and the order of the identity steps).

The camera is always the caller's agency's. A camera of no record is a CameraNotFound (404); a change
its state does not allow a CameraConflict (409). The audit record carries the camera id, what changed
and certificate ids (`audit_elements`); the private key is only ever in the response body of the
request that created it. Each function returns the response and the count the audit record carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plateguard.logic.access import User
from plateguard.logic.cameras import (
    CREDENTIAL_DURATION_SECONDS,
    CameraIdentities,
    CameraRegistration,
    CameraRegistry,
    NewCamera,
    get_camera,
    register_camera,
    retire_camera,
    rotate_credentials,
)
from plateguard.models.records import Camera
from plateguard.models.requests import RegisterCameraRequest
from plateguard.models.responses import (
    CameraOut,
    CameraRegistered,
    CameraRetired,
    CamerasResponse,
    CredentialsRotated,
    UploadIdentity,
)
from plateguard.schema import INCOMING_PREFIX

# The IoT credentials endpoint, asked for before a certificate exists: a failure after the key was
# created would lose it (it is returned once and stored nowhere).
CredentialsEndpoint = Callable[[], str]


@dataclass(frozen=True)
class UploadTarget:
    """Where and how a camera uploads (the deployment's settings)."""

    images_bucket: str
    region: str
    role_alias: str
    s3_endpoint_url: str | None = None  # local mode's S3 (moto); None in AWS


def camera_out(camera: Camera) -> CameraOut:
    return CameraOut(
        camera_id=camera.camera_id,
        agency=camera.agency,
        name=camera.name,
        lat=camera.lat,
        lon=camera.lon,
        heading=camera.heading,
        region=camera.region,
        status=camera.status.value,
        active=camera.active,
        certificate_id=camera.certificate_id,
        registered_at=camera.registered_at,
        registered_by=camera.registered_by,
        retired_at=camera.retired_at,
        retired_by=camera.retired_by,
    )


def upload_identity(target: UploadTarget, registration: CameraRegistration, endpoint: str) -> UploadIdentity:
    """What the camera needs to upload (written by `plateguard cameras add --out DIR`)."""
    camera, certificate = registration.camera, registration.certificate
    return UploadIdentity(
        thing_name=camera.camera_id,
        agency=camera.agency,
        certificate_id=certificate.certificate_id,
        certificate_arn=certificate.certificate_arn,
        certificate_pem=certificate.certificate_pem,
        private_key=certificate.private_key,  # returned once; never stored or audited
        bucket=target.images_bucket,
        prefix=f"{INCOMING_PREFIX}{camera.agency}/{camera.camera_id}/",
        region=target.region,
        credentials_endpoint=endpoint,
        role_alias=target.role_alias,
        credential_duration_seconds=CREDENTIAL_DURATION_SECONDS,
        s3_endpoint_url=target.s3_endpoint_url,
    )


def register(
    user: User,
    body: RegisterCameraRequest,
    now: datetime,
    *,
    registry: CameraRegistry,
    identities: CameraIdentities,
    target: UploadTarget,
    credentials_endpoint: CredentialsEndpoint,
    audit_elements: dict[str, Any] | None = None,
) -> tuple[CameraRegistered, int]:
    """Register the camera in the caller's agency and issue its first certificate."""
    endpoint = credentials_endpoint()  # first: a failure after the key exists would lose it
    new = NewCamera(body.camera_id, body.name, body.lat, body.lon, body.heading, body.region or "unassigned")
    registration = register_camera(
        registry, identities, agency=user.agency, new=new, registered_by=user.username, now=now
    )
    if audit_elements is not None:
        audit_elements.update(
            cameraId=registration.camera.camera_id,
            certificateId=registration.certificate.certificate_id,
            changes="registered: status active, certificate issued",
        )
    answer = CameraRegistered(
        camera=camera_out(registration.camera), credentials=upload_identity(target, registration, endpoint)
    )
    return answer, 1


def list_cameras(user: User, *, registry: CameraRegistry) -> tuple[CamerasResponse, int]:
    cameras = registry.list_agency(user.agency)
    return CamerasResponse(cameras=[camera_out(c) for c in cameras], count=len(cameras)), len(cameras)


def show_camera(user: User, camera_id: str, *, registry: CameraRegistry) -> tuple[CameraOut, int]:
    return camera_out(get_camera(registry, user.agency, camera_id)), 1


def retire(
    user: User,
    camera_id: str,
    now: datetime,
    *,
    registry: CameraRegistry,
    identities: CameraIdentities,
    audit_elements: dict[str, Any] | None = None,
) -> tuple[CameraRetired, int]:
    """Retire the camera: its certificates stop working; the entry stays (its reads name it)."""
    camera, revoked = retire_camera(
        registry, identities, agency=user.agency, camera_id=camera_id, retired_by=user.username, now=now
    )
    if audit_elements is not None:
        audit_elements.update(
            cameraId=camera_id,
            deactivatedCertificates=",".join(revoked),
            changes="status active -> retired; certificates inactive and detached; thing type removed",
        )
    return CameraRetired(**camera_out(camera).model_dump(), deactivated_certificates=list(revoked)), 1


def rotate(
    user: User,
    camera_id: str,
    *,
    registry: CameraRegistry,
    identities: CameraIdentities,
    target: UploadTarget,
    credentials_endpoint: CredentialsEndpoint,
    audit_elements: dict[str, Any] | None = None,
) -> tuple[CredentialsRotated, int]:
    """A new certificate for the camera; the older ones stop working."""
    endpoint = credentials_endpoint()
    registration = rotate_credentials(registry, identities, agency=user.agency, camera_id=camera_id)
    if audit_elements is not None:
        audit_elements.update(
            cameraId=camera_id,
            certificateId=registration.certificate.certificate_id,
            deactivatedCertificates=",".join(registration.deactivated_certificates),
            changes="certificate rotated: new one active, older ones inactive and detached",
        )
    answer = CredentialsRotated(
        camera=camera_out(registration.camera),
        credentials=upload_identity(target, registration, endpoint),
        deactivated_certificates=list(registration.deactivated_certificates),
    )
    return answer, 1
