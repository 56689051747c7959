"""The camera registry: register, list, show, retire and rotate credentials
(plateguard.logic.officer_cameras). Admins only; the camera is always the caller's agency's. The audit
record carries the camera id, what changed and certificate ids; the private key is only ever in the
response body of the request that created it."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from plateguard.handlers.api.door import audited, route
from plateguard.logic import officer_cameras as cameras
from plateguard.models.api import CAMERA_PATTERN
from plateguard.models.requests import RegisterCameraRequest
from plateguard.models.responses import CameraOut, CameraRegistered, CameraRetired, CamerasResponse, CredentialsRotated

router = Router()

CameraId = Annotated[str, Path(pattern=CAMERA_PATTERN, description="Camera id")]


@route(router, "POST", "/cameras", summary="Register a camera and issue its upload certificate", tags=["cameras"])
def register_camera_route(body: RegisterCameraRequest) -> CameraRegistered:
    recorded: dict[str, Any] = {}  # camera id, certificate id and what changed, for the outcome record
    return audited(
        lambda user, deps: cameras.register(
            user,
            body,
            deps.clock(),
            registry=deps.camera_registry,
            identities=deps.camera_identities,
            target=deps.camera_uploads,
            credentials_endpoint=deps.camera_credentials_endpoint,
            audit_elements=recorded,
        ),
        response_elements=recorded,
    )


@route(router, "GET", "/cameras", summary="List your agency's cameras", tags=["cameras"])
def list_cameras_route() -> CamerasResponse:
    return audited(lambda user, deps: cameras.list_cameras(user, registry=deps.camera_registry))


@route(router, "GET", "/cameras/{camera_id}", summary="Show one camera", tags=["cameras"])
def get_camera_route(camera_id: CameraId) -> CameraOut:
    return audited(lambda user, deps: cameras.show_camera(user, camera_id, registry=deps.camera_registry))


@route(
    router,
    "POST",
    "/cameras/{camera_id}/retire",
    summary="Retire a camera: its certificates stop working",
    tags=["cameras"],
)
def retire_camera_route(camera_id: CameraId) -> CameraRetired:
    recorded: dict[str, Any] = {}
    return audited(
        lambda user, deps: cameras.retire(
            user,
            camera_id,
            deps.clock(),
            registry=deps.camera_registry,
            identities=deps.camera_identities,
            audit_elements=recorded,
        ),
        response_elements=recorded,
    )


@route(
    router,
    "POST",
    "/cameras/{camera_id}/credentials",
    summary="Rotate a camera's certificate (the old ones stop)",
    tags=["cameras"],
)
def rotate_credentials_route(camera_id: CameraId) -> CredentialsRotated:
    recorded: dict[str, Any] = {}
    return audited(
        lambda user, deps: cameras.rotate(
            user,
            camera_id,
            registry=deps.camera_registry,
            identities=deps.camera_identities,
            target=deps.camera_uploads,
            credentials_endpoint=deps.camera_credentials_endpoint,
            audit_elements=recorded,
        ),
        response_elements=recorded,
    )
