"""Camera registry and per-camera upload identities: register, retire, rotate credentials.

A camera is a registry entry (CamerasTable: where it is, whether ingest accepts its frames) plus an
upload identity (an AWS IoT thing named after the camera, typed with its agency, holding one active
X.509 certificate). The IoT credentials provider turns that certificate into 15-minute credentials of
the camera upload role, whose policy names the prefix with `${credentials-iot:ThingTypeName}` and
`${credentials-iot:ThingName}`: a camera can only ever write under its own `incoming/<agency>/<camera>/`.

The private key is returned once, in the registration or rotation result; it is never stored,
logged or audited. Retiring a camera takes every way back away: certificates set INACTIVE and
detached, the thing type removed (so the policy variable no longer resolves), registry status
`retired` (ingest quarantines its frames as `camera_retired`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from plateguard.models.errors import Conflict, NotFound, PlateGuardError
from plateguard.models.records import Camera, CameraStatus
from plateguard.schema import INCOMING_PREFIX

# The credentials provider's policy variables: the thing the certificate is attached to and its type.
THING_NAME_VARIABLE = "${credentials-iot:ThingName}"
THING_TYPE_VARIABLE = "${credentials-iot:ThingTypeName}"
# Credentials the camera gets live this long (the role alias's credentialDurationSeconds; 900 is the minimum).
CREDENTIAL_DURATION_SECONDS = 900


def camera_prefix_pattern(incoming_prefix: str) -> str:
    """`incoming/${credentials-iot:ThingTypeName}/${credentials-iot:ThingName}/`: agency, then camera."""
    return f"{incoming_prefix}{THING_TYPE_VARIABLE}/{THING_NAME_VARIABLE}/"


def camera_upload_policy_document(images_bucket_arn: str, data_key_arn: str, region: str) -> dict[str, object]:
    """The camera upload role's only permissions (CDK and local mode build the role from this).

    PutObject under the camera's own prefix, and only while both variables resolve: a certificate
    not attached to a typed thing (a retired camera) writes nothing. No read, list or delete.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PutOwnFramesOnly",
                "Effect": "Allow",
                # PutObject only: retries overwrite the same key (idempotent).
                "Action": "s3:PutObject",
                "Resource": f"{images_bucket_arn}/{camera_prefix_pattern(INCOMING_PREFIX)}*",
                "Condition": {"Null": {"credentials-iot:ThingName": "false", "credentials-iot:ThingTypeName": "false"}},
            },
            {
                "Sid": "EncryptThroughS3Only",
                "Effect": "Allow",
                # The bucket's SSE-KMS encrypts with the data key on the camera's behalf (Decrypt: multipart
                # uploads); only through S3, where the camera can read nothing.
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": data_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            },
        ],
    }


def camera_iot_policy_document(role_alias_arn: str) -> dict[str, object]:
    """The IoT policy on every camera certificate: exchange it for credentials of the camera role
    alias, and only while the certificate is attached to the thing named in the request."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:AssumeRoleWithCertificate",
                "Resource": role_alias_arn,
                "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
            }
        ],
    }


class CameraError(PlateGuardError):
    """A registry change that cannot be made; `kind` is `not_found` or `conflict`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class CameraNotFound(CameraError, NotFound):
    """No such camera in the agency (a 404)."""

    def __init__(self, message: str) -> None:
        super().__init__("not_found", message)


class CameraConflict(CameraError, Conflict):
    """The camera's state does not allow the change: already registered, retired (a 409)."""

    def __init__(self, message: str) -> None:
        super().__init__("conflict", message)


@dataclass(frozen=True)
class IssuedCertificate:
    """A new certificate: the private key is here once and nowhere else (never stored or audited)."""

    certificate_id: str
    certificate_arn: str
    certificate_pem: str
    private_key: str = dataclasses.field(repr=False)


@dataclass(frozen=True)
class CameraRegistration:
    camera: Camera
    certificate: IssuedCertificate
    deactivated_certificates: tuple[str, ...] = ()


class CameraRegistry(Protocol):
    def get(self, agency: str, camera_id: str) -> Camera | None: ...
    def list_agency(self, agency: str) -> list[Camera]: ...
    def create(self, camera: Camera) -> bool:
        """Store a new camera; False (nothing written) when the id is already taken."""
        ...

    def put(self, camera: Camera) -> None: ...


class CameraIdentities(Protocol):
    """The upload identity of a camera: an IoT thing (name = camera id, type = agency) and certificates."""

    def ensure_thing(self, agency: str, camera_id: str) -> None: ...
    def create_certificate(self) -> IssuedCertificate: ...
    def attach(self, camera_id: str, certificate: IssuedCertificate) -> None:
        """Attach the camera policy to the certificate and the certificate to the thing."""
        ...

    def certificates(self, camera_id: str) -> list[str]:
        """Ids of the certificates attached to the thing."""
        ...

    def revoke(self, camera_id: str, certificate_id: str) -> None:
        """Set the certificate INACTIVE, detach it from the thing and from the camera policy."""
        ...

    def remove_thing_type(self, camera_id: str) -> None: ...


@dataclass(frozen=True)
class NewCamera:
    camera_id: str
    name: str
    lat: float
    lon: float
    heading: float | None = None
    region: str = "unassigned"


def register_camera(
    registry: CameraRegistry,
    identities: CameraIdentities,
    *,
    agency: str,
    new: NewCamera,
    registered_by: str,
    now: datetime,
) -> CameraRegistration:
    """Create the camera's thing and first certificate, then the registry entry.

    The identity comes first: a camera in the registry without an identity could never upload,
    while a thing without a registry entry is harmless (its frames are quarantined unknown_camera)
    and a retried registration reuses it.
    """
    existing = registry.get(agency, new.camera_id)
    if existing is not None:
        state = "retired (camera ids are not reused)" if existing.status is CameraStatus.RETIRED else "registered"
        raise CameraConflict(f"camera {new.camera_id} is already {state} in {agency}")
    identities.ensure_thing(agency, new.camera_id)
    certificate = identities.create_certificate()
    identities.attach(new.camera_id, certificate)
    for stale in identities.certificates(new.camera_id):  # left by an unfinished earlier attempt
        if stale != certificate.certificate_id:
            identities.revoke(new.camera_id, stale)
    camera = Camera(
        agency=agency,
        camera_id=new.camera_id,
        name=new.name,
        lat=new.lat,
        lon=new.lon,
        active=True,
        region=new.region,
        heading=new.heading,
        status=CameraStatus.ACTIVE,
        certificate_id=certificate.certificate_id,
        registered_at=now,
        registered_by=registered_by,
    )
    if not registry.create(camera):  # registered concurrently: this certificate must not stay usable
        identities.revoke(new.camera_id, certificate.certificate_id)
        raise CameraConflict(f"camera {new.camera_id} is already registered in {agency}")
    return CameraRegistration(camera, certificate)


def _current(registry: CameraRegistry, agency: str, camera_id: str) -> Camera:
    camera = registry.get(agency, camera_id)
    if camera is None:
        raise CameraNotFound(f"no camera {camera_id} in {agency}")
    return camera


def get_camera(registry: CameraRegistry, agency: str, camera_id: str) -> Camera:
    return _current(registry, agency, camera_id)


def retire_camera(
    registry: CameraRegistry,
    identities: CameraIdentities,
    *,
    agency: str,
    camera_id: str,
    retired_by: str,
    now: datetime,
) -> tuple[Camera, tuple[str, ...]]:
    """Revoke every certificate, untype the thing, then mark the entry retired (kept: reads name it).

    Returns the retired camera and the ids of the certificates deactivated. Identity first: if a
    step fails the camera is still `active` in the registry and retiring again finishes the job.
    """
    camera = _current(registry, agency, camera_id)
    if camera.status is CameraStatus.RETIRED:
        raise CameraConflict(f"camera {camera_id} was already retired on {camera.retired_at:%Y-%m-%d}")
    revoked = tuple(_revoke_all(identities, camera))
    if camera.certificate_id is not None:  # a seeded camera has no thing: nothing to untype
        identities.remove_thing_type(camera_id)
    retired = dataclasses.replace(
        camera, active=False, status=CameraStatus.RETIRED, retired_at=now, retired_by=retired_by
    )
    registry.put(retired)
    return retired, revoked


def rotate_credentials(
    registry: CameraRegistry,
    identities: CameraIdentities,
    *,
    agency: str,
    camera_id: str,
) -> CameraRegistration:
    """A new certificate attached first, then every older one deactivated and detached."""
    camera = _current(registry, agency, camera_id)
    if camera.status is CameraStatus.RETIRED:
        raise CameraConflict(f"camera {camera_id} is retired: register a new camera instead")
    identities.ensure_thing(agency, camera_id)  # a seeded camera gets its identity on first rotation
    certificate = identities.create_certificate()
    identities.attach(camera_id, certificate)
    old = [c for c in identities.certificates(camera_id) if c != certificate.certificate_id]
    for certificate_id in old:
        identities.revoke(camera_id, certificate_id)
    updated = dataclasses.replace(camera, certificate_id=certificate.certificate_id)
    registry.put(updated)
    return CameraRegistration(updated, certificate, tuple(old))


def _revoke_all(identities: CameraIdentities, camera: Camera) -> list[str]:
    if camera.certificate_id is None:
        return []
    revoked = identities.certificates(camera.camera_id)
    for certificate_id in revoked:
        identities.revoke(camera.camera_id, certificate_id)
    return revoked
