"""Officer API Lambda (API Gateway REST, AWS_IAM on every method): search, fetch, audit, users.

Every request goes through one audited door (`_serve`, with plateguard.logic.audited): the caller is
authorized against the route the resolver dispatches before anything else is looked at, the request's
terms are checked against what the route declares, the route runs (`_audited` records a change's attempt
before it acts), and one outcome record is written before any answer leaves, whatever the outcome.
Domain errors become `{error, message}` JSON with the status from ERROR_STATUS (the one mapping).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
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
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard import schema
from plateguard.logic.access import AccessPolicy, User, UserDirectory, find_route
from plateguard.logic.audit_chain import AuditStore, AuditTrail
from plateguard.logic.audited import UNKNOWN_ROUTE, AuditedRequest, Caller, Door
from plateguard.logic.request_terms import (
    MAX_TEXT,
    RequestTerms,
    RouteShape,
    checked_parameters,
    has_control_characters,
    read_terms,
)
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


# -- the audited door --------------------------------------------------------------------------------
# `handle_api_request` runs every request through `_serve`: the route the resolver will dispatch is found
# first (with the resolver's own table), the caller is authorized against it (403 before anything else),
# the request's terms are checked against what the route declares (400), and only then does the resolver
# run the route. Whatever happens, `Door.conclude` writes the one outcome record before the answer leaves.

# Body fields that hold an imported file: line breaks are its content there, not an injection.
_MULTILINE_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/hotlists/{list_name}/import"): frozenset({"content"}),
}
# Recorded by length and SHA-256, not verbatim: an opaque pagination token, an imported file.
_DIGESTED_FIELDS = frozenset({"next_token", "content"})
_SHAPES: dict[tuple[str, str], RouteShape] = {}
# The request being served and its door (a context variable: each thread or task sees its own).
_CURRENT: ContextVar[tuple[AuditedRequest, Door] | None] = ContextVar("plateguard_api_request", default=None)


def _dispatch(method: str, path: str) -> tuple[Any, dict[str, str]] | None:
    """The resolver's route for this method and path with its path arguments, matched exactly as
    APIGatewayRestResolver._resolve matches (prefix stripped; static routes, then dynamic ones, in order).
    `_audited` checks the route the resolver then actually runs is this one."""
    path = app._remove_prefix(path)
    for route in app._static_routes + app._dynamic_routes:
        if route.method != method:
            continue
        found = route.rule.match(path)
        if found:
            return route, found.groupdict()
    return None


def _shape(route: Any) -> RouteShape:
    """What a resolver route declares, read from its signature as the resolver's validation reads it."""
    key = (route.method, route.openapi_path)
    shape = _SHAPES.get(key)
    if shape is None:
        dependant = route.dependant
        body_fields: tuple[str, ...] | None = None
        if len(dependant.body_params) == 1 and isinstance(dependant.body_params[0].type_, type):
            model = dependant.body_params[0].type_
            fields = getattr(model, "model_fields", {})
            body_fields = tuple(f.alias or name for name, f in fields.items())
        elif dependant.body_params:
            body_fields = tuple(p.alias for p in dependant.body_params)
        shape = RouteShape(
            path_params=tuple(p.alias for p in dependant.path_params),
            query_params=tuple(p.alias for p in dependant.query_params),
            body_fields=body_fields,
            multiline=_MULTILINE_FIELDS.get(key, frozenset()),
            digested=_DIGESTED_FIELDS,
        )
        _SHAPES[key] = shape
    return shape


def _caller(event: APIGatewayProxyEvent) -> Caller:
    identity = event.request_context.identity
    return Caller(
        principal_arn=identity.user_arn,
        access_key_id=identity.access_key,
        source_ip=identity.source_ip,
        user_agent=identity.user_agent,
        request_id=event.request_context.request_id,
        method=(event.http_method or "").upper(),
    )


def _query(event: APIGatewayProxyEvent) -> tuple[dict[str, list[str]], str | None]:
    """Every query parameter with all its values, and a problem if the event's two forms disagree."""
    single = event.query_string_parameters or {}
    multi = event.multi_value_query_string_parameters or {}
    if not multi:
        return {name: [value] for name, value in single.items()}, None
    values = {name: list(given or []) for name, given in multi.items()}
    if any(name not in values or values[name][-1:] != [value] for name, value in single.items()):
        return values, "query string: its single- and multi-value forms disagree"
    return values, None


def _terms(event: APIGatewayProxyEvent, route: Any, args: dict[str, str]) -> RequestTerms:
    query, query_problem = _query(event)
    try:
        body = event.decoded_body
        body_problem = None
    except ValueError:  # not base64, or not UTF-8
        body, body_problem = None, "body: not UTF-8 text"
    terms = read_terms(_shape(route), args, query, body)
    for problem in (query_problem, body_problem):
        if problem:
            terms.problems.append(problem)
    if body_problem:
        terms.recorded["body"] = "<refused: not text>"
    return terms


def _unknown_route_terms(event: APIGatewayProxyEvent) -> dict[str, Any]:
    """A request no route matches: its method and path are what it asked (each bounded, never cut)."""
    recorded: dict[str, Any] = {}
    for name, value in (("httpMethod", event.http_method or ""), ("path", event.path or "")):
        if has_control_characters(value):
            recorded[name] = "<refused: control characters>"
        elif len(value) > MAX_TEXT:
            recorded[name] = f"<refused: {len(value)} characters, over the {MAX_TEXT} bound>"
        else:
            recorded[name] = value
    return recorded


def _grantor_chains(terms: dict[str, Any]) -> Callable[[User], tuple[str, ...]] | None:
    """A search or fetch naming a granting agency is recorded in its trail too, served or refused."""
    named = terms.get("agency")
    if not isinstance(named, str):
        return None

    def chains(user: User) -> tuple[str, ...]:
        if named != user.agency and named in get_api_dependencies().granting_agencies():
            return (named,)
        return ()

    return chains


# Routes whose requests are also recorded in another agency's chain (chosen from the request's terms).
_SHARED_CHAINS: dict[tuple[str, str], Callable[[dict[str, Any]], Callable[[User], tuple[str, ...]] | None]] = {
    ("GET", "/reads"): _grantor_chains,
    ("GET", "/reads/{read_id}"): _grantor_chains,
}


def _admit(
    request: AuditedRequest, door: Door, event: APIGatewayProxyEvent, dispatched: tuple[Any, dict[str, str]] | None
) -> tuple[Any, dict[str, str]] | None:
    """Authorize, then check the request's terms: ApiError (403, 404, 400) if it may not run."""
    if dispatched is None:
        request.parameters = _unknown_route_terms(event)
        door.admit(request)  # 403 for a caller who may not use the API at all, else 404
        return None
    route, args = dispatched
    terms = _terms(event, route, args)
    request.parameters = terms.recorded
    if request.route is not None and (hook := _SHARED_CHAINS.get((request.route.method, request.route.path))):
        request.also_chains = hook(terms.recorded)
    door.admit(request)  # 403 before anything else about the request is looked at
    if event.resource != route.openapi_path or (event.path_parameters or {}) != args:
        # API Gateway matched a resource on the raw path; the resolver dispatches on the decoded one (an
        # encoded '/' in a path parameter): refuse rather than run or record another action.
        raise InvalidRequest("the request path does not match its API resource (an encoded '/' in a path parameter?)")
    if terms.refusal:
        raise InvalidRequest(terms.refusal)
    return dispatched


def _serve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = get_api_dependencies()
    metrics.add_metric(name="ApiRequests", unit=MetricUnit.Count, value=1)
    proxy = APIGatewayProxyEvent(event)
    caller = _caller(proxy)
    routing_failed: Exception | None = None
    try:
        dispatched = _dispatch(caller.method, proxy.path or "")
    except Exception as error:  # recorded as a 500 below: never an unrecorded request
        dispatched, routing_failed = None, error
    route = find_route(caller.method, dispatched[0].openapi_path) if dispatched else None
    request = AuditedRequest(
        caller=caller,
        route=route,
        event_name=EVENT_NAMES.get((route.method, route.path), UNKNOWN_ROUTE) if route else UNKNOWN_ROUTE,
        parameters={},
    )
    door = Door(deps.users, deps.access_policy, deps.trail, deps.clock)
    token = _CURRENT.set((request, door))
    try:
        try:
            if routing_failed is not None:
                raise routing_failed
            if _admit(request, door, proxy, dispatched) is None:
                raise NotFound("no such route")  # _admit raises first; never served unrecorded
        except Exception as refused:  # a registry outage while authorizing is a recorded 500, too
            if not isinstance(refused, ApiError):
                logger.exception("unexpected error at the door")
            request.error = refused
            response = _proxy_error(refused)
        else:
            response = app.resolve(event, context)
            if request.error is None and int(response.get("statusCode", 500)) >= 400:
                request.error = ApiError(f"HTTP {response.get('statusCode')}")  # never unrecorded
        try:
            door.conclude(request)
        except AuditUnavailable as unavailable:
            response = _proxy_error(unavailable)  # no answer leaves without its record
        return response
    finally:
        _CURRENT.reset(token)


def _audited(
    action: Callable[[User], tuple[T, int | None]],
    *,
    parameters: dict[str, Any] | None = None,
    response_elements: dict[str, Any] | None = None,
    also_chains: Callable[[User], tuple[str, ...]] | None = None,
) -> T:
    """Run a route's action as the admitted account. `parameters`: terms derived from the validated input
    to record beside the ones sent; `response_elements`: a dict the action fills (recorded in the outcome);
    `also_chains`: other agencies' chains that record the request too. A change (any method but GET) has
    its attempt recorded before the action runs: if that fails, the action never runs (503)."""
    current = _CURRENT.get()
    if current is None or current[0].user is None:
        raise RuntimeError("a route ran without passing the audited door")
    request, door = current
    user = current[0].user
    ran = app.context.get("_route")
    if (
        request.route is None
        or ran is None
        or (ran.method, ran.openapi_path) != (request.route.method, request.route.path)
    ):
        raise RuntimeError("the resolver dispatched another route than the one the door authorized")
    if parameters:
        request.parameters.update(checked_parameters(parameters))
    if response_elements is not None:
        request.response_elements = response_elements
    if also_chains is not None:
        request.also_chains = also_chains
    if not request.read_only:
        door.attempt(request)
    result, count = action(user)
    request.result_count = count
    return result


def _note_error(error: Exception) -> None:
    current = _CURRENT.get()
    if current is not None and current[0].error is None:
        current[0].error = error


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


def _internal_error_response() -> Response:
    return Response(
        status_code=500,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": "InternalError", "message": "internal error"}),
    )


def _proxy_error(error: Exception) -> dict[str, Any]:
    """An error answered at the door, in the resolver's REST proxy response shape."""
    response = _error_response(error) if isinstance(error, ApiError) else _internal_error_response()
    return {
        "statusCode": response.status_code,
        "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON]},
        "body": response.body,
        "isBase64Encoded": False,
    }


@app.exception_handler(ApiError)
def _handle_api_error(error: ApiError) -> Response:
    logger.info("request refused", error=error.code, detail=error.message)
    _note_error(error)
    return _error_response(error)


@app.exception_handler(RequestValidationError)
def _handle_validation_error(error: RequestValidationError) -> Response:
    # Parameter shapes are checked before the route runs, after the door admitted the caller.
    details = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ())[1:]) or "request"
        details.append(f"{where}: {item.get('msg', 'invalid')}")
    refused = InvalidRequest("; ".join(details) or "invalid request")
    _note_error(refused)
    return _error_response(refused)


@app.exception_handler(Exception)
def _handle_unexpected(error: Exception) -> Response:
    logger.exception("unexpected error")
    _note_error(error)
    return _internal_error_response()


@app.not_found
def _handle_not_found(_error: Exception) -> Response:
    refused = NotFound("no such route")
    _note_error(refused)
    return _error_response(refused)


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
    """The id of the active grant letting the caller's agency search `grantor`'s reads (and fetch one with
    its crop) for this offense type today (UTC date); AccessDenied (audited, no data) when there is none."""
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

    # A search naming a granting agency is recorded in its trail too: the door chooses it (_SHARED_CHAINS).
    return _audited(run, response_elements=shared)


@app.get("/reads/<read_id>", summary="Fetch one read with a short-lived crop URL", tags=["reads"])
def get_read_route(
    read_id: Annotated[str, Path(pattern=READ_ID_PATTERN)],
    purpose: Purpose,
    case_number: CaseNumber,
    offense_type: OffenseType,
    agency: Annotated[
        str | None,
        Query(pattern=AGENCY_PATTERN, description="Another agency's read, under its sharing grant (default: yours)"),
    ] = None,
) -> ReadDetail:
    request = parse_model(
        ReadRequest,
        {
            "read_id": read_id,
            "purpose": purpose,
            "case_number": case_number,
            "offense_type": offense_type,
            "agency": agency,
        },
    )
    shared: dict[str, Any] = {}

    def run(user: User) -> tuple[ReadDetail, int]:
        deps = get_api_dependencies()
        now = deps.clock()
        if request.offense_type not in deps.search_policy.offense_types:
            raise InvalidRequest(f"offense_type must be one of: {', '.join(deps.search_policy.offense_types)}")
        data_agency = user.agency
        if request.agency and request.agency != user.agency:
            # The grant is checked before the read is looked up: a refusal says nothing about the read.
            shared["sharingGrant"] = _shared_search_grant(deps, user, request.agency, request.offense_type, now)
            shared["dataAgency"] = data_agency = request.agency
        record = fetch_read(request.read_id, user, deps.reads, now, agency=data_agency)
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

    # A fetch naming a granting agency is recorded in its trail too: the door chooses it (_SHARED_CHAINS).
    return _audited(run, response_elements=shared)


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
    return _serve(event, context)


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
