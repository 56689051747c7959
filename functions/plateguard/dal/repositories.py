"""DynamoDB repositories (pynamodb): the only place that knows item layouts and key formats."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from plateguard.dal.tables import AlertItem, CameraItem, HotListItem, ImageItem, ReadItem
from plateguard.models.records import (
    Alert,
    AlertStatus,
    Camera,
    CameraStatus,
    HotListEntry,
    ImageOutcome,
    Outcome,
    PlateReadRecord,
)


def read_pk(agency: str, plate: str) -> str:
    return f"{agency}#{plate}"


def read_sk(captured_at: datetime, read_id: str) -> str:
    return f"{captured_at.astimezone(UTC).isoformat(timespec='milliseconds')}#{read_id}"


def object_ref(bucket: str | None, key: str, version_id: str | None) -> str:
    """The outcome id of one object version: bucket, key and version (S3 sends `null` for an unversioned one).
    Without bucket or version it is the bare key, the id of the key's latest outcome."""
    if bucket is None and version_id is None:
        return key
    return f"s3://{bucket or ''}/{key}?versionId={version_id or 'null'}"


PENDING_QUARANTINE = "quarantining"  # ImageItem.outcome while a quarantine copy is under way


def image_item(ref: str, outcome: ImageOutcome, state: str | None = None) -> ImageItem:
    return ImageItem(
        ref,
        object_key=outcome.source_key,
        version_id=outcome.version_id,
        bucket=outcome.bucket,
        outcome=state or outcome.outcome.value,
        processed_at=outcome.processed_at,
        agency=outcome.agency,
        camera_id=outcome.camera_id,
        reason=outcome.reason,
        detail=outcome.detail,
        quarantine_key=outcome.quarantine_key,
        read_ids=list(outcome.read_ids),
        alert_ids=list(outcome.alert_ids),
        expires_at=outcome.expires_at,
    )


def outcome_from_item(item: ImageItem) -> ImageOutcome:
    return ImageOutcome(
        source_key=item.object_key or item.source_key,
        outcome=Outcome(item.outcome),
        processed_at=item.processed_at,
        expires_at=int(item.expires_at),
        agency=item.agency,
        camera_id=item.camera_id,
        reason=item.reason,
        detail=item.detail,
        quarantine_key=item.quarantine_key,
        read_ids=tuple(cast(list[str], item.read_ids or [])),
        alert_ids=tuple(cast(list[str], item.alert_ids or [])),
        version_id=item.version_id,
        bucket=item.bucket,
    )


def camera_pk(agency: str, camera_id: str) -> str:
    return f"{agency}#{camera_id}"


def day_pk(agency: str, captured_at: datetime) -> str:
    return f"{agency}#{captured_at.astimezone(UTC):%Y-%m-%d}"


def _box(values: list[float]) -> tuple[int, int, int, int]:
    x, y, w, h = (int(v) for v in values)
    return x, y, w, h


_log = logging.getLogger(__name__)


def readable_read(item: ReadItem) -> PlateReadRecord | None:
    """The read an item holds, or None (logged, never returned) if it has no expiry: a read whose
    retention cannot be checked must not be served, and must not fail the search it turned up in."""
    if item.expires_at is None:
        _log.warning("read item without expires_at skipped: read_id=%s agency=%s", item.read_id, item.agency)
        return None
    return read_from_item(item)


def read_from_item(item: ReadItem) -> PlateReadRecord:
    return PlateReadRecord(
        read_id=item.read_id,
        agency=item.agency,
        camera_id=item.camera_id,
        captured_at=item.captured_at,
        plate=item.plate,
        raw_text=item.raw_text,
        confidence=float(item.confidence),
        char_confidences=tuple(float(c) for c in cast(list[float], item.char_confidences or [])),
        alternatives=tuple((str(t), float(c)) for t, c in item.alternatives or ()),
        box=_box(cast(list[float], item.box)),
        crop_key=item.crop_key,
        source_key=item.source_key,
        lat=float(item.lat),
        lon=float(item.lon),
        heading=None if item.heading is None else float(item.heading),
        low_confidence=bool(item.low_confidence),
        hit=bool(item.hit),
        expires_at=int(item.expires_at),
    )


def camera_from_item(item: CameraItem) -> Camera:
    return Camera(
        item.agency,
        item.camera_id,
        item.name,
        float(item.lat),
        float(item.lon),
        bool(item.active),
        item.region or "unassigned",
        heading=None if item.heading is None else float(item.heading),
        status=CameraStatus(item.status or CameraStatus.ACTIVE),
        certificate_id=item.certificate_id,
        registered_at=item.registered_at,
        registered_by=item.registered_by,
        retired_at=item.retired_at,
        retired_by=item.retired_by,
    )


def camera_item(camera: Camera) -> CameraItem:
    return CameraItem(
        camera.agency,
        camera.camera_id,
        name=camera.name,
        lat=camera.lat,
        lon=camera.lon,
        active=camera.active,
        region=camera.region,
        heading=camera.heading,
        status=camera.status.value,
        certificate_id=camera.certificate_id,
        registered_at=camera.registered_at,
        registered_by=camera.registered_by,
        retired_at=camera.retired_at,
        retired_by=camera.retired_by,
    )


class DynamoIngestRepository:
    """Implements plateguard.logic.ingest.IngestRepository."""

    def get_camera(self, agency: str, camera_id: str) -> Camera | None:
        try:
            item = CameraItem.get(agency, camera_id)
        except CameraItem.DoesNotExist:
            return None
        return camera_from_item(item)

    def put_camera(self, camera: Camera) -> None:
        camera_item(camera).save()

    def get_outcome(
        self, source_key: str, version_id: str | None = None, bucket: str | None = None
    ) -> ImageOutcome | None:
        """The outcome of one object version; without a version, the latest outcome recorded for the key."""
        item = self._image_item(object_ref(bucket, source_key, version_id))
        if item is None or item.outcome == PENDING_QUARANTINE:  # a quarantine under way is no outcome yet
            return None
        return outcome_from_item(item)

    def get_pending_quarantine(
        self, source_key: str, version_id: str | None = None, bucket: str | None = None
    ) -> ImageOutcome | None:
        item = self._image_item(object_ref(bucket, source_key, version_id))
        if item is None or item.outcome != PENDING_QUARANTINE:
            return None
        item.outcome = Outcome.QUARANTINED.value
        return outcome_from_item(item)

    def put_pending_quarantine(self, outcome: ImageOutcome) -> ImageOutcome | None:
        """The reason recorded before the quarantine copy, at the version's outcome id (the outcome replaces
        it), unless the version has an outcome: then that one is returned and nothing is written."""
        ref = object_ref(outcome.bucket, outcome.source_key, outcome.version_id)
        try:
            image_item(ref, outcome, PENDING_QUARANTINE).save(condition=_no_outcome_yet())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            return self._recorded_outcome(ref)
        return None

    def record_outcome(
        self, outcome: ImageOutcome, reads: Sequence[PlateReadRecord] = (), published: Sequence[Alert] = ()
    ) -> ImageOutcome:
        """The frame's reads, the version's outcome, the key's latest-outcome copy (for readers that know
        only the key) and the published marks of the alerts this delivery sent, in one transaction,
        conditional on the version having no outcome yet (a quarantine under way is none): a re-delivery
        writes nothing and gets the recorded outcome back (its marks are written on their own)."""
        ref = object_ref(outcome.bucket, outcome.source_key, outcome.version_id)
        items = [image_item(ref, outcome)]
        if ref != outcome.source_key:
            latest = image_item(outcome.source_key, outcome)
            # Out of the age index: the version's item ages the frame, and each index entry costs a write.
            latest._age_indexed = False
            items.append(latest)
        first_mark = len(items) + len(reads)
        try:
            with TransactWrite(connection=_connection(ImageItem)) as transaction:
                transaction.save(items[0], condition=_no_outcome_yet())
                for item in items[1:]:
                    transaction.save(item)
                for record in reads:
                    transaction.save(read_item(record))
                for alert in published:
                    transaction.update(
                        AlertItem(alert.agency, alert.alert_id),
                        actions=[
                            AlertItem.status.set(AlertStatus.PUBLISHED.value),
                            AlertItem.publish_claimed_at.remove(),
                        ],
                        condition=AlertItem.alert_id.exists(),
                    )
        except TransactWriteError as exc:
            failed = [n for n, r in enumerate(exc.cancellation_reasons) if r and r.code == "ConditionalCheckFailed"]
            if not failed:
                raise
            if failed[0] == 0:  # recorded already: only the marks are left to write
                for alert in published:
                    self.mark_published(alert.agency, alert.alert_id)
                return self._recorded_outcome(ref)
            # An alert gone meanwhile (expired): nothing to mark; the rest is written without it.
            gone = {published[n - first_mark].alert_id for n in failed if n >= first_mark}
            if not gone:
                raise
            return self.record_outcome(outcome, reads, [a for a in published if a.alert_id not in gone])
        return outcome

    def put_outcome(self, outcome: ImageOutcome) -> None:
        """Record the version's outcome, then the key's latest-outcome copy (for readers that know only the key)."""
        refs = [object_ref(outcome.bucket, outcome.source_key, outcome.version_id)]
        if outcome.version_id is not None or outcome.bucket is not None:
            refs.append(outcome.source_key)
        for ref in refs:
            image_item(ref, outcome).save()

    def _recorded_outcome(self, ref: str) -> ImageOutcome:
        item = self._image_item(ref)
        if item is None or item.outcome == PENDING_QUARANTINE:  # expired and deleted in between: a bug to see
            raise RuntimeError(f"the outcome of {ref!r} was recorded and is gone")
        return outcome_from_item(item)

    @staticmethod
    def _image_item(ref: str) -> ImageItem | None:
        try:
            return ImageItem.get(ref, consistent_read=True)
        except ImageItem.DoesNotExist:
            return None

    def put_read(self, record: PlateReadRecord) -> None:
        read_item(record).save()

    def reads_for_plate(self, agency: str, plate: str) -> Iterator[PlateReadRecord]:
        """Every stored read of one plate (expired ones included: callers filter on expiry)."""
        for item in ReadItem.query(read_pk(agency, plate)):
            if (read := readable_read(item)) is not None:
                yield read

    def reads_for_day(self, agency: str, day: date) -> Iterator[PlateReadRecord]:
        """Every stored read of the agency captured on one UTC day (the by-day index, paginated by
        pynamodb; expired ones included: callers filter on expiry). Historical matching's one pass."""
        for item in ReadItem.by_day.query(f"{agency}#{day.isoformat()}"):
            if (read := readable_read(item)) is not None:
                yield read

    def reads_for_source(self, source_key: str, read_ids: tuple[str, ...]) -> list[PlateReadRecord]:
        records: list[PlateReadRecord] = []
        for read_id in read_ids:
            records.extend(r for item in ReadItem.by_id.query(read_id) if (r := readable_read(item)) is not None)
        return [r for r in records if r.source_key == source_key]

    def get_alert(self, agency: str, alert_id: str) -> Alert | None:
        try:
            item = AlertItem.get(agency, alert_id, consistent_read=True)
        except AlertItem.DoesNotExist:
            return None
        return alert_from_item(item)

    def get_alerts(self, agency: str, alert_ids: Sequence[str]) -> dict[str, Alert]:
        """Several alerts in one consistent read (TransactGetItems: it needs only GetItem, as one get does)."""
        with TransactGet(connection=_connection(AlertItem)) as transaction:
            futures = [transaction.get(AlertItem, agency, alert_id) for alert_id in alert_ids]
        found: dict[str, Alert] = {}
        for future in futures:
            try:
                alert = alert_from_item(future.get())
            except AlertItem.DoesNotExist:
                continue
            found[alert.alert_id] = alert
        return found

    def put_alert(self, alert: Alert) -> None:
        alert_item(alert).save()

    def create_claimed_alert(self, alert: Alert, claimed_at: datetime) -> Alert | None:
        """Store a new alert already claimed for publishing (create and claim in one conditional put): None
        when stored, else the alert a concurrent delivery stored first."""
        item = alert_item(dataclasses.replace(alert, status=AlertStatus.PUBLISHING))
        item.publish_claimed_at = claimed_at.timestamp()
        try:
            item.save(condition=AlertItem.alert_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            existing = self.get_alert(alert.agency, alert.alert_id)
            if existing is None:  # expired and deleted in between: nothing to race with any more
                raise
            return existing
        return None

    def create_alert(self, alert: Alert) -> Alert:
        """Store a new alert unless one with its id exists (a concurrent delivery's): return the stored one."""
        try:
            alert_item(alert).save(condition=AlertItem.alert_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            existing = self.get_alert(alert.agency, alert.alert_id)
            if existing is None:  # expired and deleted in between: nothing to race with any more
                raise
            return existing
        return alert

    def claim_publish(self, agency: str, alert_id: str, now: datetime, stale_before: datetime) -> bool:
        """Move pending (or a claim older than stale_before) to publishing; False if another worker holds
        the claim or the alert is published."""
        status = AlertItem.status
        claimable = (status == AlertStatus.PENDING.value) | (
            (status == AlertStatus.PUBLISHING.value) & (AlertItem.publish_claimed_at < stale_before.timestamp())
        )
        try:
            AlertItem(agency, alert_id).update(
                actions=[status.set(AlertStatus.PUBLISHING.value), AlertItem.publish_claimed_at.set(now.timestamp())],
                condition=AlertItem.alert_id.exists() & claimable,
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_published(self, agency: str, alert_id: str) -> None:
        try:
            AlertItem(agency, alert_id).update(
                actions=[AlertItem.status.set(AlertStatus.PUBLISHED.value), AlertItem.publish_claimed_at.remove()],
                condition=AlertItem.alert_id.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":  # expired meanwhile: nothing to mark
                raise

    def record_repeat(self, agency: str, alert_id: str, read_id: str) -> None:
        """Count a suppressed repeat once per read (a retried delivery does not count twice)."""
        item = AlertItem(agency, alert_id)
        try:
            item.update(
                actions=[AlertItem.suppressed_repeats.add(1), AlertItem.last_repeat_read_id.set(read_id)],
                condition=AlertItem.alert_id.exists()
                & (AlertItem.last_repeat_read_id.does_not_exist() | (AlertItem.last_repeat_read_id != read_id)),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def release_claim(self, agency: str, alert_id: str) -> None:
        """Back to pending after a publish that failed (only if still claimed: never undo a published one)."""
        try:
            AlertItem(agency, alert_id).update(
                actions=[AlertItem.status.set(AlertStatus.PENDING.value), AlertItem.publish_claimed_at.remove()],
                condition=AlertItem.status == AlertStatus.PUBLISHING.value,
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def hotlist_entries(self, agency: str) -> list[HotListEntry]:
        return [hotlist_entry_from_item(item) for item in HotListItem.query(agency)]

    def put_hotlist_entry(self, entry: HotListEntry) -> None:
        hotlist_item(entry).save()


def _no_outcome_yet() -> Any:
    return ImageItem.source_key.does_not_exist() | (ImageItem.outcome == PENDING_QUARANTINE)


def _connection(model: type[ImageItem] | type[AlertItem]) -> Connection:
    """The model's own connection (bound region, endpoint and client, reused): a transaction takes one."""
    return model._get_connection().connection


def read_item(record: PlateReadRecord) -> ReadItem:
    return ReadItem(
        read_pk(record.agency, record.plate),
        read_sk(record.captured_at, record.read_id),
        camera_pk=camera_pk(record.agency, record.camera_id),
        day_pk=day_pk(record.agency, record.captured_at),
        read_id=record.read_id,
        agency=record.agency,
        camera_id=record.camera_id,
        captured_at=record.captured_at,
        plate=record.plate,
        raw_text=record.raw_text,
        confidence=record.confidence,
        char_confidences=list(record.char_confidences),
        alternatives=[list(alt) for alt in record.alternatives],
        box=list(record.box),
        crop_key=record.crop_key,
        source_key=record.source_key,
        lat=record.lat,
        lon=record.lon,
        heading=record.heading,
        low_confidence=record.low_confidence,
        hit=record.hit,
        expires_at=record.expires_at,
    )


def hotlist_entry_key(list_name: str, plate: str) -> str:
    return f"{list_name}#{plate}"


def hotlist_entry_from_item(item: HotListItem) -> HotListEntry:
    return HotListEntry(
        agency=item.agency,
        list_name=item.list_name,
        plate=item.plate,
        list_type=item.list_type,
        priority=item.priority,
        reason=item.reason,
        case_number=item.case_number,
        expires_at=int(item.expires_at),
        state=item.state,
        entered_by=item.entered_by or "",
        entered_at=int(item.entered_at or 0),
    )


def hotlist_item(entry: HotListEntry) -> HotListItem:
    return HotListItem(
        entry.agency,
        hotlist_entry_key(entry.list_name, entry.plate),
        list_name=entry.list_name,
        plate=entry.plate,
        list_type=entry.list_type,
        priority=entry.priority,
        reason=entry.reason,
        case_number=entry.case_number,
        state=entry.state,
        entered_by=entry.entered_by or None,
        entered_at=entry.entered_at or None,
        expires_at=entry.expires_at,
    )


def alert_item(alert: Alert) -> AlertItem:
    return AlertItem(
        alert.agency,
        alert.alert_id,
        read_id=alert.read_id,
        plate=alert.plate,
        list_name=alert.list_name,
        list_type=alert.list_type,
        priority=alert.priority,
        reason=alert.reason,
        case_number=alert.case_number,
        camera_id=alert.camera_id,
        camera_name=alert.camera_name,
        captured_at=alert.captured_at,
        confidence=alert.confidence,
        match_quality=alert.match_quality,
        crop_key=alert.crop_key,
        created_at=alert.created_at,
        status=alert.status.value,
        differing_positions=list(alert.differing_positions),
        listed_plate=alert.listed_plate,
        suppressed_repeats=alert.suppressed_repeats,
        historical=alert.historical,
        region=alert.region,
        expires_at=alert.expires_at,
    )


def alert_from_item(item: AlertItem) -> Alert:
    return Alert(
        alert_id=item.alert_id,
        agency=item.agency,
        read_id=item.read_id,
        plate=item.plate,
        list_name=item.list_name,
        list_type=item.list_type,
        priority=item.priority,
        reason=item.reason,
        case_number=item.case_number,
        camera_id=item.camera_id,
        camera_name=item.camera_name,
        captured_at=item.captured_at,
        confidence=float(item.confidence),
        match_quality=item.match_quality,
        crop_key=item.crop_key,
        created_at=item.created_at,
        expires_at=int(item.expires_at),
        status=AlertStatus(item.status),
        differing_positions=tuple(int(p) for p in cast(list[float], item.differing_positions or [])),
        listed_plate=item.listed_plate or item.plate,
        suppressed_repeats=int(item.suppressed_repeats or 0),
        historical=bool(item.historical),
        region=item.region or "unassigned",
    )
