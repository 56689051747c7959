"""Local stand-in for the AWS IoT credentials provider (`GET /role-aliases/{alias}/credentials`).

In AWS a camera opens an mTLS connection with its X.509 certificate to the account's
`iot:CredentialProvider` endpoint, names its thing in `x-amzn-iot-thingname`, and receives temporary
credentials of the role behind the alias; the role's policy sees `credentials-iot:ThingName` and
`credentials-iot:ThingTypeName`.

Here, on 127.0.0.1 over plain HTTP, the proof of possession of the private key is a signature
instead of the TLS handshake: the camera signs `PLATEGUARD-IOT-CREDENTIALS\\n{alias}\\n{thing}\\n
{certificate id}\\n{date}` with its key (RSA PKCS#1 v1.5 or ECDSA, SHA-256) and sends it with the
certificate id and the date. (Real mTLS with Python's ssl module would need every registered
certificate to chain to a CA the server trusts; IoT accepts certificates registered without a CA,
which ssl cannot express.) The emulator then checks with (moto's) IoT what the real provider checks:
the certificate exists and is ACTIVE, the signature verifies against its public key, a policy
attached to it allows `iot:AssumeRoleWithCertificate` on the alias, the certificate is attached to
the named thing, and the alias exists. It answers 403 otherwise, and otherwise issues random
credentials (`ASIA...`, valid for the alias's credentialDurationSeconds) bound to the alias's role
with the request context the role policy is evaluated with.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler
from typing import Any

from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from plateguard.local.http_service import LocalHttpService

THING_NAME_HEADER = "x-amzn-iot-thingname"
CERTIFICATE_HEADER = "x-plateguard-certificate-id"
DATE_HEADER = "x-plateguard-date"
SIGNATURE_HEADER = "x-plateguard-signature"
MAX_CLOCK_SKEW = timedelta(minutes=5)
_PATH = re.compile(r"^/role-aliases/(?P<alias>[\w=,@-]{1,128})/credentials$")

# Called with (access_key_id, camera_id, agency or None) for each issue: local mode's IAM call
# recorder binds the key to the camera role and its credentials-iot context.
CredentialsIssued = Callable[[str, str, str | None], None]


class CredentialsRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def string_to_sign(role_alias: str, thing_name: str, certificate_id: str, date: str) -> bytes:
    return f"PLATEGUARD-IOT-CREDENTIALS\n{role_alias}\n{thing_name}\n{certificate_id}\n{date}".encode()


def signed_headers(
    private_key_pem: str, role_alias: str, thing_name: str, certificate_id: str, now: datetime
) -> dict[str, str]:
    """The camera side: headers proving possession of the certificate's private key."""
    date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    message = string_to_sign(role_alias, thing_name, certificate_id, date)
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    else:
        raise ValueError("the camera key must be RSA or EC")
    return {
        THING_NAME_HEADER: thing_name,
        CERTIFICATE_HEADER: certificate_id,
        DATE_HEADER: date,
        SIGNATURE_HEADER: base64.b64encode(signature).decode(),
    }


@dataclass(frozen=True)
class IssuedCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    role_arn: str
    thing_name: str
    # The request context the role's policy is evaluated with (no ThingTypeName: the thing has no type).
    context: dict[str, str]

    def response(self) -> dict[str, Any]:
        """The real provider's response body."""
        return {
            "credentials": {
                "accessKeyId": self.access_key_id,
                "secretAccessKey": self.secret_access_key,
                "sessionToken": self.session_token,
                "expiration": self.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        }


def _verify(certificate_pem: str, signature: bytes, message: bytes) -> None:
    public_key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            raise CredentialsRefused(403, "unsupported certificate key type")
    except InvalidSignature as exc:
        raise CredentialsRefused(403, "the signature does not match the certificate's public key") from exc


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _policy_allows(document: dict[str, Any], role_alias_arn: str) -> bool:
    """Allow iot:AssumeRoleWithCertificate on the alias, and no Deny of it (conditions: see `issue`)."""
    allowed = False
    for statement in _as_list_of_dicts(document.get("Statement")):
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement.get("Resource"))
        hit = any(fnmatchcase("iot:AssumeRoleWithCertificate", a) for a in actions) and any(
            fnmatchcase(role_alias_arn, r) for r in resources
        )
        if hit and statement.get("Effect") == "Deny":
            return False
        allowed = allowed or (hit and statement.get("Effect") == "Allow")
    return allowed


def _as_list_of_dicts(value: Any) -> list[dict[str, Any]]:
    return [value] if isinstance(value, dict) else [s for s in value or [] if isinstance(s, dict)]


class CredentialsProvider:
    """The checks and the issue, independent of HTTP (unit-testable with moto's IoT)."""

    def __init__(
        self,
        iot: Any,
        on_credentials_issued: CredentialsIssued | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._iot = iot
        self.on_credentials_issued = on_credentials_issued
        self._clock = clock
        self._seen: dict[str, datetime] = {}  # signatures already used (replay), until they go stale
        self._lock = threading.Lock()
        self.issued: dict[str, IssuedCredentials] = {}

    def issue(self, role_alias: str, headers: dict[str, str]) -> IssuedCredentials:
        lower = {k.lower(): v for k, v in headers.items()}
        thing_name = lower.get(THING_NAME_HEADER, "")
        certificate_id = lower.get(CERTIFICATE_HEADER, "")
        date = lower.get(DATE_HEADER, "")
        signature_b64 = lower.get(SIGNATURE_HEADER, "")
        if not (thing_name and certificate_id and date and signature_b64):
            raise CredentialsRefused(
                400, f"{THING_NAME_HEADER}, {CERTIFICATE_HEADER}, {DATE_HEADER} and {SIGNATURE_HEADER} are required"
            )
        now = self._clock()
        try:
            signed_at = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError as exc:
            raise CredentialsRefused(400, f"{DATE_HEADER} must be YYYYMMDDTHHMMSSZ") from exc
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            raise CredentialsRefused(403, "the signed date is more than 5 minutes from now")
        certificate = self._certificate(certificate_id)
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except ValueError as exc:
            raise CredentialsRefused(400, "the signature is not base64") from exc
        _verify(certificate["certificatePem"], signature, string_to_sign(role_alias, thing_name, certificate_id, date))
        if certificate["status"] != "ACTIVE":
            raise CredentialsRefused(403, f"certificate {certificate_id} is {certificate['status']}")
        with self._lock:
            self._seen = {s: t for s, t in self._seen.items() if now - t <= 2 * MAX_CLOCK_SKEW}
            if signature_b64 in self._seen:
                raise CredentialsRefused(403, "this signed request was already used")
            self._seen[signature_b64] = now
        alias = self._role_alias(role_alias)
        arn = certificate["certificateArn"]
        if not self._allowed_by_attached_policy(arn, alias["roleAliasArn"]):
            raise CredentialsRefused(403, "no policy on the certificate allows iot:AssumeRoleWithCertificate here")
        thing = self._thing(thing_name)
        if arn not in self._thing_principals(thing_name):  # iot:Connection.Thing.IsAttached
            raise CredentialsRefused(403, f"the certificate is not attached to thing {thing_name}")
        context = {"credentials-iot:ThingName": thing_name, "credentials-iot:AwsCertificateId": certificate_id}
        agency = thing.get("thingTypeName")
        if agency:
            context["credentials-iot:ThingTypeName"] = agency
        issued = IssuedCredentials(
            access_key_id="ASIA" + secrets.token_hex(8).upper(),
            secret_access_key=secrets.token_urlsafe(30),
            session_token=secrets.token_urlsafe(48),
            expiration=now + timedelta(seconds=int(alias.get("credentialDurationSeconds", 3600))),
            role_arn=alias["roleArn"],
            thing_name=thing_name,
            context=context,
        )
        self.issued[issued.access_key_id] = issued
        if self.on_credentials_issued is not None:
            self.on_credentials_issued(issued.access_key_id, thing_name, agency)
        return issued

    # -- IoT look-ups (the real provider's view of the registry) ---------------------------------
    def _certificate(self, certificate_id: str) -> dict[str, Any]:
        try:
            return dict(self._iot.describe_certificate(certificateId=certificate_id)["certificateDescription"])
        except ClientError as exc:
            raise CredentialsRefused(403, f"unknown certificate {certificate_id}") from exc

    def _role_alias(self, role_alias: str) -> dict[str, Any]:
        try:
            return dict(self._iot.describe_role_alias(roleAlias=role_alias)["roleAliasDescription"])
        except ClientError as exc:
            raise CredentialsRefused(404, f"no role alias {role_alias}") from exc

    def _thing(self, thing_name: str) -> dict[str, Any]:
        try:
            return dict(self._iot.describe_thing(thingName=thing_name))
        except ClientError as exc:
            raise CredentialsRefused(403, f"no thing {thing_name}") from exc

    def _thing_principals(self, thing_name: str) -> list[str]:
        return list(self._iot.list_thing_principals(thingName=thing_name).get("principals", []))

    def _allowed_by_attached_policy(self, certificate_arn: str, role_alias_arn: str) -> bool:
        policies = self._iot.list_attached_policies(target=certificate_arn).get("policies", [])
        for policy in policies:
            document = json.loads(self._iot.get_policy(policyName=policy["policyName"])["policyDocument"])
            if _policy_allows(document, role_alias_arn):
                return True
        return False


class LocalCredentialsProvider(LocalHttpService):
    """`http://127.0.0.1:PORT/role-aliases/{alias}/credentials` in a thread, like the API emulator."""

    thread_name = "iot-credentials"

    def __init__(self, provider: CredentialsProvider, host: str = "127.0.0.1", port: int = 0) -> None:
        self.provider = provider
        super().__init__(host, port)

    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        found = _PATH.match(http.path.split("?", 1)[0])
        try:
            if found is None:
                raise CredentialsRefused(404, "no such resource")
            issued = self.provider.issue(found["alias"], dict(http.headers.items()))
            status, body = 200, issued.response()
        except CredentialsRefused as refused:
            status, body = refused.status, {"message": refused.message}
        data = json.dumps(body).encode()
        http.send_response(status)
        http.send_header("Content-Type", "application/json")
        http.send_header("Content-Length", str(len(data)))
        http.end_headers()
        http.wfile.write(data)


def start_credentials_provider(
    iot: Any, on_credentials_issued: CredentialsIssued | None = None, port: int = 0
) -> LocalCredentialsProvider:
    server = LocalCredentialsProvider(CredentialsProvider(iot, on_credentials_issued), port=port)
    server.start()
    return server
