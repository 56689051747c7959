"""Well-formed requests for the camera routes (used by the role matrix and the camera API tests)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from plateguard.models.routes import Route


def register_body(camera_id: str | None = None, **changes: Any) -> dict[str, Any]:
    body = {
        "camera_id": camera_id or f"cam-{uuid.uuid4().hex[:8]}",
        "name": "Main St & 1st Ave",
        "lat": 37.7793,
        "lon": -122.4193,
        "heading": 90.0,
        "region": "central",
    }
    return {**body, **changes}


def registered_camera(agency: str = "demo-pd", camera_id: str | None = None) -> str:
    """A camera registered directly through the logic (thing, certificate, registry): its id."""
    from plateguard.logic.cameras import NewCamera, register_camera
    from plateguard.wiring.api import dependencies as get_cameras_api_dependencies

    deps = get_cameras_api_dependencies()
    new = NewCamera(camera_id or f"cam-{uuid.uuid4().hex[:8]}", "Harbor Bridge east", 37.7989, -122.3778)
    register_camera(deps.camera_registry, deps.camera_identities, agency=agency, new=new, registered_by="admin.reyes",
                    now=datetime.now(UTC))  # fmt: skip
    return new.camera_id


def camera_route_request(route: Route) -> dict[str, Any]:
    if route.method == "POST" and route.path == "/cameras":
        return {"body": register_body()}
    if "{camera_id}" in route.path:
        camera_id = registered_camera()
        return {"path": route.path.replace("{camera_id}", camera_id), "path_params": {"camera_id": camera_id}}
    return {}
