"""Local mode's STS AssumeRole for the officer-API roles, with the trust policy AWS would apply.

moto's own STS issues credentials for any role and any session name. PlateGuard's identity rests on
the role trust policy (MFA, `sts:RoleSessionName == ${aws:username}`), so local mode answers
AssumeRole itself: it checks the caller's SigV4 signature with the IAM user's key (IAM users, access
keys and virtual MFA devices live in moto's IAM, created with ordinary IAM calls), checks the MFA
code against the user's virtual MFA device (TOTP, RFC 6238), evaluates the role's trust policy
document as stored in moto's IAM with the real request context, and only then issues temporary
credentials whose session ARN API Gateway's emulator will send as `userArn`.

A refused AssumeRole is recorded in the PlateGuard audit trail (in AWS, CloudTrail records it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote
from xml.sax.saxutils import escape

from plateguard.local.api_emulator import LocalCredential
from plateguard.logic.identity import user_principal_arn

SESSION_SECONDS = 3600  # the roles' max_session_duration
TOTP_STEP = 30


def totp(seed_base32: str, at: float | None = None, step_offset: int = 0) -> str:
    """The 6-digit TOTP code of a virtual MFA device's Base32 seed (RFC 6238, SHA-1, 30 s)."""
    key = base64.b32decode(seed_base32.upper() + "=" * (-len(seed_base32) % 8))
    counter = int((time.time() if at is None else at) // TOTP_STEP) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def totp_matches(seed_base32: str, code: str, at: float | None = None) -> bool:
    """True when `code` is the current code or the one before or after (clock drift, as AWS allows)."""
    return any(hmac.compare_digest(totp(seed_base32, at, drift), code) for drift in (-1, 0, 1))


@dataclass(frozen=True)
class IamUserKey:
    """An IAM user's long-term access key, as moto's IAM holds it."""

    user_name: str
    principal_arn: str
    secret_access_key: str


@dataclass(frozen=True)
class RoleSession:
    access_key_id: str
    secret_access_key: str
    session_token: str
    session_arn: str
    expires_at: datetime


class StsRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class MotoIam:
    """Reads users, keys, MFA devices and role trust policies from the in-process moto IAM backend."""

    def __init__(self, account: str) -> None:
        self.account = account

    def _backend(self) -> Any:
        from moto.iam.models import iam_backends

        return iam_backends[self.account]["global"]

    def key(self, access_key_id: str) -> IamUserKey | None:
        for user in self._backend().list_users("/", None, None):
            for key in user.access_keys:
                if key.access_key_id == access_key_id and key.status == "Active":
                    return IamUserKey(user.name, user_principal_arn(self.account, user.name), key.secret_access_key)
        return None

    def mfa_seed(self, user_name: str, serial: str) -> str | None:
        backend = self._backend()
        user = backend.get_user(user_name)
        if serial not in {device.serial_number for device in user.mfa_devices.values()}:
            return None
        device = backend.virtual_mfa_devices.get(serial)
        return None if device is None else str(device.base32_string_seed)

    def trust_policy(self, role_arn: str) -> tuple[str, dict[str, Any]] | None:
        name = role_arn.rsplit("/", 1)[-1]
        try:
            role = self._backend().get_role(name)
        except Exception:
            return None
        document = role.assume_role_policy_document
        return role.name, json.loads(unquote(document) if isinstance(document, str) else json.dumps(document))


def trust_allows(
    document: dict[str, Any], role_name: str, caller_arn: str, context: dict[str, str], account: str
) -> str:
    """'' when the trust policy lets `caller_arn` assume the role with this request context, else why not.

    Evaluated with the same evaluator that proves the functions' calls against the synthesized template.
    """
    from plateguard.compliance.iam_eval import TemplatePolicies

    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": role_name, "AssumeRolePolicyDocument": document},
            }
        }
    }
    policies = TemplatePolicies.from_template(template, {"Role": role_name}, account=account, region="us-east-1")
    decision = policies.evaluate_trust("Role", caller_arn, context)
    return "" if decision.allowed else decision.reason


class LocalSts:
    """AssumeRole for the API emulator: verify, evaluate the trust policy, issue a role session."""

    def __init__(
        self,
        iam: MotoIam,
        on_refused: Callable[[IamUserKey, dict[str, str], str], None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._iam = iam
        self._on_refused = on_refused
        self._clock = clock
        self.sessions: dict[str, RoleSession] = {}

    def user_credential(self, access_key_id: str) -> LocalCredential | None:
        """An IAM user's key, for verifying the SigV4 signature of its AssumeRole request."""
        key = self._iam.key(access_key_id)
        return None if key is None else LocalCredential(key.secret_access_key, key.principal_arn)

    def session_credential(self, access_key_id: str) -> LocalCredential | None:
        """The API emulator's view of a key: a live role session, else an IAM user's own key."""
        session = self.sessions.get(access_key_id)
        if session is not None:
            if session.expires_at <= self._clock():
                return None
            return LocalCredential(session.secret_access_key, session.session_arn, session.session_token)
        return self.user_credential(access_key_id)

    def assume_role(self, access_key_id: str, body: bytes) -> RoleSession:
        caller = self._iam.key(access_key_id)
        if caller is None:
            raise StsRefused(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
        form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        if form.get("Action") != "AssumeRole":
            raise StsRefused(400, "InvalidAction", f"local mode answers AssumeRole only, not {form.get('Action')!r}")
        role_arn, session_name = form.get("RoleArn", ""), form.get("RoleSessionName", "")
        trust = self._iam.trust_policy(role_arn)
        if trust is None:
            raise StsRefused(403, "AccessDenied", f"no role {role_arn}")
        role_name, document = trust
        serial, code = form.get("SerialNumber"), form.get("TokenCode", "")
        seed = self._iam.mfa_seed(caller.user_name, serial) if serial else None
        mfa_present = seed is not None and totp_matches(seed, code)
        context = {
            "aws:username": caller.user_name,
            "aws:PrincipalArn": caller.principal_arn,
            "aws:MultiFactorAuthPresent": "true" if mfa_present else "false",
            "sts:RoleSessionName": session_name,
        }
        if serial and not mfa_present:
            why = "MultiFactorAuthentication failed with invalid MFA one time pass code"
        else:
            why = trust_allows(document, role_name, caller.principal_arn, context, self._iam.account)
        if why:
            self._on_refused(caller, form, why)
            raise StsRefused(
                403,
                "AccessDenied",
                f"User: {caller.principal_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            )
        session = RoleSession(
            access_key_id="ASIALOCAL" + secrets.token_hex(6).upper(),
            secret_access_key=secrets.token_urlsafe(30),
            session_token=secrets.token_urlsafe(48),
            session_arn=f"arn:aws:sts::{self._iam.account}:assumed-role/{role_name}/{session_name}",
            expires_at=self._clock() + timedelta(seconds=SESSION_SECONDS),
        )
        self.sessions[session.access_key_id] = session
        return session


def assume_role_response(session: RoleSession) -> bytes:
    expires = session.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    role_id = "AROALOCAL" + hashlib.sha1(session.session_arn.encode()).hexdigest()[:12].upper()  # noqa: S324
    return (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
        f"<Credentials><AccessKeyId>{session.access_key_id}</AccessKeyId>"
        f"<SecretAccessKey>{escape(session.secret_access_key)}</SecretAccessKey>"
        f"<SessionToken>{escape(session.session_token)}</SessionToken><Expiration>{expires}</Expiration></Credentials>"
        f"<AssumedRoleUser><AssumedRoleId>{role_id}:{escape(session.session_arn.rsplit('/', 1)[-1])}</AssumedRoleId>"
        f"<Arn>{escape(session.session_arn)}</Arn></AssumedRoleUser>"
        "</AssumeRoleResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></AssumeRoleResponse>"
    ).encode()


def error_response(code: str, message: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        "<RequestId>local</RequestId></ErrorResponse>"
    ).encode()


def assume_local_role(user: dict[str, str], api_url: str, region: str, session_name: str | None = None) -> Any:
    """Client side: a local user's role session, as `aws sts assume-role --serial-number --token-code` gets
    it (the code comes from the user's virtual MFA seed in local.json). Returns botocore Credentials."""
    import boto3
    from botocore.credentials import Credentials

    sts = boto3.client(
        "sts",
        region_name=region,
        endpoint_url=api_url,
        aws_access_key_id=user["access_key_id"],
        aws_secret_access_key=user["secret_access_key"],
        aws_session_token="",
    )
    answer = sts.assume_role(
        RoleArn=user["role_arn"],
        RoleSessionName=session_name or user["username"],
        SerialNumber=user["mfa_serial"],
        TokenCode=totp(user["mfa_seed"]),
        DurationSeconds=SESSION_SECONDS,
    )["Credentials"]
    return Credentials(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])
