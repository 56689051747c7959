"""Local stand-in for API Gateway (REST, AWS_IAM authorization) in front of the officer API handler.

Listens on 127.0.0.1 (stdlib http.server in a thread), checks each request's AWS SigV4 signature
against locally issued credentials by recomputing it with botocore's own SigV4 implementation, and
turns a verified request into the REST proxy event API Gateway would send (requestContext.identity
with userArn, sourceIp, userAgent; requestId; resource and path parameters; query strings).
As API Gateway does, it answers 403 for unsigned, unknown-key, badly signed and stale requests
(X-Amz-Date more than 5 minutes away from now), and for unknown resources.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from plateguard.local.aws_calls import handler_name, invoking
from plateguard.local.http_service import LocalHttpService
from plateguard.models.routes import ROUTES, Route

SERVICE = "execute-api"
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


class SignatureRejected(Exception):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@dataclass(frozen=True)
class LocalCredential:
    secret_access_key: str
    principal_arn: str
    # Temporary (role-session) credentials: the request must carry this X-Amz-Security-Token.
    session_token: str | None = None


@dataclass(frozen=True)
class VerifiedCaller:
    access_key_id: str
    principal_arn: str


class SigV4Verifier:
    def __init__(
        self,
        credentials: dict[str, LocalCredential] | Callable[[str], LocalCredential | None],
        region: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        service: str = SERVICE,
    ) -> None:
        self._lookup = credentials.get if isinstance(credentials, dict) else credentials
        self._region = region
        self._clock = clock
        self._service = service

    def verify(self, method: str, url: str, headers: dict[str, str], body: bytes) -> VerifiedCaller:
        """The caller behind a valid signature, or SignatureRejected (API Gateway's 403 reasons)."""
        lower = {k.lower(): v for k, v in headers.items()}
        match = _AUTH.match(lower.get("authorization", "").strip())
        if not match:
            raise SignatureRejected("MissingAuthenticationTokenException", "Missing Authentication Token")
        access_key, _, scope = match["credential"].partition("/")
        credential = self._lookup(access_key)
        if credential is None or (credential.session_token or None) != (lower.get("x-amz-security-token") or None):
            raise SignatureRejected(
                "UnrecognizedClientException", "The security token included in the request is invalid."
            )
        amz_date = lower.get("x-amz-date", "")
        try:
            signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError as exc:
            raise SignatureRejected("IncompleteSignatureException", "X-Amz-Date is missing or malformed") from exc
        if abs(self._clock() - signed_at) > MAX_CLOCK_SKEW:
            raise SignatureRejected(
                "InvalidSignatureException", f"Signature expired: {amz_date} is more than 5 minutes from now"
            )
        if scope != f"{amz_date[:8]}/{self._region}/{self._service}/aws4_request":
            raise SignatureRejected("InvalidSignatureException", f"Credential scope {scope!r} is not valid here")
        signed_names = match["signed"].split(";")
        if "host" not in signed_names or "x-amz-date" not in signed_names:
            raise SignatureRejected("IncompleteSignatureException", "host and x-amz-date must be signed")
        missing = [name for name in signed_names if name not in lower]
        if missing:
            raise SignatureRejected("IncompleteSignatureException", f"signed headers absent: {', '.join(missing)}")

        # Recompute with botocore over exactly the headers the client says it signed.
        request = AWSRequest(method=method, url=url, data=body, headers={n: lower[n] for n in signed_names})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(
            Credentials(access_key, credential.secret_access_key, credential.session_token), self._service, self._region
        )
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if signer.signed_headers(signer.headers_to_sign(request)) != match["signed"] or not hmac.compare_digest(
            expected, match["signature"]
        ):
            raise SignatureRejected(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.",
            )
        return VerifiedCaller(access_key, credential.principal_arn)


def _route_pattern(route: Route) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route.path)) + "$")


@dataclass
class _LambdaContext:
    function_name: str = "plateguard-api-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-west-2:123456789012:function:plateguard-api-local"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/plateguard-api-local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


class LocalApiGateway(LocalHttpService):
    """`http://127.0.0.1:PORT` -> SigV4 check -> REST proxy event -> handler -> HTTP response."""

    thread_name = "local-api"

    def __init__(
        self,
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        verifier: SigV4Verifier,
        host: str = "127.0.0.1",
        port: int = 0,
        stage: str = "local",
        sts: tuple[SigV4Verifier, Any] | None = None,
        authorize_invoke: Callable[[str, str, str], str] | None = None,
    ) -> None:
        self._handler = handler
        self._verifier = verifier
        # API Gateway's own IAM check (execute-api:Invoke against the caller's policies): "" or why not.
        self._authorize_invoke = authorize_invoke
        # (verifier of IAM users' keys for service sts, plateguard.local.sts.LocalSts): AssumeRole at POST /
        self._sts = sts
        self._stage = stage
        self._routes = [(route, _route_pattern(route)) for route in ROUTES]
        # One invocation at a time, as in one Lambda execution environment (the resolver is not reentrant).
        self._invoke_lock = threading.Lock()
        super().__init__(host, port)

    # -- request path ----------------------------------------------------------------------------------
    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        try:
            length = int(http.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self._reply(http, 413, {"error": "PayloadTooLarge", "message": "request body too large"})
            return
        body = http.rfile.read(length) if length else b""
        method = http.command.upper()
        parts = urlsplit(http.path)
        if method == "POST" and parts.path in ("", "/") and self._sts is not None:
            self._serve_sts(http, body)
            return
        found = self._match(method, parts.path)
        if found is None:  # API Gateway answers unknown resources this way, signed or not
            self._reply(
                http, 403, {"error": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"}
            )
            return
        route, path_params = found
        headers = {k: v for k, v in http.headers.items()}
        url = f"http://{http.headers.get('Host', self.url.removeprefix('http://'))}{http.path}"
        try:
            caller = self._verifier.verify(method, url, headers, body)
        except SignatureRejected as rejected:
            self._reply(http, 403, {"error": rejected.error, "message": rejected.message}, rejected.error)
            return
        why = self._authorize_invoke(caller.principal_arn, method, parts.path) if self._authorize_invoke else ""
        if why:  # refused by IAM before any Lambda runs, as API Gateway does (its access log records it)
            self._reply(http, 403, {"error": "AccessDeniedException", "message": why}, "AccessDeniedException")
            return
        event = self._event(http, method, route, parts.path, parts.query, path_params, headers, body, caller)
        with self._invoke_lock, invoking(handler_name(self._handler)):  # as the function's role
            try:
                result = self._handler(event, _LambdaContext())
            except Exception:
                self._reply(http, 502, {"error": "InternalServerErrorException", "message": "Internal server error"})
                return
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else str(payload).encode()
        response_headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            response_headers[name] = ", ".join(values)
        self._send(http, int(result.get("statusCode", 502)), data, response_headers)

    def _serve_sts(self, http: BaseHTTPRequestHandler, body: bytes) -> None:
        from plateguard.local.sts import StsRefused, assume_role_response, error_response

        assert self._sts is not None
        verifier, sts = self._sts
        headers = {k: v for k, v in http.headers.items()}
        url = f"http://{http.headers.get('Host', self.url.removeprefix('http://'))}{http.path}"
        xml = {"Content-Type": "text/xml"}
        try:
            caller = verifier.verify("POST", url, headers, body)
            session = sts.assume_role(caller.access_key_id, body)
        except SignatureRejected as rejected:
            self._send(http, 403, error_response(rejected.error, rejected.message), xml)
            return
        except StsRefused as refused:
            self._send(http, refused.status, error_response(refused.code, refused.message), xml)
            return
        self._send(http, 200, assume_role_response(session), xml)

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route, pattern in self._routes:
            hit = pattern.match(path)
            if hit and route.method == method:
                return route, {k: unquote(v) for k, v in hit.groupdict().items()}
        return None

    def _event(
        self,
        http: BaseHTTPRequestHandler,
        method: str,
        route: Route,
        path: str,
        query: str,
        path_params: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        caller: VerifiedCaller,
    ) -> dict[str, Any]:
        multi_query: dict[str, list[str]] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            multi_query.setdefault(key, []).append(value)
        multi_headers: dict[str, list[str]] = {}
        for key, value in http.headers.items():
            multi_headers.setdefault(key, []).append(value)
        request_id = str(uuid.uuid4())
        return {
            "resource": route.path,
            "path": unquote(path),
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": method,
                "path": f"/{self._stage}{unquote(path)}",
                "stage": self._stage,
                "requestId": request_id,
                "extendedRequestId": request_id,
                "requestTimeEpoch": int(datetime.now(UTC).timestamp() * 1000),
                "accountId": caller.principal_arn.split(":")[4] if caller.principal_arn.count(":") >= 5 else "",
                "identity": {
                    "userArn": caller.principal_arn,
                    "user": caller.principal_arn.rsplit("/", 1)[-1],
                    "caller": caller.principal_arn.rsplit("/", 1)[-1],
                    "accessKey": caller.access_key_id,
                    "sourceIp": http.client_address[0],
                    "userAgent": headers.get("User-Agent") or headers.get("user-agent"),
                },
            },
            "body": body.decode("utf-8", errors="replace") if body else None,
            "isBase64Encoded": False,
        }

    def _reply(
        self, http: BaseHTTPRequestHandler, status: int, body: dict[str, str], error_type: str | None = None
    ) -> None:
        headers = {"Content-Type": "application/json"}
        if error_type:
            headers["x-amzn-ErrorType"] = error_type
        self._send(http, status, json.dumps(body).encode(), headers)

    @staticmethod
    def _send(http: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str]) -> None:
        http.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection"):
                http.send_header(name, value)
        http.send_header("Content-Length", str(len(data)))
        http.end_headers()
        http.wfile.write(data)


# -- wiring for local mode ----------------------------------------------------------------------------


@dataclass
class LocalApi:
    gateway: LocalApiGateway
    identities: dict[str, Any]

    def state(self) -> dict[str, Any]:
        """What `.plateguard/local.json` advertises: the API URL and each local user's credentials."""
        return {"api_url": self.gateway.url, "users": {n: i.public() for n, i in self.identities.items()}}

    def stop(self) -> None:
        self.gateway.stop()


def start_local_api(
    client: Callable[[str], Any],
    set_env: Callable[[dict[str, str]], None],
    region: str,
    seed: bool = True,
    port: int = 0,
    policies: Callable[[], Any] | None = None,
) -> LocalApi:
    """Create the pagination HMAC key and the stack's roles, register local users (and demo reads) when
    seeding, and start the gateway with its STS AssumeRole.

    Call after the tables exist and their env vars are set (LocalEnvironment._start does both). Without
    seed the registry starts empty, as a new deployment does: `plateguard admin bootstrap` comes first.
    """
    from plateguard.dal.repositories import DynamoIngestRepository
    from plateguard.handlers.api import handle_api_request
    from plateguard.local.sts import LocalSts, MotoIam
    from plateguard.local.users import (
        LOCAL_ACCOUNT_ID,
        create_local_roles,
        demo_reads,
        issue_local_identities,
        register_local_users,
        role_names_environment,
    )
    from plateguard.wiring import api as api_wiring

    key = client("kms").create_key(
        KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", Description="PlateGuard local pagination tokens"
    )
    set_env({"PAGINATION_KMS_KEY_ID": key["KeyMetadata"]["KeyId"], **role_names_environment()})
    api_wiring.settings.cache_clear()
    api_wiring.dependencies.cache_clear()
    deps = api_wiring.dependencies()  # binds the API's tables
    iam = client("iam")
    create_local_roles(iam)
    identities = issue_local_identities(iam) if seed else {}
    if seed:
        register_local_users(deps.users, identities)
        repository = DynamoIngestRepository()
        for read in demo_reads():
            repository.put_read(read)

    def audit_refusal(caller: Any, form: dict[str, str], why: str) -> None:
        _audit_refused_assume_role(caller, form, why)

    sts = LocalSts(MotoIam(LOCAL_ACCOUNT_ID), audit_refusal)
    verifier = SigV4Verifier(sts.session_credential, region)
    gateway = LocalApiGateway(
        handle_api_request,
        verifier,
        port=port,
        sts=(SigV4Verifier(sts.user_credential, region, service="sts"), sts),
        authorize_invoke=None if policies is None else _invoke_check(policies, region),
    )
    gateway.start()
    return LocalApi(gateway, identities)


def _audit_refused_assume_role(caller: Any, form: dict[str, str], why: str) -> None:
    """A refused AssumeRole of a PlateGuard role, in the PlateGuard trail of the caller's agency
    (unregistered callers: the `_unregistered` chain). In AWS, CloudTrail records the same event."""
    from plateguard.logic.audit_chain import AuditEvent
    from plateguard.wiring.api import dependencies

    deps = dependencies()
    registered = deps.users.get(caller.principal_arn)
    deps.trail.record(
        AuditEvent(
            event_name="AssumeRole",
            event_time=datetime.now(UTC),
            principal_arn=caller.principal_arn,
            username=registered.username if registered else caller.user_name,
            agency=registered.agency if registered else None,
            role=registered.role.value if registered else None,
            access_key_id=None,
            source_ip="127.0.0.1",
            user_agent="sts",
            request_id=str(uuid.uuid4()),
            request_parameters={
                "roleArn": form.get("RoleArn"),
                "roleSessionName": form.get("RoleSessionName"),
                "serialNumber": form.get("SerialNumber"),
            },
            outcome="Denied",
            error_code="AccessDenied.trust_policy",
            error_message=why[:256],
            read_only=False,
        ),
        chain=registered.agency if registered else None,
    )


def _invoke_check(policies: Callable[[], Any], region: str) -> Callable[[str, str, str], str]:
    """API Gateway's AWS_IAM check: the caller's role session must be allowed `execute-api:Invoke` on the
    method's ARN by its role's policies in the synthesized template (`plateguard.compliance.iam_eval`).
    An IAM user calling directly has no PlateGuard policy, so it is refused here, as in AWS."""
    from plateguard.local.users import LOCAL_ACCOUNT_ID, LOCAL_ROLE_NAMES

    by_name = {name: role for role, name in LOCAL_ROLE_NAMES.items()}

    def check(caller_arn: str, method: str, path: str) -> str:
        template = policies()
        resources = template.template.get("Resources", {})
        api_id = next(n for n, r in resources.items() if r.get("Type") == "AWS::ApiGateway::RestApi")
        stage = next(
            r["Properties"]["StageName"] for r in resources.values() if r.get("Type") == "AWS::ApiGateway::Stage"
        )
        arn = f"arn:aws:execute-api:{region}:{LOCAL_ACCOUNT_ID}:{api_id}/{stage}/{method}{path}"
        role_name = caller_arn.split(":assumed-role/", 1)[-1].split("/", 1)[0] if ":assumed-role/" in caller_arn else ""
        role = by_name.get(role_name)
        if role is None:
            return f"User: {caller_arn} is not authorized to perform: execute-api:Invoke on resource: {arn}"
        logical = template.role_by_path(f"Api/{role.value.capitalize()}Role/Resource")
        decision = template.evaluate(logical, "execute-api:Invoke", arn)
        return "" if decision.allowed else f"User: {caller_arn} is not authorized: {decision.reason}"

    return check
