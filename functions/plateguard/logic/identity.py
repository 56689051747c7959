"""Who is really calling: the registry identity behind an AWS-asserted principal ARN.

Officers reach the API through the stack's per-role IAM roles, so API Gateway sends an assumed-role
ARN, `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. AWS chooses ROLE and ACCOUNT; the caller
chooses SESSION, unless the role's trust policy pins it. PlateGuard's trust policies require
`sts:RoleSessionName == ${aws:username}` (and MFA), so for the stack's own roles SESSION is the name
of the IAM user who assumed the role, asserted by AWS. That user is the registry key.

Anything else is refused: a direct IAM-user call (no MFA role), a role that is not one of the
stack's (its session name may be anything), a session of a role other than the person's registered
one. The refusal reasons are audit `errorCode`s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plateguard.models.routes import Role

# arn:aws:sts::123456789012:assumed-role/RoleName/session-name (role names carry no path in this ARN)
_ASSUMED_ROLE = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):sts::(?P<account>\d{12}):assumed-role/(?P<role>[\w+=,.@-]{1,64})/"
    r"(?P<session>[\w+=,.@-]{2,64})$"
)
_IAM_USER = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:user/")

# The session name must be the IAM user name of whoever assumes the role (AWS resolves the variable).
SESSION_NAME_CONDITION: dict[str, dict[str, str]] = {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}}
MFA_CONDITION: dict[str, dict[str, str]] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def role_trust_conditions() -> dict[str, dict[str, str]]:
    """Conditions of every PlateGuard role's trust policy (CDK and local mode's emulated AssumeRole)."""
    return {**MFA_CONDITION, **SESSION_NAME_CONDITION}


def role_trust_policy(account: str, partition: str = "aws") -> dict[str, Any]:
    """The trust policy document local mode applies; CDK builds the same from `role_trust_conditions`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": role_trust_conditions(),
            }
        ],
    }


def user_principal_arn(account: str, username: str, partition: str = "aws") -> str:
    """The registry key of an IAM user: its ARN without an IAM path (user names are unique per account)."""
    return f"arn:{partition}:iam::{account}:user/{username}"


def normalize_principal_arn(arn: str) -> str:
    """`arn:aws:iam::ACCOUNT:user/some/path/NAME` -> `arn:aws:iam::ACCOUNT:user/NAME`; other ARNs unchanged."""
    if _IAM_USER.match(arn):
        head, _, rest = arn.partition(":user/")
        return f"{head}:user/{rest.rsplit('/', 1)[-1]}"
    return arn


@dataclass(frozen=True)
class CallerIdentity:
    """The registry key of the person behind a request and the PlateGuard role their session carries."""

    principal_arn: str
    session_role: Role


class IdentityRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def resolve_caller(user_arn: str | None, role_names: Mapping[str, Role]) -> CallerIdentity:
    """The person behind API Gateway's `requestContext.identity.userArn`, or IdentityRefused.

    `role_names`: the stack's role names (as in the assumed-role ARN) -> the PlateGuard role each grants.
    """
    if not user_arn:
        raise IdentityRefused("no_principal", "the request carries no IAM principal")
    if _IAM_USER.match(user_arn):
        raise IdentityRefused(
            "role_session_required", "call through your PlateGuard role (assume it with MFA), not as an IAM user"
        )
    found = _ASSUMED_ROLE.match(user_arn)
    if found is None:
        raise IdentityRefused("unsupported_principal", "only sessions of the PlateGuard roles may call this API")
    session_role = role_names.get(found["role"])
    if session_role is None:
        raise IdentityRefused(
            "untrusted_role", f"role {found['role']} is not a PlateGuard role: its session names are not verified"
        )
    return CallerIdentity(user_principal_arn(found["account"], found["session"], found["partition"]), session_role)
