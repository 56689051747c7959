"""Concurrent writers of the audit trail in local mode: are requests refused, do chains fork or gap?

usage: python -m benchmarks.audit_concurrency [--writers 16] [--seconds 60] [--api]

Starts local mode in this process (moto's server, the API emulator). By default each writer is one
Lambda execution environment of the API: its own `AuditTrail` (its own writer id, as a container has)
over the real DAL against local mode's DynamoDB and S3, recording searches back to back for the given
time, all at once. With `--api`, each writer instead sends signed searches (GET /reads) through the
local API emulator, which runs one invocation at a time like a single execution environment. Then it
signs a digest, verifies the whole trail (logic/audit_digest.verify_trail) and prints one line:
requests, refusals (AuditUnavailable, or a 5xx from the API), other errors, audit records written,
chains, forks (two records for one chain position) and gaps (a position with no record), and the rate.

Why: with one hash chain per agency and a conditional put per position, concurrent writers raced for
the next sequence number and lost with "chain too busy" (5.6% of requests at 8 writers). Each writer
now appends to chains of its own (docs/audit.md); this measures that nothing is refused and the trail
still verifies.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plateguard.local.runner import LocalEnvironment

SEARCH = {
    "plate": "7KDR394",
    "purpose": "Locate stolen grey sedan reported 2026-11-20",
    "case_number": "DPD-2026-004417",
    "offense_type": "stolen-vehicle",
}


@dataclass(frozen=True)
class Result:
    writers: int
    seconds: float
    requests: int
    refused: int
    other_errors: int
    records: int
    chains: int
    forks: int
    gaps: int
    problems: list[str]

    def line(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (
            f"writers={self.writers} seconds={self.seconds:.1f} requests={self.requests} refused={self.refused} "
            f"other_errors={self.other_errors} records={self.records} chains={self.chains} forks={self.forks} "
            f"gaps={self.gaps} problems={len(self.problems)} rate={rate:.1f}/s"
        )


def _sessions(env: LocalEnvironment, writers: int) -> list[Any]:
    """One MFA role session per writer (officers of demo-pd), made before the clock starts."""
    from plateguard.commands.search import ApiTarget
    from plateguard.local.sts import assume_local_role

    state = env.state
    people = [name for name in ("officer", "supervisor") if name in state["users"]]
    return [
        ApiTarget(state["api_url"], state["region"], assume_local_role(state["users"][people[i % len(people)]],
                                                                         state["api_url"], state["region"]))
        for i in range(writers)
    ]  # fmt: skip


def _back_to_back(steps: list[Callable[[], int]], seconds: float) -> tuple[Counter[int], float]:
    """Each step in a thread of its own, repeated until the time is up (all start together): the status
    counts of every repetition, and the time taken."""
    outcomes: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(steps) + 1)
    deadline = 0.0

    def writer(step: Callable[[], int]) -> None:
        start.wait()
        mine: Counter[int] = Counter()
        while time.monotonic() < deadline:
            mine[step()] += 1
        with lock:
            outcomes.update(mine)

    threads = [threading.Thread(target=writer, args=(s,), name=f"writer-{i}") for i, s in enumerate(steps)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return outcomes, time.monotonic() - began


def hammer(env: LocalEnvironment, writers: int, seconds: float) -> tuple[Counter[int], float]:
    """Every writer searches back to back until the time is up; the answers' status codes, and the time taken."""
    from plateguard.commands.search import signed_request

    def search(target: Any) -> Callable[[], int]:
        return lambda: signed_request(target, "GET", "/reads", params=SEARCH)[0]

    return _back_to_back([search(t) for t in _sessions(env, writers)], seconds)


def _event(i: int) -> Any:
    from plateguard.logic.audit_chain import AuditEvent

    params = {"plate": SEARCH["plate"], "purpose": SEARCH["purpose"], "caseNumber": SEARCH["case_number"]}
    return AuditEvent("SearchReads", datetime.now(UTC), f"arn:aws:iam::123456789012:user/officer-{i}",
                      f"officer-{i}", "demo-pd", "officer", None, "127.0.0.1", "benchmark", str(uuid.uuid4()),
                      params, "Success", result_count=0)  # fmt: skip


def containers(env: LocalEnvironment, writers: int, seconds: float) -> tuple[Counter[int], float]:
    """Every writer is an execution environment of its own (its own AuditTrail) recording back to back."""
    from plateguard.dal.audit import DynamoAuditStore, S3AuditArchive
    from plateguard.logic.audit_chain import AuditTrail
    from plateguard.models.errors import AuditUnavailable

    _bind(env)
    s3 = _session(env).client("s3", endpoint_url=env.endpoint_url)

    def record(i: int) -> Callable[[], int]:
        trail = AuditTrail(DynamoAuditStore(), S3AuditArchive(s3, env.state["audit_bucket"]))

        def step() -> int:
            try:
                trail.record(_event(i))
                return 200
            except AuditUnavailable:
                return 503

        return step

    return _back_to_back([record(i) for i in range(writers)], seconds)


def _bind(env: LocalEnvironment) -> None:
    from plateguard import schema
    from plateguard.dal.tables import bind_tables

    table = env.state["tables"]["AuditTable"]
    bind_tables({schema.AUDIT.logical_id: table}, region=env.state["region"], host=env.endpoint_url)


def _session(env: LocalEnvironment) -> Any:
    import boto3

    return boto3.Session(region_name=env.state["region"])


def verify(env: LocalEnvironment) -> tuple[int, int, int, int, list[str]]:
    """(records, chains, forks, gaps, problems) of the whole trail, after signing a digest of it."""
    from plateguard.dal.audit import DynamoAuditStore, KmsDigestSigner, KmsSignatureVerifier, S3AuditArchive
    from plateguard.logic.audit_digest import create_digest, verify_trail

    _bind(env)
    session = _session(env)
    s3 = session.client("s3", endpoint_url=env.endpoint_url)
    kms = session.client("kms", endpoint_url=env.endpoint_url)
    key = env.state["audit_digest_key"]
    store, archive = DynamoAuditStore(), S3AuditArchive(s3, env.state["audit_bucket"])
    create_digest(store, archive, KmsDigestSigner(kms, key), datetime.now(UTC))
    report = verify_trail(store, archive, KmsSignatureVerifier(kms), key)
    kinds = Counter(p.kind for chain in report.chains for p in chain.problems)
    return report.records, len(report.chains), kinds["forked"], kinds["missing"], report.problems


def run(env: LocalEnvironment, writers: int, seconds: float, *, through_api: bool = False) -> Result:
    before, _, _, _, _ = verify(env)
    statuses, took = (hammer if through_api else containers)(env, writers, seconds)
    records, chains, forks, gaps, problems = verify(env)
    refused = sum(n for status, n in statuses.items() if status == 503 or status >= 500)
    other = sum(n for status, n in statuses.items() if status != 200 and status < 500)
    return Result(writers, took, sum(statuses.values()), refused, other, records - before, chains, forks, gaps,
                  problems)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--api", action="store_true", help="through the local API emulator (one invocation at a time)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as state_dir, LocalEnvironment(
        state_dir=Path(state_dir), dispatch=False, prefix=f"pg-bench-{uuid.uuid4().hex[:6]}"
    ) as env:  # fmt: skip
        result = run(env, args.writers, args.seconds, through_api=args.api)
    print(result.line())
    for problem in result.problems[:10]:
        print(f"  {problem}")
    return 0 if not (result.refused or result.forks or result.gaps or result.problems) else 1


if __name__ == "__main__":
    sys.exit(main())
