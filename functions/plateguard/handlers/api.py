"""Officer API Lambda (API Gateway REST, AWS_IAM on every method): search, fetch, audit, users.

Thin by design: each route parses its parameters, then `_audited` authorizes the caller against the
user registry and ROUTES, runs the logic, writes the audit record, and only then returns the data.
Domain errors become `{error, message}` JSON with the status from ERROR_STATUS (the one mapping).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from http import HTTPStatus
from typing import Annotated, Any, Protocol, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard import schema
from plateguard.logic.access import AccessPolicy, User, UserDirectory
from plateguard.logic.audit_chain import AuditStore, AuditTrail
from plateguard.logic.audited import AuditedCall, Caller, run_audited
from plateguard.logic.search import (
    ReadSource,
    SearchPolicy,
    fetch_read,
    search_audit,
    search_reads,
    validate_audit_query,
    validate_search,
)
from plateguard.logic.tokens import TokenCodec
from plateguard.models.api import (
    AGENCY_PATTERN,
    CAMERA_PATTERN,
    CASE_NUMBER_PATTERN,
    MAX_PURPOSE_LENGTH,
    READ_ID_PATTERN,
    AuditEventsResponse,
    AuditQueryRequest,
    ReadDetail,
    ReadOut,
    ReadRequest,
    SearchRequest,
    SearchResponse,
    parse_model,
)
from plateguard.models.errors import (
    AccessDenied,
    ApiError,
    AuditUnavailable,
    Conflict,
    InvalidRequest,
    NotFound,
)
from plateguard.models.records import PlateReadRecord
from plateguard.models.settings import get_api_settings
from plateguard.observability import logger, metrics, tracer
from plateguard.policy.enforcement import grant_for, parse_sharing_grants
from plateguard.policy.model import Scope, SharingGrant

T = TypeVar("T")

# The one place where a domain error becomes an HTTP status (most specific class wins, by MRO).
ERROR_STATUS: dict[type[ApiError], HTTPStatus] = {
    InvalidRequest: HTTPStatus.BAD_REQUEST,  # includes InvalidPaginationToken
    AccessDenied: HTTPStatus.FORBIDDEN,
    NotFound: HTTPStatus.NOT_FOUND,
    Conflict: HTTPStatus.CONFLICT,
    AuditUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
}

# CloudTrail-style eventName of each route in plateguard.models.routes.ROUTES.
EVENT_NAMES: dict[tuple[str, str], str] = {
    ("GET", "/reads"): "SearchReads",
    ("GET", "/reads/{read_id}"): "GetReadWithCropUrl",
    ("GET", "/audit"): "LookupAuditEvents",
    ("GET", "/openapi.json"): "GetOpenApiDocument",
}
_MAX_AUDITED_VALUE = 256
_MAX_AUDITED_PARAMS = 24


class CropUrlSigner(Protocol):
    def presign(self, key: str, expires_seconds: int) -> str: ...


@dataclass(frozen=True)
class ApiDependencies:
    users: UserDirectory
    reads: ReadSource
    audit_store: AuditStore
    trail: AuditTrail
    crops: CropUrlSigner
    codec: TokenCodec
    search_policy: SearchPolicy
    access_policy: AccessPolicy
    crop_url_expires_seconds: int
    clock: Callable[[], datetime]
    # The policy's sharing grants (SHARING_GRANTS): what another agency's users may search here.
    grants: tuple[SharingGrant, ...] = ()

    def granting_agencies(self) -> frozenset[str]:
        return frozenset(grant.granting_agency for grant in self.grants)


def _now() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def get_api_dependencies() -> ApiDependencies:
    """Built on first use per container (never at import time)."""
    from plateguard.dal.audit import DynamoAuditStore, S3AuditArchive
    from plateguard.dal.clients import aws_client
    from plateguard.dal.read_queries import DynamoReadSource, KmsMacKey, S3CropUrls
    from plateguard.dal.tables import bind_tables
    from plateguard.dal.users import DynamoUserDirectory

    settings = get_api_settings()
    bind_tables(
        {
            schema.READS.logical_id: settings.reads_table_name,
            schema.USERS.logical_id: settings.users_table_name,
            schema.AUDIT.logical_id: settings.audit_table_name,
        },
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
    )

    def client(service: str) -> Any:
        return aws_client(service, settings.aws_region, settings.aws_endpoint_url)

    store = DynamoAuditStore()
    return ApiDependencies(
        users=DynamoUserDirectory(),
        reads=DynamoReadSource(),
        audit_store=store,
        trail=AuditTrail(store, S3AuditArchive(client("s3"), settings.audit_bucket_name)),
        crops=S3CropUrls(client("s3"), settings.images_bucket_name),
        codec=TokenCodec(
            KmsMacKey(client("kms"), settings.pagination_kms_key_id).derive(),
            settings.pagination_token_ttl_seconds,
            _now,
        ),
        search_policy=SearchPolicy(
            offense_types=settings.offense_type_list,
            max_window=timedelta(days=settings.max_search_window_days),
            min_pattern_literals=settings.min_pattern_literals,
            default_page_size=settings.default_page_size,
            max_page_size=settings.max_page_size,
            max_scanned_items=settings.max_scanned_items,
            max_audit_window=timedelta(days=settings.max_audit_query_days),
        ),
        access_policy=AccessPolicy(
            inactivity_disable_days=settings.inactivity_disable_days,
            training_refresh_months=settings.training_refresh_months,
            role_names=settings.role_name_map,
        ),
        crop_url_expires_seconds=settings.crop_url_expires_seconds,
        clock=_now,
        grants=parse_sharing_grants(settings.sharing_grants),
    )


app = APIGatewayRestResolver(enable_validation=True)


# -- the audited request path ---------------------------------------------------------------------------


def _caller() -> Caller:
    event = app.current_event
    identity = event.request_context.identity
    return Caller(
        principal_arn=identity.user_arn,
        access_key_id=identity.access_key,
        source_ip=identity.source_ip,
        user_agent=identity.user_agent,
        request_id=event.request_context.request_id,
        method=event.http_method.upper(),
        resource=event.resource,
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _audit_parameters() -> dict[str, Any]:
    """The request's terms as sent (bounded in size): recorded for allowed and refused requests alike."""
    event = app.current_event
    raw: dict[str, Any] = {**(event.path_parameters or {}), **(event.query_string_parameters or {})}
    if event.http_method.upper() == "PUT":
        try:
            body = json.loads(event.body or "{}")
            if isinstance(body, dict):
                raw.update({k: v for k, v in body.items() if isinstance(v, str | int | float | bool | None)})
        except ValueError:
            raw["body"] = "<not JSON>"
    params: dict[str, Any] = {}
    for name, value in list(raw.items())[:_MAX_AUDITED_PARAMS]:
        text = value if not isinstance(value, str) else value[:_MAX_AUDITED_VALUE]
        if name == "next_token" and isinstance(value, str):
            text = f"<token {len(value)} chars>"  # opaque: its content is not a query term
        params[_camel(str(name)[:64])] = text
    return params


def _bounded(params: dict[str, Any]) -> dict[str, Any]:
    return {
        name[:64]: value[:_MAX_AUDITED_VALUE] if isinstance(value, str) else value
        for name, value in list(params.items())[:_MAX_AUDITED_PARAMS]
    }


def _audited(
    action: Callable[[User], tuple[T, int | None]],
    *,
    parameters: dict[str, Any] | None = None,
    response_elements: dict[str, Any] | None = None,
    also_chains: Callable[[User], tuple[str, ...]] | None = None,
) -> T:
    """The one audited door. `parameters`: body terms to record beside the path and query ones;
    `response_elements`: a dict the action fills (recorded once it returns); `also_chains`: other
    agencies' chains that record the request too (a recipient's search over shared data)."""
    deps = get_api_dependencies()
    caller = _caller()
    metrics.add_metric(name="ApiRequests", unit=MetricUnit.Count, value=1)
    call = AuditedCall(
        caller=caller,
        event_name=EVENT_NAMES.get((caller.method, caller.resource), "UnknownRoute"),
        parameters={**_audit_parameters(), **_bounded(parameters or {})},
        read_only=caller.method == "GET",
        also_chains=also_chains,
        response_elements=response_elements if response_elements is not None else {},
    )
    return run_audited(call, action, users=deps.users, policy=deps.access_policy, trail=deps.trail, now=deps.clock())


def _error_response(error: ApiError) -> Response:
    status = next(
        (code for cls in type(error).__mro__ if (code := ERROR_STATUS.get(cls)) is not None),
        HTTPStatus.INTERNAL_SERVER_ERROR,
    )
    if isinstance(error, AccessDenied | InvalidRequest):
        metrics.add_metric(name="SearchesDenied", unit=MetricUnit.Count, value=1)
    if isinstance(error, AuditUnavailable):
        metrics.add_metric(name="AuditWriteFailures", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": error.code, "message": error.message}),
    )


@app.exception_handler(ApiError)
def _handle_api_error(error: ApiError) -> Response:
    logger.info("request refused", error=error.code, detail=error.message)
    return _error_response(error)


@app.exception_handler(RequestValidationError)
def _handle_validation_error(error: RequestValidationError) -> Response:
    # Parameter shapes are checked before the route runs: the refusal is still authorized and audited.
    details = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ())[1:]) or "request"
        details.append(f"{where}: {item.get('msg', 'invalid')}")
    message = "; ".join(details) or "invalid request"

    def refuse(_user: User) -> tuple[None, None]:
        raise InvalidRequest(message)

    try:
        _audited(refuse)
    except ApiError as refused:
        return _error_response(refused)
    raise AssertionError("unreachable")  # pragma: no cover


@app.exception_handler(Exception)
def _handle_unexpected(error: Exception) -> Response:
    logger.exception("unexpected error")
    return Response(
        status_code=500,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": "InternalError", "message": "internal error"}),
    )


@app.not_found
def _handle_not_found(_error: Exception) -> Response:
    return Response(
        status_code=404,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": "NotFound", "message": "no such route"}),
    )


# -- routes ------------------------------------------------------------------------------------------


def _read_out(record: PlateReadRecord) -> ReadOut:
    return ReadOut(
        read_id=record.read_id,
        plate=record.plate,
        camera_id=record.camera_id,
        captured_at=record.captured_at,
        confidence=record.confidence,
        low_confidence=record.low_confidence,
        hit=record.hit,
        lat=record.lat,
        lon=record.lon,
        heading=record.heading,
        expires_at=datetime.fromtimestamp(record.expires_at, UTC),
    )


Purpose = Annotated[
    str, Query(min_length=10, max_length=MAX_PURPOSE_LENGTH, description="Why: specific, at least 10 characters")
]
CaseNumber = Annotated[str, Query(pattern=CASE_NUMBER_PATTERN, description="Case or incident number")]
OffenseType = Annotated[str, Query(max_length=64, description="One of the configured offense types")]
Since = Annotated[datetime | None, Query(description="Window start (ISO 8601, inclusive)")]
Until = Annotated[datetime | None, Query(description="Window end (ISO 8601, exclusive)")]
NextToken = Annotated[str | None, Query(max_length=4096, description="Opaque token from the previous page")]
Limit = Annotated[int | None, Query(ge=1, le=1000, description="Page size")]


def _shared_search_grant(deps: ApiDependencies, user: User, grantor: str, offense_type: str, now: datetime) -> str:
    """The id of the active grant letting the caller's agency search `grantor`'s reads for this offense
    type today (UTC date); AccessDenied (audited, no data) when there is none."""
    grant = grant_for(deps.grants, user.agency, Scope.SEARCH_READS, offense_type, now.date(), granting_agency=grantor)
    if grant is None:
        raise AccessDenied(
            "no_sharing_grant",
            f"no active sharing grant from {grantor} lets {user.agency} search its reads for {offense_type}",
            user,
        )
    return grant.id


@app.get("/reads", summary="Search plate reads", tags=["reads"])
def search_reads_route(
    purpose: Purpose,
    case_number: CaseNumber,
    offense_type: OffenseType,
    agency: Annotated[
        str | None,
        Query(pattern=AGENCY_PATTERN, description="Another agency's reads, under its sharing grant (default: yours)"),
    ] = None,
    plate: Annotated[
        str | None, Query(max_length=40, description="Plate; '?' is one character and '*' any run (partial)")
    ] = None,
    camera: Annotated[str | None, Query(pattern=CAMERA_PATTERN, description="Camera id")] = None,
    since: Since = None,
    until: Until = None,
    min_lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    max_lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    min_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    max_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    limit: Limit = None,
    next_token: NextToken = None,
) -> SearchResponse:
    given = dict(locals())  # the query parameters, exactly as the resolver parsed them
    request = parse_model(SearchRequest, {k: v for k, v in given.items() if v is not None})
    shared: dict[str, Any] = {}

    def run(user: User) -> tuple[SearchResponse, int]:
        deps = get_api_dependencies()
        now = deps.clock()
        query = validate_search(request, deps.search_policy, now)
        data_agency = user.agency
        if request.agency and request.agency != user.agency:
            shared["sharingGrant"] = _shared_search_grant(deps, user, request.agency, request.offense_type, now)
            shared["dataAgency"] = data_agency = request.agency
        page = search_reads(query, user, deps.reads, deps.codec, deps.search_policy, now, agency=data_agency)
        response = SearchResponse(
            search_type=query.search_type,
            reads=[_read_out(r) for r in page.reads],
            count=len(page.reads),
            next_token=page.next_token,
            scanned_items=page.scanned_items,
        )
        return response, len(page.reads)

    def grantor_chain(user: User) -> tuple[str, ...]:
        # A search naming a granting agency is recorded in its trail too, served or refused.
        named = request.agency
        if named and named != user.agency and named in get_api_dependencies().granting_agencies():
            return (named,)
        return ()

    return _audited(run, response_elements=shared, also_chains=grantor_chain)


@app.get("/reads/<read_id>", summary="Fetch one read with a short-lived crop URL", tags=["reads"])
def get_read_route(
    read_id: Annotated[str, Path(pattern=READ_ID_PATTERN)],
    purpose: Purpose,
    case_number: CaseNumber,
    offense_type: OffenseType,
) -> ReadDetail:
    request = parse_model(
        ReadRequest,
        {"read_id": read_id, "purpose": purpose, "case_number": case_number, "offense_type": offense_type},
    )

    def run(user: User) -> tuple[ReadDetail, int]:
        deps = get_api_dependencies()
        now = deps.clock()
        if request.offense_type not in deps.search_policy.offense_types:
            raise InvalidRequest(f"offense_type must be one of: {', '.join(deps.search_policy.offense_types)}")
        record = fetch_read(request.read_id, user, deps.reads, now)
        expires = deps.crop_url_expires_seconds
        detail = ReadDetail(
            **_read_out(record).model_dump(),
            raw_text=record.raw_text,
            char_confidences=list(record.char_confidences),
            alternatives=list(record.alternatives),
            crop_url=deps.crops.presign(record.crop_key, expires),
            crop_url_expires_at=now + timedelta(seconds=expires),
        )
        return detail, 1

    return _audited(run)


@app.get("/audit", summary="Query the audit trail of your agency", tags=["audit"])
def query_audit_route(
    since: Annotated[datetime, Query(description="Events at or after (ISO 8601)")],
    until: Annotated[datetime, Query(description="Events before (ISO 8601)")],
    username: Annotated[str | None, Query(max_length=600, description="Username or principal ARN")] = None,
    plate: Annotated[str | None, Query(max_length=40, description="Plate or pattern as searched")] = None,
    case_number: Annotated[str | None, Query(pattern=CASE_NUMBER_PATTERN)] = None,
    agency: Annotated[
        str | None, Query(pattern=AGENCY_PATTERN, description="Only callers of this agency (a sharing recipient)")
    ] = None,
    limit: Limit = None,
    next_token: NextToken = None,
) -> AuditEventsResponse:
    given = dict(locals())
    request = parse_model(AuditQueryRequest, {k: v for k, v in given.items() if v is not None})

    def run(user: User) -> tuple[AuditEventsResponse, int]:
        deps = get_api_dependencies()
        wanted = validate_audit_query(request, deps.search_policy)
        page = search_audit(request, wanted, user, deps.audit_store, deps.codec, deps.search_policy)
        return AuditEventsResponse(events=page.events, count=len(page.events), next_token=page.next_token), len(
            page.events
        )

    return _audited(run)


@app.get("/openapi.json", summary="OpenAPI document of this API", tags=["meta"])
def openapi_route() -> dict[str, Any]:
    def run(_user: User) -> tuple[dict[str, Any], None]:
        return json.loads(openapi_document()), None

    return _audited(run)


def openapi_document() -> str:
    return app.get_openapi_json_schema(
        title="PlateGuard officer API",
        version="1.0.0",
        description=(
            "Every method requires AWS SigV4 (API Gateway AWS_IAM). Every request is audited before any "
            "data is returned; errors are JSON {error, message}."
        ),
        # API Gateway's own convention for AWS_IAM: an apiKey scheme on Authorization, type awsSigv4.
        security_schemes={
            "sigv4": APIKey(
                name="Authorization",
                in_=APIKeyIn.header,
                description="AWS Signature Version 4 (service execute-api)",
            )
        },
        security=[{"sigv4": []}],
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handle_api_request(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# Hot lists, alerts and subscriptions: a router in its own module, through the same audited door.
from plateguard.handlers.api_hotlists import EVENT_NAMES as _HOTLIST_EVENT_NAMES  # noqa: E402
from plateguard.handlers.api_hotlists import router as _hotlist_router  # noqa: E402

EVENT_NAMES.update(_HOTLIST_EVENT_NAMES)
app.include_router(_hotlist_router)

# Legal holds: place, list, release (supervisors; auditors list), through the same audited door.
from plateguard.handlers.api_holds import EVENT_NAMES as _HOLD_EVENT_NAMES  # noqa: E402
from plateguard.handlers.api_holds import router as _holds_router  # noqa: E402

EVENT_NAMES.update(_HOLD_EVENT_NAMES)
app.include_router(_holds_router)

# Search-audit reviews: list, record a finding, sign off (supervisors; auditors list), same door.
from plateguard.handlers.api_reviews import EVENT_NAMES as _REVIEW_EVENT_NAMES  # noqa: E402
from plateguard.handlers.api_reviews import router as _reviews_router  # noqa: E402

EVENT_NAMES.update(_REVIEW_EVENT_NAMES)
app.include_router(_reviews_router)

# Camera registry and upload identities: register, list, show, retire, rotate (admins), same door.
from plateguard.handlers.api_cameras import EVENT_NAMES as _CAMERA_EVENT_NAMES  # noqa: E402
from plateguard.handlers.api_cameras import router as _cameras_router  # noqa: E402

EVENT_NAMES.update(_CAMERA_EVENT_NAMES)
app.include_router(_cameras_router)

# User accounts: list, show, add, disable, separate, training, reactivate (admins), same door.
from plateguard.handlers.api_users import EVENT_NAMES as _USER_EVENT_NAMES  # noqa: E402
from plateguard.handlers.api_users import router as _users_router  # noqa: E402

EVENT_NAMES.update(_USER_EVENT_NAMES)
app.include_router(_users_router)
