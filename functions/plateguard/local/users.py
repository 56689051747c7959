"""Local mode's officer-API users: locally issued SigV4 credentials and their registry entries.

Each `plateguard local` run issues fresh random access keys (nothing here is a real AWS credential)
and registers one account per role of demo-pd, plus an officer of other-pd to show isolation.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from plateguard.logic.access import User, UserDirectory, UserStatus
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import PlateReadRecord
from plateguard.models.routes import Role

LOCAL_ACCOUNT_ID = "123456789012"
DEMO_AGENCY = "demo-pd"
OTHER_AGENCY = "other-pd"

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
    access_key_id: str
    secret_access_key: str
    agency: str
    principal_arn: str
    username: str
    role: str

    def public(self) -> dict[str, str]:
        return asdict(self)


def principal_arn(agency: str, username: str) -> str:
    return f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:user/{agency}/{username}"


def issue_local_identities() -> dict[str, LocalIdentity]:
    identities = {}
    for name, (agency, username, role) in LOCAL_USERS.items():
        identities[name] = LocalIdentity(
            access_key_id="AKIALOCAL" + secrets.token_hex(6).upper(),
            secret_access_key=secrets.token_urlsafe(30),
            agency=agency,
            principal_arn=principal_arn(agency, username),
            username=username,
            role=role.value,
        )
    return identities


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
