"""Well-formed requests for the legal-hold routes (used by the role matrix)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from plateguard.models.routes import Route
from tests.api_support import make_read


def hold_route_request(route: Route) -> dict[str, Any]:
    """Create what the route needs (a live read; a hold on it) and return the request parts."""
    from plateguard.dal.repositories import DynamoIngestRepository
    from plateguard.logic.holds import place_hold
    from plateguard.wiring.api import dependencies as get_holds_api_dependencies

    holds = get_holds_api_dependencies().holds  # binds the tables
    read = make_read("7KDR394")
    DynamoIngestRepository().put_read(read)
    until = datetime.now(UTC) + timedelta(days=60)
    if route.method == "POST":
        body = {
            "read_ids": [read.read_id],
            "case_number": "DPD-2026-004417",
            "reason": "Vehicle seen leaving an armed robbery",
            "until": until.isoformat(),
        }
        return {"body": body}
    if route.path == "/holds/{hold_id}":
        hold = place_hold(
            holds,
            agency="demo-pd",
            read_ids=[read.read_id],
            case_number="DPD-2026-004417",
            reason="Vehicle seen leaving an armed robbery",
            placed_by="sgt.chen",
            ends_at=until,
            now=datetime.now(UTC),
        )
        return {"path": f"/holds/{hold.hold_id}", "path_params": {"hold_id": hold.hold_id}}
    return {}
