"""The audited door: the one path every officer API request takes (plateguard.logic.audited does the work).

`serve` finds the route the resolver will dispatch (with the resolver's own table), authorizes the caller
against it (403 before anything else), checks the request's terms against what the route declares (400),
and only then lets the resolver run the route. A route calls `audited(action)` once: the action runs as
the admitted account with the request's dependencies (a change has its attempt recorded first). Whatever
happens, `Door.conclude` writes the one outcome record before the answer leaves.

This module never turns an error into a status: `serve` is given the app's `answer` for that (app.py
holds the one mapping).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from plateguard.logic.access import User, find_route
from plateguard.logic.audited import UNKNOWN_ROUTE, AuditedRequest, Caller, Door
from plateguard.logic.request_terms import (
    MAX_TEXT,
    RequestTerms,
    RouteShape,
    checked_parameters,
    has_control_characters,
    read_terms,
)
from plateguard.models.api import ErrorResponse
from plateguard.models.errors import ApiError, AuditUnavailable, InvalidRequest, NotFound
from plateguard.models.routes import route_for
from plateguard.observability import logger, metrics
from plateguard.wiring import api as wiring
from plateguard.wiring.api import ApiDependencies

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
# What a route hands the door: its work as the admitted account, with this request's dependencies,
# returning the answer and the count of results it recorded (None: not a count).
Action = Callable[[User, ApiDependencies], tuple[T, int | None]]

# Body fields that hold an imported file: line breaks are its content there, not an injection.
_MULTILINE_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/hotlists/{list_name}/import"): frozenset({"content"}),
}
# Recorded by length and SHA-256, not verbatim: an opaque pagination token, an imported file.
_DIGESTED_FIELDS = frozenset({"next_token", "content"})
_SHAPES: dict[tuple[str, str], RouteShape] = {}


@dataclass(frozen=True)
class _Serving:
    request: AuditedRequest
    door: Door
    resolver: APIGatewayRestResolver
    deps: ApiDependencies


# The request being served (a context variable: each thread or task sees its own).
_CURRENT: ContextVar[_Serving | None] = ContextVar("plateguard_api_request", default=None)


def dispatch(resolver: APIGatewayRestResolver, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
    """The resolver's route for this method and path with its path arguments, matched exactly as
    APIGatewayRestResolver._resolve matches (prefix stripped; static routes, then dynamic ones, in order).
    `audited` checks the route the resolver then actually runs is this one."""
    path = resolver._remove_prefix(path)
    for route in resolver._static_routes + resolver._dynamic_routes:
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


def _grantor_chains(terms: dict[str, Any], deps: ApiDependencies) -> Callable[[User], tuple[str, ...]] | None:
    """A search or fetch naming a granting agency is recorded in its trail too, served or refused."""
    named = terms.get("agency")
    if not isinstance(named, str):
        return None

    def chains(user: User) -> tuple[str, ...]:
        if named != user.agency and named in deps.granting_agencies():
            return (named,)
        return ()

    return chains


def _admit(
    request: AuditedRequest,
    door: Door,
    deps: ApiDependencies,
    event: APIGatewayProxyEvent,
    dispatched: tuple[Any, dict[str, str]] | None,
) -> tuple[Any, dict[str, str]] | None:
    """Authorize, then check the request's terms: ApiError (403, 404, 400) if it may not run."""
    if dispatched is None:
        request.parameters = _unknown_route_terms(event)
        door.admit(request)  # 403 for a caller who may not use the API at all, else 404
        return None
    route, args = dispatched
    terms = _terms(event, route, args)
    request.parameters = terms.recorded
    if request.route is not None and request.route.returns_plate_data:
        # Plate data under a sharing grant: the granting agency's chain records the request too.
        request.also_chains = _grantor_chains(terms.recorded, deps)
    door.admit(request)  # 403 before anything else about the request is looked at
    if event.resource != route.openapi_path or (event.path_parameters or {}) != args:
        # API Gateway matched a resource on the raw path; the resolver dispatches on the decoded one (an
        # encoded '/' in a path parameter): refuse rather than run or record another action.
        raise InvalidRequest("the request path does not match its API resource (an encoded '/' in a path parameter?)")
    if terms.refusal:
        raise InvalidRequest(terms.refusal)
    return dispatched


def _proxy(response: Response) -> dict[str, Any]:
    """An answer given at the door, in the resolver's REST proxy response shape."""
    return {
        "statusCode": response.status_code,
        "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON]},
        "body": response.body,
        "isBase64Encoded": False,
    }


def serve(
    resolver: APIGatewayRestResolver,
    event: dict[str, Any],
    context: LambdaContext,
    answer: Callable[[Exception], Response],
) -> dict[str, Any]:
    """Serve one request through the door; `answer` turns a refusal into its response (app.py's mapping)."""
    deps = wiring.dependencies()  # once per request: the door and the route see the same container
    metrics.add_metric(name="ApiRequests", unit=MetricUnit.Count, value=1)
    proxy = APIGatewayProxyEvent(event)
    caller = _caller(proxy)
    routing_failed: Exception | None = None
    try:
        dispatched = dispatch(resolver, caller.method, proxy.path or "")
    except Exception as error:  # recorded as a 500 below: never an unrecorded request
        dispatched, routing_failed = None, error
    route = find_route(caller.method, dispatched[0].openapi_path) if dispatched else None
    request = AuditedRequest(
        caller=caller,
        route=route,
        event_name=route.event_name if route else UNKNOWN_ROUTE,
        parameters={},
    )
    door = Door(deps.users, deps.access_policy, deps.trail, deps.clock)
    token = _CURRENT.set(_Serving(request, door, resolver, deps))
    try:
        try:
            if routing_failed is not None:
                raise routing_failed
            if _admit(request, door, deps, proxy, dispatched) is None:
                raise NotFound("no such route")  # _admit raises first; never served unrecorded
        except Exception as refused:  # a registry outage while authorizing is a recorded 500, too
            if not isinstance(refused, ApiError):
                logger.exception("unexpected error at the door")
            request.error = refused
            response = _proxy(answer(refused))
        else:
            response = resolver.resolve(event, context)
            if request.error is None and int(response.get("statusCode", 500)) >= 400:
                request.error = ApiError(f"HTTP {response.get('statusCode')}")  # never unrecorded
        try:
            door.conclude(request)
        except AuditUnavailable as unavailable:
            response = _proxy(answer(unavailable))  # no answer leaves without its record
        return response
    finally:
        _CURRENT.reset(token)


def audited(
    action: Action[T],
    *,
    parameters: dict[str, Any] | None = None,
    response_elements: dict[str, Any] | None = None,
) -> T:
    """Run a route's action as the admitted account with this request's dependencies. `parameters`: terms
    derived from the validated input to record beside the ones sent; `response_elements`: a dict the
    action fills (recorded in the outcome). A change (any method but GET) has its attempt recorded
    before the action runs: if that fails, the action never runs (503)."""
    serving = _CURRENT.get()
    if serving is None or serving.request.user is None:
        raise RuntimeError("a route ran without passing the audited door")
    request, user = serving.request, serving.request.user
    ran = serving.resolver.context.get("_route")
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
    if not request.read_only:
        serving.door.attempt(request)
    result, count = action(user, serving.deps)
    request.result_count = count
    return result


def note_error(error: Exception) -> None:
    """Keep why the request failed for its outcome record (the first error wins)."""
    serving = _CURRENT.get()
    if serving is not None and serving.request.error is None:
        serving.request.error = error


def route(router: Router, method: str, path: str, **options: Any) -> Callable[[F], F]:
    """Register a route the catalogue (plateguard.models.routes) names: its answer's model and its error
    answers in /openapi.json come from the catalogue, and a route missing there fails at import rather
    than serving unlisted."""
    entry = route_for(method, path)
    if entry is None:
        raise LookupError(f"{method} {path} is not in plateguard.models.routes.ROUTES")
    responses: dict[int, OpenAPIResponse] = {
        200: {
            "description": "Successful Response",
            "content": {content_types.APPLICATION_JSON: {"model": entry.response}},
        }
    }
    for status in entry.error_statuses:
        responses[status] = {
            "description": HTTPStatus(status).phrase,
            "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}},
        }
    return router.route(re.sub(r"{(\w+)}", r"<\1>", path), method, responses=responses, **options)
