"""The officer API's route catalogue: every fact about a route that something else derives from.

The API handler enforces the roles per request, records each request under the route's event name and
declares its error responses in /openapi.json from here; CDK turns the roles into one IAM managed policy
per role that allows `execute-api:Invoke` only on that role's routes; oversight samples the routes that
return plate data. So none of them can disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from plateguard.models.api import (
    AccountActionRequest,
    AccountChangeOut,
    AuditEventsResponse,
    OpenApiDocument,
    PutUserRequest,
    ReadDetail,
    SearchResponse,
    TrainingRequest,
    UserOut,
    UsersResponse,
)
from plateguard.models.requests import (
    AddEntryRequest,
    DispositionRequest,
    ImportRequest,
    PlaceHoldRequest,
    PutHotListRequest,
    RegisterCameraRequest,
    ReviewRequest,
    SignOffRequest,
    SubscriptionRequest,
)
from plateguard.models.responses import (
    AlertOut,
    AlertsResponse,
    AlertSummary,
    BatchOut,
    CameraOut,
    CameraRegistered,
    CameraRetired,
    CamerasResponse,
    CredentialsRotated,
    EntryAdded,
    EntryRemoved,
    HoldOut,
    HoldsResponse,
    HotListEntriesResponse,
    HotListImported,
    HotListOut,
    HotListRetired,
    HotListsResponse,
    ReviewOut,
    ReviewsResponse,
    SubscriptionCreated,
    SubscriptionRemoved,
    SubscriptionsResponse,
)
from plateguard.models.roles import ALL_ROLES, Role

__all__ = ["ALL_ROLES", "ROUTES", "Role", "Route", "route_for", "routes_for"]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway resource path, e.g. /reads/{read_id}
    roles: frozenset[Role]
    summary: str
    event_name: str  # CloudTrail-style eventName of the route's audit records
    # Answers with stored plate reads found under a stated purpose (a search or a fetch): the requests
    # oversight samples for misuse review, and the ones a sharing grant can open to another agency.
    returns_plate_data: bool = False
    # It can find the thing it changes in a state that forbids the change (409).
    conflicts: bool = False
    # The answer's model (the route's 200 in /openapi.json) and the request body's, where it takes one.
    response: type[BaseModel] = BaseModel
    request: type[BaseModel] | None = None

    @property
    def error_statuses(self) -> tuple[int, ...]:
        """The HTTP error statuses this route can answer, each with an {error, message} body: a bad
        request, a refused caller, an unrecorded request (audit unavailable) and an unexpected failure
        always; 404 where the path names something; 409 where the change can conflict."""
        statuses = {400, 403, 500, 503}
        if "{" in self.path:
            statuses.add(404)
        if self.conflicts:
            statuses.add(409)
        return tuple(sorted(statuses))


OFFICERS = frozenset({Role.OFFICER, Role.SUPERVISOR})
ADMINS = frozenset({Role.ADMIN})
LIST_KEEPERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
OVERSIGHT = frozenset({Role.SUPERVISOR, Role.AUDITOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})

# fmt: off
ROUTES: tuple[Route, ...] = (
    Route("GET", "/reads", OFFICERS, "Search plate reads", "SearchReads",
          returns_plate_data=True, response=SearchResponse),
    Route("GET", "/reads/{read_id}", OFFICERS, "Fetch one read", "GetReadWithCropUrl",
          returns_plate_data=True, response=ReadDetail),
    Route("GET", "/audit", OVERSIGHT, "Query the search audit trail", "LookupAuditEvents",
          response=AuditEventsResponse),
    Route("GET", "/users", ADMINS, "List user accounts", "ListUsers", response=UsersResponse),
    Route("GET", "/users/{user_id}", ADMINS, "Show one user account", "GetUser", response=UserOut),
    Route("PUT", "/users/{user_id}", ADMINS, "Create or update a user account", "PutUser",
          conflicts=True, response=UserOut, request=PutUserRequest),
    Route("POST", "/users/{user_id}/disable", ADMINS, "Disable a user account", "DisableUser",
          conflicts=True, response=AccountChangeOut, request=AccountActionRequest),
    Route("POST", "/users/{user_id}/separate", ADMINS, "Separate a user account for good", "SeparateUser",
          conflicts=True, response=AccountChangeOut, request=AccountActionRequest),
    Route("POST", "/users/{user_id}/training", ADMINS, "Record a completed training", "RecordUserTraining",
          conflicts=True, response=AccountChangeOut, request=TrainingRequest),
    Route("POST", "/users/{user_id}/reactivate", ADMINS, "Reactivate a disabled account", "ReactivateUser",
          conflicts=True, response=AccountChangeOut),
    Route("GET", "/openapi.json", ALL_ROLES, "OpenAPI document", "GetOpenApiDocument", response=OpenApiDocument),
    Route("GET", "/hotlists", frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN}), "List hot lists", "ListHotLists",
          response=HotListsResponse),
    Route("PUT", "/hotlists/{list_name}", LIST_KEEPERS, "Create or update a hot list", "PutHotList",
          response=HotListOut, request=PutHotListRequest),
    Route("DELETE", "/hotlists/{list_name}", LIST_KEEPERS, "Delete (retire) a hot list", "DeleteHotList",
          response=HotListRetired),
    Route("GET", "/hotlists/{list_name}/entries", LIST_KEEPERS, "Export entries", "ExportHotListEntries",
          response=HotListEntriesResponse),
    Route("POST", "/hotlists/{list_name}/entries", OFFICERS, "Add an entry", "AddHotListEntry",
          response=EntryAdded, request=AddEntryRequest),
    Route("DELETE", "/hotlists/{list_name}/entries/{plate}", LIST_KEEPERS, "Remove an entry", "DeleteHotListEntry",
          response=EntryRemoved),
    Route("POST", "/hotlists/{list_name}/import", LIST_KEEPERS, "Import a CSV/NCIC file", "ImportHotList",
          response=HotListImported, request=ImportRequest),
    Route("GET", "/alerts", OFFICERS, "Recent alerts", "ListAlerts", response=AlertsResponse),
    Route("GET", "/alerts/summary", OVERSIGHT, "Alert outcomes and false-hit rates", "GetAlertOutcomeSummary",
          response=AlertSummary),
    Route("POST", "/alerts/{alert_id}/disposition", OFFICERS, "Record an outcome", "SetAlertDisposition",
          conflicts=True, response=AlertOut, request=DispositionRequest),
    Route("POST", "/subscriptions", OFFICERS, "Register an alert endpoint", "RegisterAlertSubscription",
          response=SubscriptionCreated, request=SubscriptionRequest),
    Route("GET", "/subscriptions", OFFICERS, "List alert subscriptions", "ListAlertSubscriptions",
          response=SubscriptionsResponse),
    Route("DELETE", "/subscriptions/{subscription_id}", OFFICERS, "Remove a subscription", "DeleteAlertSubscription",
          response=SubscriptionRemoved),
    Route("POST", "/holds", SUPERVISORS, "Place a legal hold on reads for a case", "PlaceLegalHold",
          response=HoldOut, request=PlaceHoldRequest),
    Route("GET", "/holds", OVERSIGHT, "List legal holds", "ListLegalHolds", response=HoldsResponse),
    Route("DELETE", "/holds/{hold_id}", SUPERVISORS, "Release a legal hold", "ReleaseLegalHold",
          conflicts=True, response=HoldOut),
    Route("GET", "/reviews", OVERSIGHT, "List search-audit reviews", "ListSearchReviews", response=ReviewsResponse),
    # Before /reviews/{batch_id}/{item}: the literal path must win where routes are matched in order.
    Route("POST", "/reviews/{batch_id}/sign-off", SUPERVISORS, "Sign off a search audit", "SignOffSearchAuditBatch",
          conflicts=True, response=BatchOut, request=SignOffRequest),
    Route("POST", "/reviews/{batch_id}/{item}", SUPERVISORS, "Record a search-audit finding", "RecordSearchReview",
          conflicts=True, response=ReviewOut, request=ReviewRequest),
    Route("POST", "/cameras", ADMINS, "Register a camera and issue its certificate", "RegisterCamera",
          conflicts=True, response=CameraRegistered, request=RegisterCameraRequest),
    Route("GET", "/cameras", ADMINS, "List cameras", "ListCameras", response=CamerasResponse),
    Route("GET", "/cameras/{camera_id}", ADMINS, "Show a camera", "GetCamera", response=CameraOut),
    Route("POST", "/cameras/{camera_id}/retire", ADMINS, "Retire a camera", "RetireCamera",
          conflicts=True, response=CameraRetired),
    Route("POST", "/cameras/{camera_id}/credentials", ADMINS, "Rotate a camera's certificate",
          "RotateCameraCredentials", conflicts=True, response=CredentialsRotated),
)
# fmt: on


def route_for(method: str, path: str) -> Route | None:
    """The catalogue entry of (method, resource path), or None."""
    return _BY_KEY.get((method, path))


_BY_KEY: dict[tuple[str, str], Route] = {(r.method, r.path): r for r in ROUTES}


def routes_for(role: Role) -> list[Route]:
    return [route for route in ROUTES if role in route.roles]
