"""Officer API routes for the camera registry (included by handlers/api.py): register, list, show,
retire and rotate credentials. Admins only (models/routes.py).

Same door as every other route (handlers/api.py): the caller is authorized first, `_audited` records
the attempt of a change before plateguard.logic.cameras acts, and the outcome record is written before
the answer leaves. The camera is always the
caller's agency's. The audit record carries the camera id, what changed and certificate ids; the
private key is only ever in the response body of the request that created it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, Field

from plateguard import schema
from plateguard.logic.access import User
from plateguard.logic.cameras import (
    CREDENTIAL_DURATION_SECONDS,
    CameraError,
    CameraIdentities,
    CameraRegistration,
    CameraRegistry,
    NewCamera,
    get_camera,
    register_camera,
    retire_camera,
    rotate_credentials,
)
from plateguard.models.api import CAMERA_PATTERN
from plateguard.models.errors import ApiError, Conflict, NotFound
from plateguard.models.records import Camera
from plateguard.models.settings import get_cameras_api_settings

router = Router()

# CloudTrail-style eventName of each route below (merged into handlers/api.py EVENT_NAMES).
EVENT_NAMES: dict[tuple[str, str], str] = {
    ("POST", "/cameras"): "RegisterCamera",
    ("GET", "/cameras"): "ListCameras",
    ("GET", "/cameras/{camera_id}"): "GetCamera",
    ("POST", "/cameras/{camera_id}/retire"): "RetireCamera",
    ("POST", "/cameras/{camera_id}/credentials"): "RotateCameraCredentials",
}
REGION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$"


@dataclass(frozen=True)
class CamerasApiDependencies:
    registry: CameraRegistry
    identities: CameraIdentities
    images_bucket: str
    region: str
    role_alias: str
    endpoint: str | None  # from settings; None: asked of IoT once (DescribeEndpoint)
    s3_endpoint_url: str | None = None  # local mode's S3 (moto); None in AWS

    def credentials_endpoint(self) -> str:
        return self.endpoint or _described_endpoint()


@lru_cache(maxsize=1)
def get_cameras_api_dependencies() -> CamerasApiDependencies:
    from plateguard.dal.cameras import DynamoCameraRegistry, IotCameraIdentities
    from plateguard.dal.clients import aws_client
    from plateguard.dal.tables import bind_tables

    settings = get_cameras_api_settings()
    bind_tables(
        {schema.CAMERAS.logical_id: settings.cameras_table_name},
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )
    iot = aws_client("iot", settings.aws_region, settings.aws_endpoint_url)
    return CamerasApiDependencies(
        registry=DynamoCameraRegistry(),
        identities=IotCameraIdentities(iot, settings.camera_iot_policy_name),
        images_bucket=settings.images_bucket_name,
        region=settings.aws_region,
        role_alias=settings.camera_role_alias,
        endpoint=settings.camera_credentials_endpoint,
        s3_endpoint_url=settings.aws_endpoint_url,
    )


@lru_cache(maxsize=1)
def _described_endpoint() -> str:
    from plateguard.dal.cameras import IotCameraIdentities

    identities = get_cameras_api_dependencies().identities
    assert isinstance(identities, IotCameraIdentities)
    return f"https://{identities.credentials_endpoint()}"


def _audited(action: Any, **options: Any) -> Any:
    from plateguard.handlers.api import _audited as audited  # the one audited door

    return audited(action, **options)


def _now() -> datetime:
    return datetime.now(UTC)


def _api_error(error: CameraError) -> ApiError:
    return NotFound(error.message) if error.kind == "not_found" else Conflict(error.message)


class RegisterCameraRequest(BaseModel):
    camera_id: str = Field(pattern=CAMERA_PATTERN, description="Camera id (also its IoT thing name)")
    name: str = Field(min_length=1, max_length=120, description="Where it is, for people: 'Main St & 1st Ave'")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    heading: float | None = Field(default=None, ge=0, le=360, description="Direction it faces (degrees)")
    region: str | None = Field(default=None, pattern=REGION_PATTERN, description="Patrol district or area")


def camera_out(camera: Camera) -> dict[str, Any]:
    return {
        "camera_id": camera.camera_id,
        "agency": camera.agency,
        "name": camera.name,
        "lat": camera.lat,
        "lon": camera.lon,
        "heading": camera.heading,
        "region": camera.region,
        "status": camera.status.value,
        "active": camera.active,
        "certificate_id": camera.certificate_id,
        "registered_at": camera.registered_at.isoformat() if camera.registered_at else None,
        "registered_by": camera.registered_by,
        "retired_at": camera.retired_at.isoformat() if camera.retired_at else None,
        "retired_by": camera.retired_by,
    }


def upload_identity(deps: CamerasApiDependencies, registration: CameraRegistration, endpoint: str) -> dict[str, Any]:
    """What the camera needs to upload (written by `plateguard cameras add --out DIR`)."""
    camera, certificate = registration.camera, registration.certificate
    return {
        "thing_name": camera.camera_id,
        "agency": camera.agency,
        "certificate_id": certificate.certificate_id,
        "certificate_arn": certificate.certificate_arn,
        "certificate_pem": certificate.certificate_pem,
        "private_key": certificate.private_key,  # returned once; never stored or audited
        "bucket": deps.images_bucket,
        "prefix": f"{schema.INCOMING_PREFIX}{camera.agency}/{camera.camera_id}/",
        "region": deps.region,
        "credentials_endpoint": endpoint,
        "role_alias": deps.role_alias,
        "credential_duration_seconds": CREDENTIAL_DURATION_SECONDS,
        **({"s3_endpoint_url": deps.s3_endpoint_url} if deps.s3_endpoint_url else {}),
    }


CameraId = Annotated[str, Path(pattern=CAMERA_PATTERN, description="Camera id")]


@router.post("/cameras", summary="Register a camera and issue its upload certificate", tags=["cameras"])
def register_camera_route(body: RegisterCameraRequest) -> dict[str, Any]:
    recorded: dict[str, Any] = {}

    def run(user: User) -> tuple[dict[str, Any], int]:
        deps = get_cameras_api_dependencies()
        endpoint = deps.credentials_endpoint()  # first: a failure after the key exists would lose it
        new = NewCamera(body.camera_id, body.name, body.lat, body.lon, body.heading, body.region or "unassigned")
        try:
            registration = register_camera(
                deps.registry, deps.identities, agency=user.agency, new=new, registered_by=user.username, now=_now()
            )
        except CameraError as exc:
            raise _api_error(exc) from exc
        recorded.update(
            cameraId=registration.camera.camera_id,
            certificateId=registration.certificate.certificate_id,
            changes="registered: status active, certificate issued",
        )
        answer = {
            "camera": camera_out(registration.camera),
            "credentials": upload_identity(deps, registration, endpoint),
        }
        return answer, 1

    return _audited(run, response_elements=recorded)


@router.get("/cameras", summary="List your agency's cameras", tags=["cameras"])
def list_cameras_route() -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        cameras = get_cameras_api_dependencies().registry.list_agency(user.agency)
        return {"cameras": [camera_out(c) for c in cameras], "count": len(cameras)}, len(cameras)

    return _audited(run)


@router.get("/cameras/<camera_id>", summary="Show one camera", tags=["cameras"])
def get_camera_route(camera_id: CameraId) -> dict[str, Any]:
    def run(user: User) -> tuple[dict[str, Any], int]:
        try:
            camera = get_camera(get_cameras_api_dependencies().registry, user.agency, camera_id)
        except CameraError as exc:
            raise _api_error(exc) from exc
        return camera_out(camera), 1

    return _audited(run)


@router.post("/cameras/<camera_id>/retire", summary="Retire a camera: its certificates stop working", tags=["cameras"])
def retire_camera_route(camera_id: CameraId) -> dict[str, Any]:
    recorded: dict[str, Any] = {}

    def run(user: User) -> tuple[dict[str, Any], int]:
        deps = get_cameras_api_dependencies()
        try:
            camera, revoked = retire_camera(
                deps.registry, deps.identities, agency=user.agency, camera_id=camera_id, retired_by=user.username,
                now=_now(),
            )  # fmt: skip
        except CameraError as exc:
            raise _api_error(exc) from exc
        recorded.update(
            cameraId=camera_id,
            deactivatedCertificates=",".join(revoked),
            changes="status active -> retired; certificates inactive and detached; thing type removed",
        )
        return {**camera_out(camera), "deactivated_certificates": list(revoked)}, 1

    return _audited(run, response_elements=recorded)


@router.post(
    "/cameras/<camera_id>/credentials", summary="Rotate a camera's certificate (the old ones stop)", tags=["cameras"]
)
def rotate_credentials_route(camera_id: CameraId) -> dict[str, Any]:
    recorded: dict[str, Any] = {}

    def run(user: User) -> tuple[dict[str, Any], int]:
        deps = get_cameras_api_dependencies()
        endpoint = deps.credentials_endpoint()
        try:
            registration = rotate_credentials(deps.registry, deps.identities, agency=user.agency, camera_id=camera_id)
        except CameraError as exc:
            raise _api_error(exc) from exc
        recorded.update(
            cameraId=camera_id,
            certificateId=registration.certificate.certificate_id,
            deactivatedCertificates=",".join(registration.deactivated_certificates),
            changes="certificate rotated: new one active, older ones inactive and detached",
        )
        answer = {
            "camera": camera_out(registration.camera),
            "credentials": upload_identity(deps, registration, endpoint),
            "deactivated_certificates": list(registration.deactivated_certificates),
        }
        return answer, 1

    return _audited(run, response_elements=recorded)
