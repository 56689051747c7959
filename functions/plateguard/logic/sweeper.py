"""The retention sweeper: destroys expired data on time, because DynamoDB TTL and S3 lifecycle run late.

TTL deletes items up to ~48 h after expiry and lifecycle rules run once a day; the sweeper deletes
expired items explicitly, in bounded batches, on a fixed schedule, and writes a destruction log
(class, count, lateness) that never contains a plate. Items under an active legal hold are skipped.
Every reader already refuses expired items, so a late sweep never serves one.

Its cost follows what falls due, not what is stored: each swept table has an expiry index partitioned
by the hour an item falls due (plateguard.schema EXPIRY_INDEX), and frames and crops, kept by age, an
age index by the hour they were written (AGE_INDEX). A sweep queries the hours up to now (the current
one and SWEEP_LOOKBACK_HOURS before it, plus SAMPLED_OLDER_HOURS older ones in rotation) for items due,
deletes them with the objects they reference (a read's crop, a record's frame). Lateness covers every
item that should be gone, not only what a run deleted: the sampled older hours find what an outage
left behind (deleted and logged with its real lateness), and where the batch bound stops a run, a check
of the hours it did not finish logs how late the oldest remaining item is. Nothing is listed or scanned.
At the one-minute schedule a run sweeps twice, 30 s apart (FAST_SWEEP_PASSES), so an item waits at
most ~30 s for a sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from plateguard.models.sweep import FAST_SWEEP_INTERVAL_SECONDS, FAST_SWEEP_PASSES, SweepLimits, sweep_passes
from plateguard.schema import BUCKET_SECONDS, time_bucket

# The schedule (intervals, passes per run) and the per-run bounds are in plateguard.models.sweep.

# Hours of the index every run covers behind the current one: an item stays in reach this long after
# its hour ends (many runs, at either interval), which covers a sweeper outage of that length.
SWEEP_LOOKBACK_HOURS = 2
# Older hours (to ~2 days back, TTL's horizon) each pass also sweeps, a different pair each pass (all
# of them within 24 passes, 12 minutes, at the one-minute schedule; within 29 runs at 15 minutes):
# anything left behind there (an outage longer than the lookback) is found, deleted and reported
# late, at the cost of two empty queries per index when nothing is.
SAMPLED_OLDER_HOURS = 2
LATE_CHECK_HOURS = 47  # prime: a pass counter advancing 1 (30-s passes) or 30 (15-min runs) visits them all
# The check reads at most this many due items per hour (held ones are skipped over; lateness comes
# from the oldest, first in the index's order).
LATE_CHECK_LIMIT = 25

# Item classes in DynamoDB (expiry in `expires_at`) and object classes kept by age, with the table
# whose age index lists them (frames: image-outcome records; crops: reads).
ITEM_SOURCES = ("reads", "alerts", "hotlist_entries", "image_records")
SOURCE_CLASSES = {
    "reads": ("non_hit_reads", "hit_reads"),
    "alerts": ("alerts",),
    "hotlist_entries": ("hotlist_entries",),
    "image_records": ("image_records",),
}
OBJECT_CLASSES = ("images", "crops")
AGE_SOURCES = {"images": "image_records", "crops": "reads"}


def sweep_buckets(moment: datetime, run: int) -> list[str]:
    """The index hours one run covers for items due by `moment`: the lookback and `moment`'s own hour,
    oldest first, then SAMPLED_OLDER_HOURS older hours (rotating with `run` over LATE_CHECK_HOURS). The
    older hours come last: they are normally empty, and what falls due now should not wait for them (if
    the batch bound stops a run before them, its check reports what they hold as late)."""
    epoch = moment.timestamp()
    older = [
        SWEEP_LOOKBACK_HOURS + 1 + (run + i * (LATE_CHECK_HOURS // SAMPLED_OLDER_HOURS)) % LATE_CHECK_HOURS
        for i in range(SAMPLED_OLDER_HOURS)
    ]
    hours = list(range(SWEEP_LOOKBACK_HOURS, -1, -1)) + sorted(set(older), reverse=True)
    return [time_bucket(epoch - hours_back * BUCKET_SECONDS) for hours_back in hours]


_T = TypeVar("_T")


def _pages(
    fetch: Callable[[str, Any], tuple[list[_T], Any]], buckets: list[str], max_batches: int
) -> Iterator[list[_T]]:
    """Every page of due items in `buckets`, oldest hour first, up to `max_batches` non-empty pages;
    raises _BoundReached when items may remain (the next run continues)."""
    batches = 0
    for index, bucket in enumerate(buckets):
        cursor: Any = None
        while True:
            if batches >= max_batches:
                raise _BoundReached(buckets[index:])
            items, cursor = fetch(bucket, cursor)
            if items:  # an empty hour costs one query, never a batch of the bound
                batches += 1
                yield items
            if cursor is None:
                break


class _BoundReached(Exception):
    def __init__(self, unfinished: list[str]) -> None:
        super().__init__(f"{len(unfinished)} hour(s) unfinished")
        self.unfinished = unfinished  # the hours where due items may remain


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
class AgedItem:
    """An item in an age index: its objects (a read's crop, a record's frame) age from `since`."""

    source: str
    key: Any
    since: int
    objects: tuple[str, ...]
    read_ids: tuple[str, ...] = ()
    hit: bool = False  # a hit read's crop stays as long as the read: the read's deletion takes it


class SweepStore(Protocol):
    def due(
        self, source: str, bucket: str, now_epoch: int, limit: int, cursor: Any
    ) -> tuple[list[ExpiredItem], Any]: ...
    def delete(self, items: list[ExpiredItem], now_epoch: int) -> list[ExpiredItem]: ...
    def aged(
        self, source: str, bucket: str, cutoff_epoch: int, limit: int, cursor: Any
    ) -> tuple[list[AgedItem], Any]: ...
    def done_aging(self, items: list[AgedItem]) -> None: ...  # out of the age index: objects handled


class ObjectStore(Protocol):
    def destroy(self, keys: list[str]) -> None: ...  # every version, so nothing is left to restore


@dataclass(frozen=True)
class HeldSet:
    read_ids: frozenset[str] = frozenset()
    object_keys: frozenset[str] = frozenset()

    def covers(self, read_ids: tuple[str, ...], objects: tuple[str, ...] = ()) -> bool:
        return bool(self.read_ids.intersection(read_ids) or self.object_keys.intersection(objects))


class HoldSource(Protocol):
    def held(self, now: datetime) -> HeldSet: ...


class DestructionLog(Protocol):
    def write(self, entry: dict[str, Any]) -> None: ...


@dataclass
class ClassResult:
    deleted: int = 0
    held_skipped: int = 0
    oldest_lateness_seconds: float = 0.0  # of what this run deleted
    # Of the oldest item due and not held that is still stored after this run (the late-deletion
    # alarm's input, with the above): non-zero means something that should be gone is not.
    remaining_lateness_seconds: float = 0.0
    complete: bool = True  # False: the batch bound was reached and items remain for the next run

    def note(self, lateness: float) -> None:
        self.deleted += 1
        self.oldest_lateness_seconds = max(self.oldest_lateness_seconds, lateness)

    def still_due(self, lateness: float) -> None:
        self.remaining_lateness_seconds = max(self.remaining_lateness_seconds, lateness)


@dataclass
class DestructionReport:
    started_at: datetime
    finished_at: datetime | None = None
    classes: dict[str, ClassResult] = field(default_factory=dict)
    items_read: int = 0  # index entries read by the sweep and its check: proportional to what is due

    def result(self, name: str) -> ClassResult:
        return self.classes.setdefault(name, ClassResult())

    @property
    def max_lateness_seconds(self) -> float:
        """The latest any item was, deleted now or still stored: what the late-deletion alarm watches."""
        return max(
            (max(r.oldest_lateness_seconds, r.remaining_lateness_seconds) for r in self.classes.values()),
            default=0.0,
        )

    def to_log(self) -> dict[str, Any]:
        """The destruction log entry: counts and lateness only, never a plate, read id or case number."""
        return {
            "event": "RetentionSweep",
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": (self.finished_at or self.started_at).isoformat(timespec="seconds"),
            "items_read": self.items_read,
            "max_lateness_seconds": round(self.max_lateness_seconds, 1),
            "classes": {
                name: {
                    "deleted": r.deleted,
                    "held_skipped": r.held_skipped,
                    "oldest_lateness_seconds": round(r.oldest_lateness_seconds, 1),
                    "remaining_lateness_seconds": round(r.remaining_lateness_seconds, 1),
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
    # Rotates the sampled older hours: one step per 30-s pass (every hour within 24 passes), 30 per 15-min run.
    run = int(now.timestamp()) // (FAST_SWEEP_INTERVAL_SECONDS // FAST_SWEEP_PASSES)
    for source in ITEM_SOURCES:
        _sweep_items(source, deps, held, now, run, report)
    for object_class in OBJECT_CLASSES:
        keep_for = getattr(deps.limits, object_class)
        if keep_for is not None:
            _sweep_aged(object_class, keep_for, deps, held, now, run, report)
    report.finished_at = deps.clock()
    deps.log.write(report.to_log())
    return report


def sweep_run(
    deps: SweeperDependencies,
    interval_seconds: int,
    sleep: Callable[[float], None],
    seconds_left: Callable[[], float],
) -> list[DestructionReport]:
    """One scheduled run: sweep_passes(interval) sweeps, evenly spaced within the interval; a pass that
    would not finish before the run's time is up (under half a spacing left) is left to the next run."""
    passes = sweep_passes(interval_seconds)
    spacing = interval_seconds / passes
    started = deps.clock()
    reports = [sweep(deps)]
    for n in range(1, passes):
        wait = (started + timedelta(seconds=n * spacing) - deps.clock()).total_seconds()
        if seconds_left() - max(wait, 0.0) < spacing / 2:
            break
        if wait > 0:
            sleep(wait)
        reports.append(sweep(deps))
    return reports


def _sweep_items(
    source: str, deps: SweeperDependencies, held: HeldSet, now: datetime, run: int, report: DestructionReport
) -> None:
    now_epoch = int(now.timestamp())
    for name in SOURCE_CLASSES[source]:
        report.result(name)  # a class with nothing due still appears in the log, with zero
    buckets = sweep_buckets(now, run)

    def fetch(bucket: str, cursor: Any) -> tuple[list[ExpiredItem], Any]:
        return deps.store.due(source, bucket, now_epoch, deps.limits.batch_size, cursor)

    try:
        for items in _pages(fetch, buckets, deps.limits.max_batches):
            report.items_read += len(items)
            doomed = []
            for item in items:
                if held.covers(item.read_ids):
                    report.result(item.item_class).held_skipped += 1
                    continue
                doomed.append(item)
            # The store deletes only items still expired (a hold placed meanwhile extends the expiry), and
            # returns those; their objects go after (a crash in between leaves them to the age pass and TTL).
            deleted = deps.store.delete(doomed, now_epoch) if doomed else []
            objects = [key for item in deleted for key in item.objects if key not in held.object_keys]
            if objects:
                deps.objects.destroy(objects)
            # Lateness when it was actually destroyed (objects included), not when the run began.
            done_at = deps.clock().timestamp()
            for item in deleted:
                report.result(item.item_class).note(done_at - item.expires_at)
    except _BoundReached as bound:
        for name in SOURCE_CLASSES[source]:
            report.result(name).complete = False
        unchecked = bound.unfinished
    else:
        # Every due item of these hours was read: deleted, held, or moved by a hold meanwhile (not late).
        unchecked = []
    # The check beyond what the run read: in the hours it did not finish, what is due and not held that is
    # still stored, and how late its oldest is (the alarm sees it now, not when a later run gets to it).
    for bucket in unchecked:
        items, _ = deps.store.due(source, bucket, now_epoch, LATE_CHECK_LIMIT, None)
        report.items_read += len(items)
        for item in items:
            if not held.covers(item.read_ids):
                report.result(item.item_class).still_due(now.timestamp() - item.expires_at)


def _sweep_aged(
    object_class: str,
    keep_for: timedelta,
    deps: SweeperDependencies,
    held: HeldSet,
    now: datetime,
    run: int,
    report: DestructionReport,
) -> None:
    result = report.result(object_class)
    source = AGE_SOURCES[object_class]
    cutoff = now - keep_for
    cutoff_epoch = int(cutoff.timestamp())
    buckets = sweep_buckets(cutoff, run)

    def fetch(bucket: str, cursor: Any) -> tuple[list[AgedItem], Any]:
        return deps.store.aged(source, bucket, cutoff_epoch, deps.limits.batch_size, cursor)

    try:
        for items in _pages(fetch, buckets, deps.limits.max_batches):
            report.items_read += len(items)
            handled: list[AgedItem] = []
            doomed: list[AgedItem] = []
            for item in items:
                if held.covers(item.read_ids, item.objects):
                    result.held_skipped += 1  # stays in the index until the hold ends
                elif object_class == "crops" and item.hit:
                    handled.append(item)  # a hit read's crop goes with the read, at the read's expiry
                else:
                    doomed.append(item)
            if doomed:
                deps.objects.destroy([key for item in doomed for key in item.objects])
            # Out of the index only after its objects are gone: a crash in between repeats the destroy.
            if doomed or handled:
                deps.store.done_aging([*doomed, *handled])
            done_at = deps.clock().timestamp()
            for item in doomed:
                result.note(done_at - (item.since + keep_for.total_seconds()))
    except _BoundReached as bound:
        result.complete = False
        unchecked = bound.unfinished
    else:
        unchecked = []
    for bucket in unchecked:
        items, _ = deps.store.aged(source, bucket, cutoff_epoch, LATE_CHECK_LIMIT, None)
        report.items_read += len(items)
        for item in items:
            if not held.covers(item.read_ids, item.objects) and not (object_class == "crops" and item.hit):
                result.still_due(now.timestamp() - (item.since + keep_for.total_seconds()))


def format_report(report: DestructionReport) -> str:
    """One line per class, for the CLI."""
    lines = [f"retention sweep at {report.started_at.isoformat(timespec='seconds')}"]
    for name, r in sorted(report.classes.items()):
        lines.append(
            f"  {name:<16} deleted={r.deleted:<6} held={r.held_skipped:<4} "
            f"oldest_lateness={r.oldest_lateness_seconds:.0f}s"
            + (f" still_due_lateness={r.remaining_lateness_seconds:.0f}s" if r.remaining_lateness_seconds else "")
            + ("" if r.complete else " (more remain: next run)")
        )
    if not report.classes:
        lines.append("  nothing was due")
    return "\n".join(lines)
