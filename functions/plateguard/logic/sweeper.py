"""The retention sweeper: destroys expired data on time, because DynamoDB TTL and S3 lifecycle run late.

TTL deletes items up to ~48 h after expiry and lifecycle rules run once a day; the sweeper deletes
expired items explicitly, in bounded batches, on a fixed schedule, and writes a destruction log
(class, count, oldest item's lateness) that never contains a plate. Items under an active legal
hold are skipped. Every reader already refuses expired items, so a late sweep never serves one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

# Schedule: the standard interval, and a one-minute interval when any class is kept for minutes
# (New Hampshire's 3 minutes). The rendered policy prints these numbers.
SWEEP_INTERVAL_SECONDS = 900
FAST_SWEEP_INTERVAL_SECONDS = 60
FAST_SWEEP_BELOW = timedelta(days=1)
# Bounded work per run: a run deletes at most SWEEP_BATCH_SIZE * SWEEP_MAX_BATCHES items per class and
# leaves the rest to the next run (the log says so), so one run never exceeds its Lambda timeout.
SWEEP_BATCH_SIZE = 100
SWEEP_MAX_BATCHES = 50
# Below this non-hit retention, ingest should not persist non-hit reads at all (see docs/policy.md).
PERSIST_NON_HITS_AT_LEAST = timedelta(hours=1)

# Item classes in DynamoDB (expiry in `expires_at`) and object classes in S3 (expiry by age).
ITEM_SOURCES = ("reads", "alerts", "hotlist_entries", "image_records")
SOURCE_CLASSES = {
    "reads": ("non_hit_reads", "hit_reads"),
    "alerts": ("alerts",),
    "hotlist_entries": ("hotlist_entries",),
    "image_records": ("image_records",),
}
OBJECT_CLASSES = ("images", "crops")


def sweep_interval_seconds(shortest_retention: timedelta) -> int:
    return FAST_SWEEP_INTERVAL_SECONDS if shortest_retention < FAST_SWEEP_BELOW else SWEEP_INTERVAL_SECONDS


@dataclass(frozen=True)
class ExpiredItem:
    """One stored item past its expiry. `key` is opaque to the logic; `objects` go with the item."""

    source: str
    item_class: str  # non_hit_reads | hit_reads | alerts | hotlist_entries | image_records
    key: Any
    expires_at: int
    read_ids: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgedObject:
    key: str
    last_modified: datetime
    read_id: str | None = None  # for crops: the read it was cut from


class SweepStore(Protocol):
    def expired(self, source: str, now_epoch: int, limit: int, cursor: Any) -> tuple[list[ExpiredItem], Any]: ...
    def delete(self, items: list[ExpiredItem], now_epoch: int) -> list[ExpiredItem]: ...
    def live_hit_read_ids(self, read_ids: Iterable[str], now_epoch: int) -> set[str]: ...


class ObjectStore(Protocol):
    def aged(self, object_class: str, cutoff: datetime, limit: int, cursor: Any) -> tuple[list[AgedObject], Any]: ...
    def destroy(self, keys: list[str]) -> None: ...  # every version, so nothing is left to restore


@dataclass(frozen=True)
class HeldSet:
    read_ids: frozenset[str] = frozenset()
    object_keys: frozenset[str] = frozenset()


class HoldSource(Protocol):
    def held(self, now: datetime) -> HeldSet: ...


class DestructionLog(Protocol):
    def write(self, entry: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class SweepLimits:
    """Object classes are kept by age; None means the class is not swept here."""

    images: timedelta | None = None
    crops: timedelta | None = None
    batch_size: int = SWEEP_BATCH_SIZE
    max_batches: int = SWEEP_MAX_BATCHES


@dataclass
class ClassResult:
    deleted: int = 0
    held_skipped: int = 0
    oldest_lateness_seconds: float = 0.0
    complete: bool = True  # False: the batch bound was reached and items remain for the next run

    def note(self, lateness: float) -> None:
        self.deleted += 1
        self.oldest_lateness_seconds = max(self.oldest_lateness_seconds, lateness)


@dataclass
class DestructionReport:
    started_at: datetime
    finished_at: datetime | None = None
    classes: dict[str, ClassResult] = field(default_factory=dict)

    def result(self, name: str) -> ClassResult:
        return self.classes.setdefault(name, ClassResult())

    def to_log(self) -> dict[str, Any]:
        """The destruction log entry: counts and lateness only, never a plate, read id or case number."""
        return {
            "event": "RetentionSweep",
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": (self.finished_at or self.started_at).isoformat(timespec="seconds"),
            "classes": {
                name: {
                    "deleted": r.deleted,
                    "held_skipped": r.held_skipped,
                    "oldest_lateness_seconds": round(r.oldest_lateness_seconds, 1),
                    "complete": r.complete,
                }
                for name, r in sorted(self.classes.items())
            },
        }


@dataclass
class SweeperDependencies:
    store: SweepStore
    objects: ObjectStore
    holds: HoldSource
    log: DestructionLog
    limits: SweepLimits = field(default_factory=SweepLimits)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def sweep(deps: SweeperDependencies) -> DestructionReport:
    now = deps.clock()
    report = DestructionReport(started_at=now)
    held = deps.holds.held(now)
    for source in ITEM_SOURCES:
        _sweep_items(source, deps, held, now, report)
    for object_class in OBJECT_CLASSES:
        keep_for = getattr(deps.limits, object_class)
        if keep_for is not None:
            _sweep_objects(object_class, keep_for, deps, held, now, report)
    report.finished_at = deps.clock()
    deps.log.write(report.to_log())
    return report


def _sweep_items(
    source: str, deps: SweeperDependencies, held: HeldSet, now: datetime, report: DestructionReport
) -> None:
    now_epoch = int(now.timestamp())
    for name in SOURCE_CLASSES[source]:
        report.result(name)  # a class with nothing due still appears in the log, with zero
    cursor: Any = None
    for _ in range(deps.limits.max_batches):
        items, cursor = deps.store.expired(source, now_epoch, deps.limits.batch_size, cursor)
        doomed = []
        for item in items:
            result = report.result(item.item_class)
            if held.read_ids.intersection(item.read_ids):
                result.held_skipped += 1
                continue
            doomed.append(item)
        # The store deletes only items still expired (a hold placed meanwhile extends the expiry), and
        # returns those; their objects go after, and an object orphaned by a crash is caught by age.
        deleted = deps.store.delete(doomed, now_epoch) if doomed else []
        objects = [key for item in deleted for key in item.objects if key not in held.object_keys]
        if objects:
            deps.objects.destroy(objects)
        for item in deleted:
            report.result(item.item_class).note(now.timestamp() - item.expires_at)
        if cursor is None:
            return
    for name in SOURCE_CLASSES[source]:
        report.result(name).complete = False


def _sweep_objects(
    object_class: str,
    keep_for: timedelta,
    deps: SweeperDependencies,
    held: HeldSet,
    now: datetime,
    report: DestructionReport,
) -> None:
    result = report.result(object_class)
    cutoff = now - keep_for
    cursor: Any = None
    for _ in range(deps.limits.max_batches):
        objects, cursor = deps.objects.aged(object_class, cutoff, deps.limits.batch_size, cursor)
        # A hit read's crop stays as long as the read does; the read's own deletion takes it.
        hits = (
            deps.store.live_hit_read_ids({o.read_id for o in objects if o.read_id}, int(now.timestamp()))
            if object_class == "crops"
            else set()
        )
        doomed: list[AgedObject] = []
        for obj in objects:
            if obj.key in held.object_keys or (obj.read_id and obj.read_id in held.read_ids):
                result.held_skipped += 1
            elif not (obj.read_id and obj.read_id in hits):
                doomed.append(obj)
        if doomed:
            deps.objects.destroy([obj.key for obj in doomed])
        for obj in doomed:
            result.note((now - (obj.last_modified + keep_for)).total_seconds())
        if cursor is None:
            return
    result.complete = False


def format_report(report: DestructionReport) -> str:
    """One line per class, for the CLI."""
    lines = [f"retention sweep at {report.started_at.isoformat(timespec='seconds')}"]
    for name, r in sorted(report.classes.items()):
        lines.append(
            f"  {name:<16} deleted={r.deleted:<6} held={r.held_skipped:<4} "
            f"oldest_lateness={r.oldest_lateness_seconds:.0f}s{'' if r.complete else ' (more remain: next run)'}"
        )
    if not report.classes:
        lines.append("  nothing was due")
    return "\n".join(lines)
