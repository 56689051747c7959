"""Hot-list matching benchmark: per-read match time and memory at 10k, 100k and 1M entries.

Run: python -m benchmarks.hotlist [--sizes 10000,100000,1000000] [--reads 20000]
The last line is the figure for the largest size:
entries=N match_us_median=X match_us_p99=Y rss_mb=Z dynamodb_calls_per_read=K
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import string
import time
from datetime import UTC, datetime

from plateguard.logic.confusion import CONFUSION_GROUPS
from plateguard.logic.hotlist import HotListCache
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import HotListEntry

ALPHABET = string.ascii_uppercase + string.digits
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def random_plate(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.choice((5, 6, 7, 7, 7, 8))))


def confuse(plate: str, rng: random.Random) -> str:
    i = rng.randrange(len(plate))
    group = next((g for g in CONFUSION_GROUPS if plate[i] in g), None)
    if not group or len(group) < 2:
        return plate[:i] + plate[i + 1 :]  # a missed character instead
    return plate[:i] + rng.choice([c for c in group if c != plate[i]]) + plate[i + 1 :]


def run(size: int, reads: int, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    reasons = [f"reason {i}" for i in range(100)]
    entries = [
        HotListEntry(
            agency="bench-pd",
            list_name=rng.choice(("stolen-vehicles", "wanted", "amber", "bolo")),
            plate=random_plate(rng),
            list_type="stolen-vehicle",
            priority="high",
            reason=rng.choice(reasons),
            case_number=f"C-{i:08d}",
            expires_at=expires_at_epoch(NOW, 30),
        )
        for i in range(size)
    ]
    calls = {"dynamodb": 0}

    def loader(agency: str) -> list[HotListEntry]:
        calls["dynamodb"] += 1  # stands for the table query a real container makes at load
        return entries

    gc.collect()
    base_rss = rss_mb()
    cache = HotListCache(loader, refresh_seconds=3600)
    started = time.perf_counter()
    index = cache.index_for("bench-pd")
    build_s = time.perf_counter() - started
    index_rss = rss_mb() - base_rss
    calls_after_load = calls["dynamodb"]

    queries = []
    for _ in range(reads):
        roll = rng.random()
        if roll < 0.05:
            queries.append(rng.choice(entries).plate)  # hit
        elif roll < 0.10:
            queries.append(confuse(rng.choice(entries).plate, rng))  # confusable hit
        else:
            queries.append(random_plate(rng))  # the usual case: no hit
    timings = []
    hits = 0
    for plate in queries:
        t0 = time.perf_counter_ns()
        matches = cache.index_for("bench-pd").match(plate, NOW)
        timings.append((time.perf_counter_ns() - t0) / 1000)
        hits += bool(matches)
    timings.sort()
    return {
        "entries": size,
        "build_s": build_s,
        "index_rss_mb": index_rss,
        "rss_mb": rss_mb(),
        "match_us_median": statistics.median(timings),
        "match_us_p99": timings[int(len(timings) * 0.99) - 1],
        "hit_rate": hits / reads,
        "dynamodb_calls_per_read": (calls["dynamodb"] - calls_after_load) / reads,
        "array_mb": index.nbytes / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--reads", type=int, default=20000)
    args = parser.parse_args()
    result: dict[str, float] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        result = run(size, args.reads)
        print(
            f"size={size:>8} build_s={result['build_s']:.2f} index_rss_mb={result['index_rss_mb']:.0f} "
            f"arrays_mb={result['array_mb']:.0f} match_us_median={result['match_us_median']:.1f} "
            f"match_us_p99={result['match_us_p99']:.1f} hit_rate={result['hit_rate']:.3f}",
            flush=True,
        )
        gc.collect()
    print(
        f"entries={int(result['entries'])} match_us_median={result['match_us_median']:.1f} "
        f"match_us_p99={result['match_us_p99']:.1f} rss_mb={result['rss_mb']:.0f} "
        f"dynamodb_calls_per_read={result['dynamodb_calls_per_read']:g}"
    )


if __name__ == "__main__":
    main()
