"""Local mode's officer-API users: IAM users in moto's IAM, the stack's roles, and registry entries.

As in an agency's AWS account, each person is an IAM user with an access key and a virtual MFA device
(created with ordinary IAM calls against the local endpoint), and reaches the API through one of the
PlateGuard roles, whose trust policy pins the session name to the IAM user name
(`plateguard.logic.identity`). With demo data, `plateguard local` creates one such user per role of
demo-pd, plus an officer of other-pd to show isolation. Nothing here is a real AWS credential.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from plateguard.logic.access import User, UserDirectory, UserStatus
from plateguard.logic.identity import role_trust_policy, user_principal_arn
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import PlateReadRecord
from plateguard.models.routes import Role

LOCAL_ACCOUNT_ID = "123456789012"
DEMO_AGENCY = "demo-pd"
OTHER_AGENCY = "other-pd"
# The stack's roles, one per PlateGuard role (CDK names them; local mode uses fixed names).
LOCAL_ROLE_NAMES: dict[Role, str] = {role: f"plateguard-local-{role.value}" for role in Role}

# name in local.json -> (agency, username, role)
LOCAL_USERS: dict[str, tuple[str, str, Role]] = {
    "officer": (DEMO_AGENCY, "officer.garcia", Role.OFFICER),
    "supervisor": (DEMO_AGENCY, "sgt.chen", Role.SUPERVISOR),
    "auditor": (DEMO_AGENCY, "auditor.okafor", Role.AUDITOR),
    "admin": (DEMO_AGENCY, "admin.reyes", Role.ADMIN),
    "officer_other_agency": (OTHER_AGENCY, "officer.novak", Role.OFFICER),
}


@dataclass(frozen=True)
class LocalIdentity:
    """An IAM user's credentials as local.json advertises them, and the role it works through."""

    access_key_id: str
    secret_access_key: str
    agency: str
    principal_arn: str
    username: str
    role: str
    role_arn: str
    mfa_serial: str
    mfa_seed: str  # Base32 seed of the virtual MFA device: local mode's stand-in for the authenticator app

    def public(self) -> dict[str, str]:
        return asdict(self)


def principal_arn(agency: str, username: str) -> str:
    """The registry key of a local user (the IAM user's ARN; user names are unique per account)."""
    return user_principal_arn(LOCAL_ACCOUNT_ID, username)


def role_arn(role: Role) -> str:
    return f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:role/{LOCAL_ROLE_NAMES[role]}"


def role_names_environment() -> dict[str, str]:
    """API_ROLE_NAMES as CDK sets it for the API function."""
    return {"API_ROLE_NAMES": json.dumps({role.value: name for role, name in LOCAL_ROLE_NAMES.items()})}


def create_local_roles(iam: Any) -> None:
    """The stack's per-role IAM roles with the same trust policy CDK synthesizes (MFA, pinned session name)."""
    document = json.dumps(role_trust_policy(LOCAL_ACCOUNT_ID))
    for name in LOCAL_ROLE_NAMES.values():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=document, MaxSessionDuration=3600)


def create_iam_user(iam: Any, username: str, agency: str, role: Role) -> LocalIdentity:
    """What an agency's IT does for a new person: an IAM user, an access key and a virtual MFA device."""
    from plateguard.local.sts import totp

    iam.create_user(UserName=username)
    key = iam.create_access_key(UserName=username)["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=username)["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else str(seed)
    iam.enable_mfa_device(
        UserName=username,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp(seed, step_offset=-1),
        AuthenticationCode2=totp(seed),
    )
    return LocalIdentity(
        access_key_id=key["AccessKeyId"],
        secret_access_key=key["SecretAccessKey"],
        agency=agency,
        principal_arn=principal_arn(agency, username),
        username=username,
        role=role.value,
        role_arn=role_arn(role),
        mfa_serial=device["SerialNumber"],
        mfa_seed=seed,
    )


def issue_local_identities(iam: Any) -> dict[str, LocalIdentity]:
    return {
        name: create_iam_user(iam, username, agency, role) for name, (agency, username, role) in LOCAL_USERS.items()
    }


def register_local_users(
    directory: UserDirectory, identities: dict[str, LocalIdentity], now: datetime | None = None
) -> None:
    now = now or datetime.now(UTC)
    for identity in identities.values():
        directory.put(
            User(
                principal_arn=identity.principal_arn,
                agency=identity.agency,
                username=identity.username,
                role=Role(identity.role),
                status=UserStatus.ACTIVE,
                training_completed_at=now - timedelta(days=30),
                approved_by="chief.local" if identity.role != Role.SUPERVISOR else "captain.local",
                created_at=now - timedelta(days=30),
            )
        )


def demo_reads(now: datetime | None = None) -> list[PlateReadRecord]:
    """A few reads per agency in the last day, so a fresh `plateguard local` has something to search."""
    now = now or datetime.now(UTC)
    rows = [
        (DEMO_AGENCY, "cam-main-st", "7KDR394", 37.7793, -122.4193, 2),
        (DEMO_AGENCY, "cam-harbor-bridge", "7KDR394", 37.7989, -122.3778, 5),
        (DEMO_AGENCY, "cam-main-st", "8ABC123", 37.7793, -122.4193, 7),
        (DEMO_AGENCY, "cam-harbor-bridge", "5XYZ789", 37.7989, -122.3778, 11),
        (OTHER_AGENCY, "cam-county-line", "7KDR394", 37.4419, -122.1430, 3),
    ]
    reads = []
    for i, (agency, camera, plate, lat, lon, hours_ago) in enumerate(rows):
        captured = now - timedelta(hours=hours_ago)
        read_id = f"demo-read-{i + 1:04d}"
        reads.append(
            PlateReadRecord(
                read_id=read_id,
                agency=agency,
                camera_id=camera,
                captured_at=captured,
                plate=plate,
                raw_text=plate,
                confidence=0.97,
                char_confidences=tuple(0.97 for _ in plate),
                alternatives=(),
                box=(100, 200, 260, 250),
                crop_key=f"crops/{agency}/{camera}/{read_id}.jpg",
                source_key=f"incoming/{agency}/{camera}/demo-{read_id}.jpg",
                lat=lat,
                lon=lon,
                heading=90.0,
                low_confidence=False,
                hit=False,
                expires_at=expires_at_epoch(captured, 30),
            )
        )
    return reads
