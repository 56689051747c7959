"""The cost model (`python -m benchmarks.cost`, issue 19 item 1): its table, its contract line, and calls
counted per path; and the DynamoDB request units it charges for a write."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cost import Meter, item_size, read_units

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^usd_per_million=(\d+\.\d+) calls_per_frame_nohit=(\d+\.\d+) lambda_ms_per_frame=(\d+\.\d+) "
    r"cold_start_s=(\d+\.\d+)$"
)
CALLS_LINE = re.compile(r"^calls (\S+) runs=(\d+) per_run=(\d+\.\d+)((?: [\w-]+\.\w+=\d+\.\d+)*)$")


@pytest.fixture(scope="module")
def output() -> list[str]:
    # One generated frame of each kind, one cold start, a small loaded table: the whole run on moto
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = ["--frames-per-kind", "1", "--cold-runs", "1", "--load-reads", "50"]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.cost", *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.splitlines()


def _contract(output: list[str]) -> tuple[float, ...]:
    match = LAST_LINE.match(output[-1])
    assert match, output[-1]
    return tuple(float(g) for g in match.groups())


def _calls(output: list[str]) -> dict[str, tuple[float, dict[str, float]]]:
    paths = {}
    for line in output:
        match = CALLS_LINE.match(line)
        if match:
            operations = dict(item.split("=") for item in match.group(4).split())
            paths[match.group(1)] = (float(match.group(3)), {op: float(n) for op, n in operations.items()})
    return paths


def test_the_last_line_is_the_contract(output: list[str]) -> None:
    # Given the benchmark's output
    # Then its last line is the four figures as floats, in order
    usd, calls, ms, cold = _contract(output)
    # And each is a measurement, not a placeholder
    assert usd > 0 and calls > 0 and ms > 0 and cold > 0


def test_calls_are_counted_per_path_by_operation(output: list[str]) -> None:
    # Given the calls lines, one per path
    paths = _calls(output)
    # Then every frame kind through ingest, both sweeper runs, and each kind's destruction at expiry have one
    kinds = ("nohit", "hit", "repeat", "noplate", "quarantine")
    expected = {f"ingest/{k}" for k in kinds} | {f"expiry/{k}" for k in kinds} | {"sweeper/idle", "sweeper/loaded"}
    assert set(paths) == expected
    # And each path's operations add up to its calls per run
    for path, (per_run, operations) in paths.items():
        assert sum(operations.values()) == pytest.approx(per_run), path
    # And the paths differ as the handler does: a first hit publishes its alert, quarantine copies the frame
    assert operations_of(paths, "ingest/hit").get("sns.Publish") == 1
    assert "sns.Publish" not in operations_of(paths, "ingest/nohit")
    assert operations_of(paths, "ingest/quarantine").get("s3.CopyObject") == 1
    # And a no-hit frame's destruction deletes its items and its objects (its crop and its frame)
    assert operations_of(paths, "expiry/nohit").get("dynamodb.DeleteItem", 0) >= 1
    assert operations_of(paths, "expiry/nohit").get("s3.DeleteObjects", 0) >= 1
    # And no call went unattributed (a worker thread's calls are the handler's too)
    assert not [line for line in output if "did not attribute" in line]
    # And the contract line's no-hit figure is that path's
    assert _contract(output)[1] == pytest.approx(paths["ingest/nohit"][0])


def operations_of(paths: dict[str, tuple[float, dict[str, float]]], path: str) -> dict[str, float]:
    return paths[path][1]


def test_the_table_prices_every_service_and_totals_them(output: list[str]) -> None:
    # Given the table by service (service, USD/month, USD per million images, share)
    start = next(n for n, line in enumerate(output) if line.startswith("service ") and "share" in line)
    end = next(n for n in range(start, len(output)) if output[n].startswith("total "))
    rows = {line[:16].strip(): line[16:].split() for line in output[start + 1 : end + 1]}  # 16: the name column
    # Then the services the pipeline bills are there, and the total is their sum
    assert {"S3", "DynamoDB", "Lambda", "SQS", "KMS", "CloudWatch Logs"} <= set(rows)
    services = [float(r[0]) for name, r in rows.items() if name != "total"]
    total = float(rows["total"][0])
    assert total == pytest.approx(sum(services), abs=0.05)
    # And the contract line's price per million is the total's (1,000,000 images a month by default)
    assert _contract(output)[0] == pytest.approx(total, abs=0.01)
    # And the comparison with Rekognition text detection is printed
    assert any("Rekognition DetectText alone: $1,000 per million images" in line for line in output)


class _Inspector:
    """describe_table for a table with one ALL index and one KEYS_ONLY index."""

    def describe_table(self, TableName: str) -> dict[str, Any]:
        def index(name: str, key: str, projection: str) -> dict[str, Any]:
            return {
                "IndexName": name,
                "KeySchema": [{"AttributeName": key}],
                "Projection": {"ProjectionType": projection},
            }

        return {
            "Table": {
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [index("all", "day", "ALL"), index("keys", "gone", "KEYS_ONLY")],
            }
        }


def test_a_put_is_charged_a_write_unit_per_kilobyte_in_the_table_and_each_index_it_lands_in() -> None:
    # Given an item of 1,500 bytes that has the ALL index's key but not the KEYS_ONLY index's
    item = {"pk": {"S": "p"}, "day": {"S": "2026-12-02"}, "body": {"S": "x" * (1500 - 3 - 13 - 4)}}
    assert item_size(item) == 1500
    meter = Meter(_Inspector())
    # When its write units are counted
    units, stored = meter._write("reads", None, item)
    # Then it is two units in the table and two in the one index it is in, and stored twice with overhead
    assert units == 4.0
    assert stored == 2 * (1500 + 100)
    # And a read of 5 KB eventually consistent is one unit (half of two 4 KB units)
    assert read_units(5000, consistent=False) == 1.0
