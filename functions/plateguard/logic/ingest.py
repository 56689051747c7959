"""Ingest: one uploaded camera image in, exactly one outcome out.

Outcomes: reads stored (one per plate, each with a crop), a "no plate" record, or quarantine with a reason. Bad input is
quarantined; infrastructure failures propagate so SQS retries the message and its DLQ catches it in the
end. The outcome is recorded last, together with the frame's reads, by one conditional write: a
re-delivered object finds it recorded there and gets the recorded outcome back, so a duplicate yields no
second read or alert (its alerts are the stored ones: conditional create, published at most once).

AWS calls per ordinary frame: the object GET, the crop PUT and that one write (the camera registry is
cached per container for `IngestPolicy.camera_cache_seconds`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from plateguard.logic.alert_messages import build_sns_message, message_attributes
from plateguard.logic.hotlist import HotListCache, HotListMatch
from plateguard.logic.imaging import decode_image, encode_jpeg
from plateguard.logic.keys import UploadKey, parse_upload_key
from plateguard.logic.metadata import parse_capture_metadata
from plateguard.logic.plate_merge import merge_same_plate
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.errors import AlertPublishInFlight, RejectedImage
from plateguard.models.plates import is_valid_plate
from plateguard.models.records import (
    Alert,
    AlertStatus,
    Camera,
    CameraStatus,
    CaptureMetadata,
    HotListEntry,
    ImageOutcome,
    Outcome,
    PlateReadRecord,
)
from plateguard.schema import CROPS_PREFIX, INGEST_FUNCTION_TIMEOUT_SECONDS

if TYPE_CHECKING:
    import numpy as np

    from plateguard.recognition import RecognizedPlate


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    metadata: dict[str, str]
    body: Callable[[], bytes]  # deferred so oversized objects are never downloaded
    discard: Callable[[], None] = lambda: None  # let go of a body never read (an open stream)


class ObjectStore(Protocol):
    # One request: the size and metadata come with the GET's headers; the body is streamed only when read.
    def get(self, key: str, version_id: str | None = None) -> StoredObject | None: ...
    def put_crop(self, key: str, data: bytes) -> None: ...
    def quarantine(self, key: str, reason: str, detail: str, version_id: str | None = None) -> str: ...
    def quarantine_target(self, key: str) -> str: ...


class IngestRepository(Protocol):
    def get_camera(self, agency: str, camera_id: str) -> Camera | None: ...
    # The frame's reads and its outcome in one write, unless the version's outcome is recorded already:
    # then nothing is written and the recorded outcome is returned (the exactly-once check). `published`:
    # alerts this delivery sent, marked published in the same write (each marked even when it returns early).
    def record_outcome(
        self, outcome: ImageOutcome, reads: Sequence[PlateReadRecord] = (), published: Sequence[Alert] = ()
    ) -> ImageOutcome: ...
    # A quarantine under way: recorded before the copy, so a retry whose original is gone keeps the reason.
    # Returns the version's recorded outcome instead (writing nothing) when it has one.
    def put_pending_quarantine(self, outcome: ImageOutcome) -> ImageOutcome | None: ...
    def get_pending_quarantine(
        self, source_key: str, version_id: str | None = None, bucket: str | None = None
    ) -> ImageOutcome | None: ...
    def get_alert(self, agency: str, alert_id: str) -> Alert | None: ...
    # Several alerts in one consistent read: those that exist, by id.
    def get_alerts(self, agency: str, alert_ids: Sequence[str]) -> dict[str, Alert]: ...
    def put_alert(self, alert: Alert) -> None: ...
    def create_alert(self, alert: Alert) -> Alert: ...
    # Store a new alert already claimed for publishing by the caller (one write for create and claim):
    # None when stored, else the alert a concurrent delivery stored under that id first (nothing written).
    def create_claimed_alert(self, alert: Alert, claimed_at: datetime) -> Alert | None: ...
    def claim_publish(self, agency: str, alert_id: str, now: datetime, stale_before: datetime) -> bool: ...
    def mark_published(self, agency: str, alert_id: str) -> None: ...
    def release_claim(self, agency: str, alert_id: str) -> None: ...
    def record_repeat(self, agency: str, alert_id: str, read_id: str) -> None: ...


class AlertPublisher(Protocol):
    def publish(self, message: str, attributes: dict[str, dict[str, str]]) -> None: ...


class PlateReaderPort(Protocol):
    def read(self, image_bgr: np.ndarray) -> Sequence[RecognizedPlate]: ...


@dataclass(frozen=True)
class IngestPolicy:
    read_retention_days: float
    hit_retention_days: float
    alert_retention_days: float
    max_object_bytes: int
    max_decoded_pixels: int
    alert_min_confidence: float
    alert_dedup_seconds: int = 600
    # The camera registry is cached per container: a camera retired (or registered) is seen within this
    # many seconds; until then a retired camera's frames are still read (docs/cost.md).
    camera_cache_seconds: float = 60.0
    # False under minute-level non-hit retention (New Hampshire, 3 minutes): a read that matches no hot
    # list is never written, since no sweep can promise deletion within minutes (docs/policy.md).
    persist_non_hit_reads: bool = True


@dataclass
class IngestDependencies:
    objects: ObjectStore
    repository: IngestRepository
    publisher: AlertPublisher
    reader: PlateReaderPort
    hotlists: HotListCache
    policy: IngestPolicy
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    cameras: CameraCache = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.cameras = CameraCache(self.repository.get_camera, self.policy.camera_cache_seconds, self.clock)


class CameraCache:
    """The camera registry, one lookup per camera per `ttl_seconds` in a container (unknown ones too)."""

    def __init__(
        self, lookup: Callable[[str, str], Camera | None], ttl_seconds: float, clock: Callable[[], datetime]
    ) -> None:
        self._lookup = lookup
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock
        self._cameras: dict[tuple[str, str], tuple[datetime, Camera | None]] = {}

    def get(self, agency: str, camera_id: str) -> Camera | None:
        now = self._clock()
        cached = self._cameras.get((agency, camera_id))
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        camera = self._lookup(agency, camera_id)
        self._cameras[(agency, camera_id)] = (now, camera)
        return camera


# A publish claim older than this is taken to belong to a dead worker: a live one finishes (publish and
# mark) within the function timeout. What remains (docs/architecture.md): a worker that dies after SNS
# accepted the message and before the mark is written gets its alert re-sent once, after this bound.
ALERT_CLAIM_STALE_AFTER = timedelta(seconds=2 * INGEST_FUNCTION_TIMEOUT_SECONDS)
# Transient failures of the mark after a successful publish are retried in place, never left to redelivery.
MARK_ATTEMPTS = 3


def process_upload(
    key: str, deps: IngestDependencies, version_id: str | None = None, bucket: str | None = None
) -> ImageOutcome:
    """One object version in, one outcome out (a new version of the same key is a new frame)."""
    now = deps.clock()
    version = _Version(key, version_id, bucket)
    try:
        upload, camera, capture, image = _accept(version, deps, now)
    except RejectedImage as rejected:
        return _quarantine(version, rejected, deps, now)

    # The same plate read twice in one frame is one plate: one read, one crop, one alert.
    plates = merge_same_plate([p for p in deps.reader.read(image) if is_valid_plate(p.plate)])
    if not plates:
        outcome = ImageOutcome(
            source_key=key,
            version_id=version_id,
            bucket=bucket,
            outcome=Outcome.NO_PLATE,
            processed_at=now,
            expires_at=expires_at_epoch(capture.captured_at, deps.policy.read_retention_days),
            agency=upload.agency,
            camera_id=upload.camera_id,
            detail="the reader found no plate in the image",
        )
        return deps.repository.record_outcome(outcome)

    frame = _Frame(version, upload, camera, capture, image)
    owed: list[Alert] = []  # sent by this delivery; marked published with the outcome write
    try:
        outcome, reads = _read_plates(frame, plates, deps, now, owed)
        return _record(outcome, reads, owed, deps)
    except Exception:
        # Their messages are out: leaving their claims would re-send them once the claims go stale.
        for alert in owed:
            with contextlib.suppress(Exception):
                deps.repository.mark_published(alert.agency, alert.alert_id)
        raise


def _record(
    outcome: ImageOutcome, reads: Sequence[PlateReadRecord], owed: Sequence[Alert], deps: IngestDependencies
) -> ImageOutcome:
    """The outcome write; retried in place while it carries published marks (a transient failure must not
    leave a sent alert's claim to go stale and be sent again)."""
    attempts = MARK_ATTEMPTS if owed else 1
    for attempt in range(attempts):
        try:
            return deps.repository.record_outcome(outcome, reads, owed)
        except Exception:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Frame:
    version: _Version
    upload: UploadKey
    camera: Camera
    capture: CaptureMetadata
    image: np.ndarray


def _read_plates(
    frame: _Frame, plates: Sequence[RecognizedPlate], deps: IngestDependencies, now: datetime, owed: list[Alert]
) -> tuple[ImageOutcome, list[PlateReadRecord]]:
    """Each plate's read, and its alerts sent: the frame's outcome and reads, not yet recorded."""
    key, version_id, bucket = frame.version.key, frame.version.version_id, frame.version.bucket
    upload, camera, capture, image = frame.upload, frame.camera, frame.capture, frame.image
    index = deps.hotlists.index_for(upload.agency)
    reads: list[PlateReadRecord] = []
    alert_ids: list[str] = []
    for position, plate in enumerate(plates):
        # The version is part of the id: a re-upload to the same key must not overwrite the first frame's reads.
        read_id = stable_id(key, str(position)) if version_id is None else stable_id(key, version_id, str(position))
        low_confidence = plate.confidence < deps.policy.alert_min_confidence
        # Low-confidence reads are kept but flagged, never silently turned into alerts.
        matches = [] if low_confidence else index.match(plate.plate, now)
        if not matches and not deps.policy.persist_non_hit_reads:
            continue
        retention = deps.policy.hit_retention_days if matches else deps.policy.read_retention_days
        # Every read keeps its crop: the API presigns crops only, never raw frames (cdk/constructs/api.py).
        crop_key = f"{CROPS_PREFIX}{upload.agency}/{upload.camera_id}/{read_id}.jpg"
        deps.objects.put_crop(crop_key, encode_jpeg(_crop(image, plate.box)))
        record = PlateReadRecord(
            read_id=read_id,
            agency=upload.agency,
            camera_id=upload.camera_id,
            captured_at=capture.captured_at,
            plate=plate.plate,
            raw_text=plate.raw_text,
            confidence=float(plate.confidence),
            char_confidences=tuple(float(c) for c in plate.char_confidences),
            alternatives=tuple((text, float(conf)) for text, conf in plate.alternatives),
            box=tuple(int(v) for v in plate.box),  # type: ignore[arg-type]
            crop_key=crop_key,
            source_key=key,
            lat=capture.lat,
            lon=capture.lon,
            heading=capture.heading,
            low_confidence=low_confidence,
            hit=bool(matches),
            expires_at=expires_at_epoch(capture.captured_at, retention),
        )
        reads.append(record)
        for match in matches:
            alert = _raise_alert(record, match, camera, deps, now, owed)
            if alert is not None:
                alert_ids.append(alert.alert_id)

    outcome = ImageOutcome(
        source_key=key,
        version_id=version_id,
        bucket=bucket,
        outcome=Outcome.READS_STORED,
        processed_at=now,
        expires_at=max((r.expires_at for r in reads), default=0)
        or expires_at_epoch(capture.captured_at, deps.policy.read_retention_days),
        agency=upload.agency,
        camera_id=upload.camera_id,
        detail=None if len(reads) == len(plates) else f"{len(plates) - len(reads)} non-hit read(s) not kept",
        read_ids=tuple(r.read_id for r in reads),
        alert_ids=tuple(alert_ids),
    )
    return outcome, reads


@dataclass(frozen=True)
class _Version:
    key: str
    version_id: str | None
    bucket: str | None


class _AlreadyQuarantined(RejectedImage):
    """The version was quarantined by an earlier attempt whose outcome write failed: keep its reason."""

    def __init__(self, reason: str, detail: str, quarantine_key: str) -> None:
        super().__init__(reason, detail)
        self.quarantine_key = quarantine_key


def _accept(
    version: _Version, deps: IngestDependencies, now: datetime
) -> tuple[UploadKey, Camera, CaptureMetadata, np.ndarray]:
    key = version.key
    upload = parse_upload_key(key)
    camera = deps.cameras.get(upload.agency, upload.camera_id)
    if camera is not None and camera.status is CameraStatus.RETIRED:
        # Its own reason: a retired camera still uploading is a device to recover, not a typo.
        raise RejectedImage("camera_retired", f"camera {upload.camera_id!r} of {upload.agency!r} was retired")
    if camera is None or not camera.active:
        raise RejectedImage(
            "unknown_camera", f"camera {upload.camera_id!r} is not registered (or not active) for {upload.agency!r}"
        )
    stored = deps.objects.get(key, version_id=version.version_id)
    if stored is None:
        earlier = deps.repository.get_pending_quarantine(key, version.version_id, version.bucket)
        if earlier is not None:
            raise _AlreadyQuarantined(earlier.reason or "", earlier.detail or "", earlier.quarantine_key or "")
        raise RejectedImage("object_missing", "the object no longer exists in the bucket")
    try:
        if stored.size > deps.policy.max_object_bytes:
            raise RejectedImage(
                "object_too_large", f"{stored.size} bytes exceeds the {deps.policy.max_object_bytes}-byte limit"
            )
        capture = parse_capture_metadata(stored.metadata, camera, now)
        if capture.captured_at + timedelta(days=deps.policy.read_retention_days) <= now:
            raise RejectedImage("expired_on_arrival", "captured before the retention window: it may not be kept")
    except RejectedImage:
        stored.discard()  # refused on its headers: the body is never downloaded
        raise
    image = decode_image(stored.body(), deps.policy.max_decoded_pixels)
    return upload, camera, capture, image


def _quarantine(version: _Version, rejected: RejectedImage, deps: IngestDependencies, now: datetime) -> ImageOutcome:
    outcome = ImageOutcome(
        source_key=version.key,
        version_id=version.version_id,
        bucket=version.bucket,
        outcome=Outcome.QUARANTINED,
        processed_at=now,
        expires_at=expires_at_epoch(now, deps.policy.read_retention_days),
        reason=rejected.reason,
        detail=rejected.detail,
    )
    if isinstance(rejected, _AlreadyQuarantined):
        outcome = dataclasses.replace(outcome, quarantine_key=rejected.quarantine_key or None)
    elif rejected.reason != "object_missing":
        # Reason first, copy second, outcome last: if the outcome write fails and the original is gone by
        # the retry, the retry still knows why it was quarantined (not `object_missing`).
        outcome = dataclasses.replace(outcome, quarantine_key=deps.objects.quarantine_target(version.key))
        recorded = deps.repository.put_pending_quarantine(outcome)
        if recorded is not None:  # a re-delivery of a version already done: nothing to copy again
            return recorded
        deps.objects.quarantine(version.key, rejected.reason, rejected.detail, version_id=version.version_id)
    return deps.repository.record_outcome(outcome)


def _raise_alert(
    record: PlateReadRecord,
    match: HotListMatch,
    camera: Camera,
    deps: IngestDependencies,
    now: datetime,
    owed: list[Alert],
) -> Alert | None:
    """Record the alert, then publish it: a crash in between leaves it pending for the retry.

    One alert per (listed plate, list, camera) within the dedup window: a repeat read inside the
    window is counted on the alert it repeats and raises nothing (returns None). A new alert is created
    already claimed (one write) and, once sent, joins `owed`: its published mark rides on the outcome write.
    """
    entry = match.entry
    window = deps.policy.alert_dedup_seconds
    bucket = int(record.captured_at.timestamp() // window) if window else None

    def window_alert_id(b: int | None) -> str:
        scope = record.read_id if b is None else str(b)
        return stable_id(record.agency, entry.list_name, entry.plate, record.camera_id, scope)

    alert_id = window_alert_id(bucket)
    # This window's alert and the previous one's, in one read.
    previous_id = window_alert_id(bucket - 1) if bucket is not None else None
    stored = deps.repository.get_alerts(record.agency, [i for i in (alert_id, previous_id) if i is not None])
    alert = stored.get(alert_id)
    if alert is None and previous_id is not None:
        previous = stored.get(previous_id)
        if previous is not None and (record.captured_at - previous.captured_at).total_seconds() < window:
            alert = previous
    if alert is not None and alert.read_id != record.read_id:
        deps.repository.record_repeat(alert.agency, alert.alert_id, record.read_id)
        # completes a publish an earlier crash left pending
        publish_alert(alert, deps.repository, deps.publisher, deps.clock)
        return None
    if alert is None:
        alert = build_alert(
            alert_id,
            record,
            entry,
            match.match_quality,
            match.differing_positions,
            camera,
            now,
            deps.policy.alert_retention_days,
        )
        # Conditional: a concurrent delivery of the same frame may have stored it first; never overwrite
        # its claim with a fresh copy (that let both deliveries publish).
        claimed_at = deps.clock()
        existing = deps.repository.create_claimed_alert(alert, claimed_at)
        if existing is None:
            sent = publish_alert(
                dataclasses.replace(alert, status=AlertStatus.PUBLISHING),
                deps.repository,
                deps.publisher,
                deps.clock,
                claimed=True,
                mark=False,
            )
            owed.append(sent)
            return sent
        alert = existing
        if alert.read_id != record.read_id:
            deps.repository.record_repeat(alert.agency, alert.alert_id, record.read_id)
            publish_alert(alert, deps.repository, deps.publisher, deps.clock)
            return None
    return publish_alert(alert, deps.repository, deps.publisher, deps.clock)


def build_alert(
    alert_id: str,
    record: PlateReadRecord,
    entry: HotListEntry,
    match_quality: str,
    differing_positions: tuple[int, ...],
    camera: Camera,
    now: datetime,
    alert_retention_days: float,
    historical: bool = False,
) -> Alert:
    """A pending alert for a read that matched a hot-list entry."""
    return Alert(
        alert_id=alert_id,
        agency=record.agency,
        read_id=record.read_id,
        plate=record.plate,
        list_name=entry.list_name,
        list_type=entry.list_type,
        priority=entry.priority,
        reason=entry.reason,
        case_number=entry.case_number,
        camera_id=record.camera_id,
        camera_name=camera.name,
        region=camera.region,
        captured_at=record.captured_at,
        confidence=record.confidence,
        match_quality=match_quality,
        differing_positions=differing_positions,
        listed_plate=entry.plate,
        crop_key=record.crop_key,
        created_at=now,
        expires_at=expires_at_epoch(now, alert_retention_days),
        historical=historical,
    )


def publish_alert(
    alert: Alert,
    repository: IngestRepository,
    publisher: AlertPublisher,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    *,
    claimed: bool = False,
    mark: bool = True,
) -> Alert:
    """Publish an alert at most once: claim it (pending -> publishing, a conditional write), call SNS,
    mark it published. A no-op for a published one.

    `claimed`: the caller created it already claimed. `mark=False`: the caller marks it published (in its
    own write, retried in place) and gets it back as published.

    Raises AlertPublishInFlight when another worker holds a fresh claim, so the caller's message is
    retried: by then the alert is published, or the claim is stale and the retry publishes it.
    """
    if alert.status is AlertStatus.PUBLISHED:
        return alert
    now = clock()
    if not claimed and not repository.claim_publish(alert.agency, alert.alert_id, now, now - ALERT_CLAIM_STALE_AFTER):
        current = repository.get_alert(alert.agency, alert.alert_id)
        if current is not None and current.status is AlertStatus.PUBLISHED:
            return current
        raise AlertPublishInFlight(alert.alert_id)
    try:
        publisher.publish(build_sns_message(alert), message_attributes(alert))
    except Exception:
        # SNS refused it: hand the claim back so the retry publishes now rather than after the bound.
        repository.release_claim(alert.agency, alert.alert_id)
        raise
    for attempt in range(MARK_ATTEMPTS if mark else 0):
        try:
            repository.mark_published(alert.agency, alert.alert_id)
            break
        except Exception:
            # The message is out: leaving the claim would re-send it once the claim goes stale.
            if attempt == MARK_ATTEMPTS - 1:
                raise
    return dataclasses.replace(alert, status=AlertStatus.PUBLISHED)


def stable_id(*parts: str) -> str:
    """Deterministic ids make re-processing overwrite instead of duplicate."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def _crop(image: np.ndarray, box: tuple[int, int, int, int], pad: float = 0.15) -> np.ndarray:
    x, y, w, h = box
    dx, dy = int(w * pad), int(h * pad)
    height, width = image.shape[:2]
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(width, x + w + dx), min(height, y + h + dy)
    if x1 <= x0 or y1 <= y0:
        return image
    return image[y0:y1, x0:x1]
