"""In-memory fakes of the camera registry and the cameras' IoT identities (logic.cameras' Protocols)."""

from __future__ import annotations

from dataclasses import dataclass, field

from plateguard.logic.cameras import IssuedCertificate
from plateguard.models.records import Camera


@dataclass
class FakeRegistry:
    """logic.cameras.CameraRegistry in memory; `lose_the_race` makes every create find the id taken."""

    cameras: dict[tuple[str, str], Camera] = field(default_factory=dict)
    lose_the_race: bool = False

    def get(self, agency: str, camera_id: str) -> Camera | None:
        return self.cameras.get((agency, camera_id))

    def list_agency(self, agency: str) -> list[Camera]:
        return [c for (a, _), c in sorted(self.cameras.items()) if a == agency]

    def create(self, camera: Camera) -> bool:
        if self.lose_the_race or (camera.agency, camera.camera_id) in self.cameras:
            return False
        self.cameras[(camera.agency, camera.camera_id)] = camera
        return True

    def put(self, camera: Camera) -> None:
        self.cameras[(camera.agency, camera.camera_id)] = camera


@dataclass
class FakeIdentities:
    """logic.cameras.CameraIdentities in memory, logging each call in order; `fail_revoke` makes IoT fail."""

    things: dict[str, str | None] = field(default_factory=dict)  # thing -> type
    attached: dict[str, list[str]] = field(default_factory=dict)  # thing -> certificate ids
    status: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    issued: int = 0
    fail_revoke: bool = False

    def ensure_thing(self, agency: str, camera_id: str) -> None:
        self.calls.append(f"ensure {camera_id}")
        self.things.setdefault(camera_id, agency)

    def create_certificate(self) -> IssuedCertificate:
        self.issued += 1
        cid = f"cert-{self.issued}"
        self.status[cid] = "ACTIVE"
        return IssuedCertificate(cid, f"arn:cert/{cid}", "PEM", f"KEY-{self.issued}")

    def attach(self, camera_id: str, certificate: IssuedCertificate) -> None:
        self.calls.append(f"attach {certificate.certificate_id}")
        self.attached.setdefault(camera_id, []).append(certificate.certificate_id)

    def certificates(self, camera_id: str) -> list[str]:
        return list(self.attached.get(camera_id, []))

    def revoke(self, camera_id: str, certificate_id: str) -> None:
        if self.fail_revoke:
            raise ConnectionError("IoT unavailable")
        self.calls.append(f"revoke {certificate_id}")
        self.status[certificate_id] = "INACTIVE"
        self.attached[camera_id].remove(certificate_id)

    def remove_thing_type(self, camera_id: str) -> None:
        self.calls.append(f"untype {camera_id}")
        self.things[camera_id] = None
