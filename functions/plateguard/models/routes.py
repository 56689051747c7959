"""The officer API's route catalogue: which roles may call which route.

The API handler enforces it per request, and CDK turns it into one IAM managed policy per role that
allows `execute-api:Invoke` only on that role's routes, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


ALL_ROLES: frozenset[Role] = frozenset(Role)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway resource path, e.g. /reads/{read_id}
    roles: frozenset[Role]
    summary: str


ROUTES: tuple[Route, ...] = (
    Route("GET", "/reads", frozenset({Role.OFFICER, Role.SUPERVISOR}), "Search plate reads"),
    Route("GET", "/reads/{read_id}", frozenset({Role.OFFICER, Role.SUPERVISOR}), "Fetch one read"),
    Route("GET", "/audit", frozenset({Role.AUDITOR, Role.SUPERVISOR}), "Query the search audit trail"),
    Route("GET", "/users", frozenset({Role.ADMIN}), "List user accounts"),
    Route("GET", "/users/{user_id}", frozenset({Role.ADMIN}), "Show one user account"),
    Route("PUT", "/users/{user_id}", frozenset({Role.ADMIN}), "Create or update a user account"),
    Route("POST", "/users/{user_id}/disable", frozenset({Role.ADMIN}), "Disable a user account"),
    Route("POST", "/users/{user_id}/separate", frozenset({Role.ADMIN}), "Separate a user account for good"),
    Route("POST", "/users/{user_id}/training", frozenset({Role.ADMIN}), "Record a completed training"),
    Route("POST", "/users/{user_id}/reactivate", frozenset({Role.ADMIN}), "Reactivate a disabled account"),
    Route("GET", "/openapi.json", ALL_ROLES, "OpenAPI document"),
    Route("GET", "/hotlists", frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN}), "List hot lists"),
    Route("PUT", "/hotlists/{list_name}", frozenset({Role.SUPERVISOR, Role.ADMIN}), "Create or update a hot list"),
    Route("DELETE", "/hotlists/{list_name}", frozenset({Role.SUPERVISOR, Role.ADMIN}), "Delete (retire) a hot list"),
    Route("GET", "/hotlists/{list_name}/entries", frozenset({Role.SUPERVISOR, Role.ADMIN}), "Export entries"),
    Route("POST", "/hotlists/{list_name}/entries", frozenset({Role.OFFICER, Role.SUPERVISOR}), "Add an entry"),
    Route(
        "DELETE", "/hotlists/{list_name}/entries/{plate}", frozenset({Role.SUPERVISOR, Role.ADMIN}), "Remove an entry"
    ),
    Route("POST", "/hotlists/{list_name}/import", frozenset({Role.SUPERVISOR, Role.ADMIN}), "Import a CSV/NCIC file"),
    Route("GET", "/alerts", frozenset({Role.OFFICER, Role.SUPERVISOR}), "Recent alerts"),
    Route("GET", "/alerts/summary", frozenset({Role.SUPERVISOR, Role.AUDITOR}), "Alert outcomes and false-hit rates"),
    Route("POST", "/alerts/{alert_id}/disposition", frozenset({Role.OFFICER, Role.SUPERVISOR}), "Record an outcome"),
    Route("POST", "/subscriptions", frozenset({Role.OFFICER, Role.SUPERVISOR}), "Register an alert endpoint"),
    Route("GET", "/subscriptions", frozenset({Role.OFFICER, Role.SUPERVISOR}), "List alert subscriptions"),
    Route(
        "DELETE",
        "/subscriptions/{subscription_id}",
        frozenset({Role.OFFICER, Role.SUPERVISOR}),
        "Remove a subscription",
    ),
    Route("POST", "/holds", frozenset({Role.SUPERVISOR}), "Place a legal hold on reads for a case"),
    Route("GET", "/holds", frozenset({Role.SUPERVISOR, Role.AUDITOR}), "List legal holds"),
    Route("DELETE", "/holds/{hold_id}", frozenset({Role.SUPERVISOR}), "Release a legal hold"),
    Route("GET", "/reviews", frozenset({Role.SUPERVISOR, Role.AUDITOR}), "List search-audit reviews"),
    # Before /reviews/{batch_id}/{item}: the literal path must win where routes are matched in order.
    Route("POST", "/reviews/{batch_id}/sign-off", frozenset({Role.SUPERVISOR}), "Sign off a search audit"),
    Route("POST", "/reviews/{batch_id}/{item}", frozenset({Role.SUPERVISOR}), "Record a search-audit finding"),
    Route("POST", "/cameras", frozenset({Role.ADMIN}), "Register a camera and issue its certificate"),
    Route("GET", "/cameras", frozenset({Role.ADMIN}), "List cameras"),
    Route("GET", "/cameras/{camera_id}", frozenset({Role.ADMIN}), "Show a camera"),
    Route("POST", "/cameras/{camera_id}/retire", frozenset({Role.ADMIN}), "Retire a camera"),
    Route("POST", "/cameras/{camera_id}/credentials", frozenset({Role.ADMIN}), "Rotate a camera's certificate"),
)


def routes_for(role: Role) -> list[Route]:
    return [route for route in ROUTES if role in route.roles]
