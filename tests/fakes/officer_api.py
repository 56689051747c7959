"""In-memory fakes of what the officer API's logic (plateguard.logic.officer_*) is given: hot lists,
alerts, the alert topic, subscriptions, holds, cameras. Each implements the logic Protocol it names."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from plateguard.logic.alert_lifecycle import DispositionChange, DispositionConflict
from plateguard.logic.cameras import IssuedCertificate
from plateguard.logic.historical import HistoricalHits
from plateguard.logic.holds import HeldRead, LegalHold
from plateguard.logic.hotlist_admin import HotListDefinition
from plateguard.logic.subscriptions import Subscription
from plateguard.models.records import Alert, Camera, HotListEntry


class MemoryHotLists:
    """logic.officer_hotlists.HotListRegistry in memory (a retired list is kept, as in DynamoDB)."""

    def __init__(self, *definitions: HotListDefinition) -> None:
        self.definitions = {(d.agency, d.name): d for d in definitions}
        self.retired: dict[tuple[str, str], datetime] = {}
        self.stored: dict[tuple[str, str, str], HotListEntry] = {}

    def get_list(self, agency: str, name: str) -> HotListDefinition | None:
        return None if (agency, name) in self.retired else self.definitions.get((agency, name))

    def lists(self, agency: str) -> list[HotListDefinition]:
        return [d for key, d in sorted(self.definitions.items()) if key[0] == agency and key not in self.retired]

    def put_list(self, definition: HotListDefinition) -> None:
        self.definitions[(definition.agency, definition.name)] = definition

    def retire_list(self, agency: str, name: str, when: datetime) -> None:
        self.retired[(agency, name)] = when

    def entries(self, agency: str, list_name: str) -> list[HotListEntry]:
        return [e for (a, n, _), e in sorted(self.stored.items()) if (a, n) == (agency, list_name)]

    def put_entries(self, entries: list[HotListEntry]) -> None:
        for entry in entries:
            self.stored[(entry.agency, entry.list_name, entry.plate)] = entry

    def delete_entries(self, entries: list[HotListEntry]) -> None:
        for entry in entries:
            self.stored.pop((entry.agency, entry.list_name, entry.plate), None)


@dataclass
class StubHistoricalCheck:
    """logic.officer_hotlists.HistoricalCheck: records what it was asked, answers with set hits."""

    alerts: list[Alert] = field(default_factory=list)
    raised: int = 0
    asked: list[list[HotListEntry]] = field(default_factory=list)

    def __call__(self, entries: Sequence[HotListEntry], now: datetime) -> HistoricalHits:
        self.asked.append(list(entries))
        return HistoricalHits(alerts=list(self.alerts), raised=self.raised)


class MemoryAlerts:
    """logic.officer_alerts.AlertRecords in memory; `conflict_once` makes the next save lose the race."""

    def __init__(self, *alerts: tuple[Alert, list[DispositionChange]]) -> None:
        self.by_id = {(a.agency, a.alert_id): (a, list(h)) for a, h in alerts}
        self.conflict_once = False

    def alerts(self, agency: str) -> Iterator[tuple[Alert, list[DispositionChange]]]:
        for (a, _), (alert, history) in self.by_id.items():
            if a == agency:
                yield alert, list(history)

    def get(self, agency: str, alert_id: str) -> tuple[Alert, list[DispositionChange]] | None:
        found = self.by_id.get((agency, alert_id))
        return (found[0], list(found[1])) if found else None

    def save_history(self, agency: str, alert_id: str, history: list[DispositionChange], expected_length: int) -> None:
        alert, stored = self.by_id[(agency, alert_id)]
        if self.conflict_once or len(stored) != expected_length:
            self.conflict_once = False
            raise DispositionConflict(alert_id)
        self.by_id[(agency, alert_id)] = (alert, list(history))


class MemorySubscriptionStore:
    """logic.subscriptions.SubscriptionStore in memory."""

    def __init__(self, *subscriptions: Subscription) -> None:
        self.by_id = {(s.agency, s.subscription_id): s for s in subscriptions}

    def put(self, subscription: Subscription) -> None:
        self.by_id[(subscription.agency, subscription.subscription_id)] = subscription

    def get(self, agency: str, subscription_id: str) -> Subscription | None:
        return self.by_id.get((agency, subscription_id))

    def list_agency(self, agency: str) -> list[Subscription]:
        return [s for (a, _), s in self.by_id.items() if a == agency]

    def delete(self, agency: str, subscription_id: str) -> None:
        self.by_id.pop((agency, subscription_id), None)


@dataclass
class RecordingTopic:
    """logic.officer_subscriptions.AlertTopic and logic.subscriptions.Unsubscriber: records each call."""

    topic_arn: str = "arn:aws:sns:us-east-1:123456789012:plateguard-alerts"
    subscribed: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)

    def subscribe(self, protocol: str, endpoint: str, filter_policy: dict[str, list[str]]) -> str:
        self.subscribed.append((protocol, endpoint, filter_policy))
        return f"{self.topic_arn}:00000000-0000-0000-0000-{len(self.subscribed):012d}"

    def unsubscribe(self, subscription_arn: str) -> None:
        self.unsubscribed.append(subscription_arn)


class MemoryHolds:
    """logic.holds.HoldStore in memory, with the reads it holds."""

    def __init__(self, *reads: HeldRead) -> None:
        self.reads = {r.read_id: r for r in reads}
        self.holds: dict[tuple[str, str], LegalHold] = {}

    def put_hold(self, hold: LegalHold) -> None:
        self.holds[(hold.agency, hold.hold_id)] = hold

    def get_hold(self, agency: str, hold_id: str) -> LegalHold | None:
        return self.holds.get((agency, hold_id))

    def list_holds(self, agency: str | None = None) -> list[LegalHold]:
        return [h for (a, _), h in self.holds.items() if agency in (None, a)]

    def get_read(self, read_id: str) -> HeldRead | None:
        return self.reads.get(read_id)

    def set_read_expiry(self, read_id: str, expires_at: int) -> None:
        self.reads[read_id] = replace(self.reads[read_id], expires_at=expires_at)


class MemoryCameras:
    """logic.cameras.CameraRegistry in memory."""

    def __init__(self, *cameras: Camera) -> None:
        self.by_id = {(c.agency, c.camera_id): c for c in cameras}

    def get(self, agency: str, camera_id: str) -> Camera | None:
        return self.by_id.get((agency, camera_id))

    def list_agency(self, agency: str) -> list[Camera]:
        return [c for (a, _), c in sorted(self.by_id.items()) if a == agency]

    def create(self, camera: Camera) -> bool:
        if (camera.agency, camera.camera_id) in self.by_id:
            return False
        self.by_id[(camera.agency, camera.camera_id)] = camera
        return True

    def put(self, camera: Camera) -> None:
        self.by_id[(camera.agency, camera.camera_id)] = camera


class MemoryIdentities:
    """logic.cameras.CameraIdentities in memory: numbered certificates, attached to things."""

    def __init__(self) -> None:
        self.things: dict[str, str] = {}  # camera id -> agency
        self.attached: dict[str, list[str]] = {}
        self.revoked: list[str] = []
        self.issued = 0

    def ensure_thing(self, agency: str, camera_id: str) -> None:
        self.things[camera_id] = agency

    def create_certificate(self) -> IssuedCertificate:
        self.issued += 1
        return IssuedCertificate(
            certificate_id=f"cert{self.issued:04d}",
            certificate_arn=f"arn:aws:iot:us-east-1:123456789012:cert/cert{self.issued:04d}",
            certificate_pem="-----BEGIN CERTIFICATE-----",
            private_key="-----BEGIN PRIVATE KEY-----",
        )

    def attach(self, camera_id: str, certificate: IssuedCertificate) -> None:
        self.attached.setdefault(camera_id, []).append(certificate.certificate_id)

    def certificates(self, camera_id: str) -> list[str]:
        return list(self.attached.get(camera_id, []))

    def revoke(self, camera_id: str, certificate_id: str) -> None:
        self.attached[camera_id].remove(certificate_id)
        self.revoked.append(certificate_id)

    def remove_thing_type(self, camera_id: str) -> None:
        pass
