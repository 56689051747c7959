"""Cost model: what a month of PlateGuard costs at a volume, from the real handlers' measured AWS calls.

Run: python -m benchmarks.cost [--images-per-month 1000000] [--mix nohit=96,hit=1,repeat=1,noplate=1,quarantine=1]
                               [--frames DIR] [--frames-per-kind 3] [--cold-runs 3] [--cold-bytecode auto]
                               [--load-reads 5000] [--no-expiry] (docs/cost.md)

It provisions PlateGuard on in-process moto (plateguard.local.provision), seeds the demo cameras and hot
list, and runs the real ingest Lambda handler on one frame per invocation for each kind of frame: no-hit
(a plate on no list), first hit (a listed plate), repeat hit (the same plate at the same camera within
the alert dedup window), no plate, quarantine (not an image). Frames are synthetic scenes
(plateguard.recognition.synth) unless `--frames DIR` gives them (subfolders named after the kinds). The
retention sweeper handler runs on an idle table and on a loaded one, and a second process measures what
destroying each kind of frame costs the sweeper when it falls due (retention set to one second there).

For every call a handler makes (plateguard.local.aws_calls' botocore recorder, attributed to the
handler) it meters request and response bytes, DynamoDB request units (from the items' sizes and the
table's index projections), the S3 and DynamoDB bytes it leaves stored, and the CPU the handler spent
(time.process_time around the handler, minus the time moto spent answering; one ONNX thread). It then
prices a month at `--images-per-month` with the frame mix from the price table next to this file
(benchmarks/prices_us_east_1.json: us-east-1 list prices with their date), prints the calls per path,
the per-kind figures and a table by service, and as its last line (a contract):
usd_per_million=F calls_per_frame_nohit=F lambda_ms_per_frame=F cold_start_s=F
  usd_per_million: the month's bill divided by the images, times a million (fixed costs included);
  calls_per_frame_nohit: AWS calls the ingest handler makes for one no-hit frame;
  lambda_ms_per_frame: estimated billed ingest Lambda ms per frame over the mix (CPU measured here,
    scaled below one vCPU, plus --call-latency-ms per AWS call);
  cold_start_s: median time from spawning a fresh interpreter that imports the ingest handler to the
    handler's result for one frame (against a moto server, so moto's own import is not counted), with
    compiled bytecode as the Lambda package has it (--cold-bytecode auto: none today).

What is modelled rather than measured is said where it is priced (docs/cost.md): the camera's upload PUT,
the S3 -> SQS notification and the poller's receive and delete per batch, Lambda's platform log lines,
X-Ray traces (active tracing, default sampling), storage held for the retention periods, KMS keys.
"""

from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import dataclasses
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

REGION = "us-east-1"  # where the price table is from
ROOT = Path(__file__).resolve().parent.parent
PRICES_FILE = Path(__file__).with_name("prices_us_east_1.json")
INGEST = "plateguard.handlers.ingest.handle_ingest_batch"
SWEEPER = "plateguard.handlers.sweeper.handle_retention_sweep"
KINDS = ("nohit", "hit", "repeat", "noplate", "quarantine")
DEFAULT_MIX = "nohit=96,hit=1,repeat=1,noplate=1,quarantine=1"
HIT_PLATES = ("7KDR394", "5MNB217", "3HVW872", "6TRJ244", "8GHX913", "2PLM580")
SECONDS_PER_MONTH = 30 * 86_400
ONE_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB; below it CPU time stretches in proportion
PLATFORM_LOG_BYTES_PER_INVOCATION = 600  # Lambda's own START/END/REPORT records in JSON format (estimate)
XRAY_RESERVOIR_PER_SECOND = 1.0  # X-Ray's default sampling rule: the first request each second, then 5 %
XRAY_FIXED_RATE = 0.05
DYNAMODB_ITEM_OVERHEAD_BYTES = 100  # what DynamoDB adds to each stored item (and index entry)
# S3 operations billed at the PUT, COPY, POST, LIST rate (the rest at the GET rate, deletes free).
S3_LIST_CLASS = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2", "ListObjectVersions",
                 "ListBuckets", "ListMultipartUploads", "CreateMultipartUpload", "UploadPart"}  # fmt: skip
S3_FREE = {"DeleteObject", "DeleteObjects", "AbortMultipartUpload"}


# -- what the CDK app deploys (read from its source: synthesizing is slow) --------------------------------


def _cdk_number(path: str, pattern: str, default: float) -> float:
    """A constant of the CDK app as written in its source (the default when it cannot be found)."""
    try:
        match = re.search(pattern, (ROOT / path).read_text(), re.MULTILINE)
    except OSError:
        return default
    return float(match.group(1)) if match else default


def cdk_defaults() -> dict[str, float]:
    return {
        "memory_mb": _cdk_number("cdk/constructs/ingest.py", r"^MEMORY_MB\s*=\s*(\d+)", 2048),
        "batch_size": _cdk_number("cdk/constructs/ingest.py", r"^BATCH_SIZE\s*=\s*(\d+)", 5),
        "sweeper_memory_mb": _cdk_number("cdk/constructs/retention.py", r"memory_size=(\d+)", 1024),
        "sweep_interval_s": _cdk_number("cdk/config.py", r"sweep_interval_seconds:\s*int\s*=\s*(\d+)", 900),
        "read_retention_days": _cdk_number("cdk/config.py", r"read_retention_days:\s*float\s*=\s*([\d.]+)", 30),
        "hit_retention_days": _cdk_number("cdk/config.py", r"hit_retention_days:\s*float\s*=\s*([\d.]+)", 365),
        "image_retention_days": _cdk_number("cdk/config.py", r"image_retention_days:\s*float\s*=\s*([\d.]+)", 30),
        **dict(zip(("kms_keys", "kms_rotated_keys"), map(float, cdk_kms_keys()), strict=True)),
    }


def _is_kms_key(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "Key" and getattr(func.value, "id", "") == "kms"


def _rotates(call: ast.Call) -> bool:
    return any(
        k.arg == "enable_key_rotation" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def cdk_kms_keys() -> tuple[int, int]:
    """Customer managed keys the CDK app creates, and how many rotate yearly: each `kms.Key(...)` call,
    where a helper method that returns one counts once per call of the helper."""
    keys = rotated = 0
    for path in sorted((ROOT / "cdk").rglob("*.py")):
        tree = ast.parse(path.read_text())
        helpers = {}  # method name -> whether its key rotates
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                made = [c for c in ast.walk(node) if isinstance(c, ast.Call) and _is_kms_key(c)]
                if made and any(isinstance(r, ast.Return) for r in ast.walk(node)):
                    helpers[node.name] = _rotates(made[0])
        in_helpers = {
            id(c)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name in helpers
            for c in ast.walk(node)
        }
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and id(n) not in in_helpers):
            name = getattr(call.func, "attr", None)
            if _is_kms_key(call) or name in helpers:
                keys += 1
                rotated += _rotates(call) if _is_kms_key(call) else helpers[str(name)]
    return keys, rotated


# -- DynamoDB request units and stored bytes --------------------------------------------------------------


def _value_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for one attribute value (low-level JSON form)."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        digits = str(data).lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(data) if isinstance(data, bytes | bytearray) else len(base64.b64decode(data))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in data)
    if kind == "NS":
        return sum(_value_size({"N": n}) for n in data)
    if kind == "BS":
        return sum(_value_size({"B": b}) for b in data)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_size(v) for k, v in data.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + _value_size(value) for name, value in (item or {}).items())


def write_units(size: int) -> float:
    return float(max(1, math.ceil(size / 1024)))


def read_units(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    include: tuple[str, ...]


@dataclass(frozen=True)
class TableShape:
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    def projected_size(self, item: dict[str, Any], index: Index) -> int:
        if index.projection == "ALL":
            return item_size(item)
        names = {*self.keys, *index.keys, *(index.include if index.projection == "INCLUDE" else ())}
        return item_size({k: v for k, v in item.items() if k in names})

    def in_index(self, item: dict[str, Any] | None, index: Index) -> bool:
        return item is not None and all(k in item for k in index.keys)


@dataclass
class MeteredCall:
    service: str
    operation: str
    request_bytes: int = 0
    response_bytes: int = 0
    rru: float = 0.0
    wru: float = 0.0
    dynamodb_stored_bytes: int = 0  # items (and index entries) a PutItem leaves stored
    s3_stored_bytes: dict[str, int] = field(default_factory=dict)  # prefix -> object bytes put
    publish_chunks: int = 0  # 64 KB chunks of an SNS or SQS request (each is billed as one request)


class Meter:
    """Bytes, DynamoDB request units and moto's CPU for every call of a hooked botocore client.

    Installed after the AwsCallRecorder (which counts and attributes the same calls): it wraps the
    recorder's create_client, so both see each client. `inspector` is an unhooked DynamoDB client that
    reads an item before and after an update or delete (its write units follow the larger of the two).
    """

    def __init__(self, inspector: Any) -> None:
        self.inspector = inspector
        self.calls: list[MeteredCall] = []
        self.excluded_cpu = 0.0  # process time spent in moto answering, or in the inspector
        self.recording = False
        self._shapes: dict[str, TableShape] = {}
        self._local = threading.local()
        self._replaced: Any = None

    # -- install ---------------------------------------------------------------------------------------
    def install(self) -> Meter:
        import botocore.session

        self._replaced = botocore.session.Session.create_client
        replaced = self._replaced

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = replaced(session, *args, **kwargs)
            events = client.meta.events
            events.register("before-parameter-build.*.*", self._stash)
            events.register("before-call.*.*", self._before_call)
            events.register_first("before-send.*.*", self._before_send)
            events.register("before-parse.*.*", self._before_parse)
            events.register("after-call.*.*", self._after_call)
            return client

        botocore.session.Session.create_client = create_client
        return self

    def uninstall(self) -> None:
        import botocore.session

        if self._replaced is not None:
            botocore.session.Session.create_client = self._replaced
            self._replaced = None

    # -- hooks -----------------------------------------------------------------------------------------
    def _stash(self, params: Any, context: Any = None, **kwargs: Any) -> None:
        if isinstance(context, dict) and isinstance(params, dict):
            context["cost_params"] = dict(params)

    def _before_call(self, model: Any, context: Any = None, **kwargs: Any) -> None:
        if not self.recording:
            self._local.current = None
            return
        params = (context or {}).get("cost_params", {})
        call = MeteredCall(model.service_model.service_name, model.name)
        self._local.current = call
        self._local.params = params
        self._local.before = self._items_touched(call, params) if call.service == "dynamodb" else {}

    def _before_send(self, request: Any = None, **kwargs: Any) -> None:
        call = getattr(self._local, "current", None)
        if call is None:
            return
        body = getattr(request, "body", None)
        if isinstance(body, bytes | bytearray | str):
            call.request_bytes = len(body)
        else:
            call.request_bytes = int((getattr(request, "headers", None) or {}).get("Content-Length", 0) or 0)
        self._local.sent_at = time.process_time()

    def _before_parse(self, response_dict: Any = None, operation_model: Any = None, **kwargs: Any) -> None:
        call = getattr(self._local, "current", None)
        sent_at = getattr(self._local, "sent_at", None)
        if call is None or sent_at is None:
            return
        self.excluded_cpu += time.process_time() - sent_at
        self._local.sent_at = None
        headers = (response_dict or {}).get("headers") or {}
        body = (response_dict or {}).get("body")
        length = headers.get("content-length") or headers.get("Content-Length")
        if call.operation.startswith("Head"):
            call.response_bytes = 0  # headers only: Content-Length is the object's size, not what came back
        elif length is not None:
            call.response_bytes = int(length)
        elif isinstance(body, bytes | bytearray | str):
            call.response_bytes = len(body)

    def _after_call(self, parsed: Any = None, model: Any = None, context: Any = None, **kwargs: Any) -> None:
        call = getattr(self._local, "current", None)
        if call is None:
            return
        self._local.current = None
        params: dict[str, Any] = getattr(self._local, "params", {})
        started = time.process_time()
        if call.service == "dynamodb":
            self._dynamodb_units(call, params, parsed or {})
        elif call.service == "s3" and call.operation == "PutObject":
            prefix = str(params.get("Key", "")).split("/", 1)[0]
            body = params.get("Body", b"")
            size = len(body) if isinstance(body, bytes | bytearray | str) else call.request_bytes
            call.s3_stored_bytes[prefix] = size
            call.request_bytes = max(call.request_bytes, size)  # a streamed body is not seen at before-send
        elif call.service in ("sns", "sqs"):
            call.publish_chunks = max(1, math.ceil(call.request_bytes / 65_536))
        self.excluded_cpu += time.process_time() - started
        self.calls.append(call)

    # -- DynamoDB --------------------------------------------------------------------------------------
    def shape(self, table: str) -> TableShape:
        if table not in self._shapes:
            started = time.process_time()
            description = self.inspector.describe_table(TableName=table)["Table"]
            indexes = tuple(
                Index(
                    g["IndexName"],
                    tuple(k["AttributeName"] for k in g["KeySchema"]),
                    g["Projection"]["ProjectionType"],
                    tuple(g["Projection"].get("NonKeyAttributes", ())),
                )
                for g in description.get("GlobalSecondaryIndexes", []) + description.get("LocalSecondaryIndexes", [])
            )
            self._shapes[table] = TableShape(tuple(k["AttributeName"] for k in description["KeySchema"]), indexes)
            self.excluded_cpu += time.process_time() - started
        return self._shapes[table]

    def _get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        started = time.process_time()
        try:
            item = self.inspector.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        finally:
            self.excluded_cpu += time.process_time() - started
        return item if isinstance(item, dict) else None

    def _items_touched(self, call: MeteredCall, params: dict[str, Any]) -> dict[int, dict[str, Any] | None]:
        """Items as they were before an update or delete (by position in the request)."""
        before: dict[int, dict[str, Any] | None] = {}
        if call.operation in ("UpdateItem", "DeleteItem"):
            before[0] = self._get(params["TableName"], params["Key"])
        elif call.operation == "TransactWriteItems":
            for n, item in enumerate(params.get("TransactItems", [])):
                for kind in ("Update", "Delete", "ConditionCheck"):
                    if kind in item:
                        before[n] = self._get(item[kind]["TableName"], item[kind]["Key"])
        elif call.operation == "BatchWriteItem":
            n = 0
            for table, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    if "DeleteRequest" in request:
                        before[n] = self._get(table, request["DeleteRequest"]["Key"])
                    n += 1
        return before

    def _write(self, table: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[float, int]:
        """Write units of one item write (base table and each index it is in before or after), and the
        bytes the new item occupies stored."""
        shape = self.shape(table)
        units = write_units(max(item_size(before), item_size(after)))
        stored = item_size(after) + DYNAMODB_ITEM_OVERHEAD_BYTES if after is not None else 0
        for index in shape.indexes:
            sizes = [shape.projected_size(i, index) for i in (before, after) if i and shape.in_index(i, index)]
            if sizes:
                units += write_units(max(sizes))
            if after is not None and shape.in_index(after, index):
                stored += shape.projected_size(after, index) + DYNAMODB_ITEM_OVERHEAD_BYTES
        return units, stored

    def _dynamodb_units(self, call: MeteredCall, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        before: dict[int, dict[str, Any] | None] = getattr(self._local, "before", {})
        operation = call.operation
        consistent = bool(params.get("ConsistentRead"))
        if operation == "PutItem":
            call.wru, call.dynamodb_stored_bytes = self._write(params["TableName"], None, params["Item"])
        elif operation == "UpdateItem":
            after = self._get(params["TableName"], params["Key"])
            call.wru, _ = self._write(params["TableName"], before.get(0), after)
        elif operation == "DeleteItem":
            call.wru, _ = self._write(params["TableName"], before.get(0), None)
        elif operation == "BatchWriteItem":
            n = 0
            for table, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    if "PutRequest" in request:
                        units, stored = self._write(table, None, request["PutRequest"]["Item"])
                        call.dynamodb_stored_bytes += stored
                    else:
                        units, _ = self._write(table, before.get(n), None)
                    call.wru += units
                    n += 1
        elif operation == "TransactWriteItems":
            for n, item in enumerate(params.get("TransactItems", [])):
                if "Put" in item:
                    units, stored = self._write(item["Put"]["TableName"], None, item["Put"]["Item"])
                    call.dynamodb_stored_bytes += stored
                elif "Update" in item:
                    units, _ = self._write(
                        item["Update"]["TableName"],
                        before.get(n),
                        self._get(item["Update"]["TableName"], item["Update"]["Key"]),
                    )
                elif "Delete" in item:
                    units, _ = self._write(item["Delete"]["TableName"], before.get(n), None)
                else:
                    units = write_units(item_size(before.get(n)))
                call.wru += 2 * units  # a transaction writes twice (prepare and commit)
        elif operation == "GetItem":
            call.rru = read_units(item_size(parsed.get("Item")), consistent)
        elif operation in ("Query", "Scan"):
            call.rru = read_units(sum(item_size(i) for i in parsed.get("Items", [])), consistent)
        elif operation == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                call.rru += sum(read_units(item_size(i), False) for i in items)
        elif operation == "TransactGetItems":
            call.rru = sum(2 * read_units(item_size(r.get("Item")), True) for r in parsed.get("Responses", []))


# -- measuring one path -------------------------------------------------------------------------------------


@dataclass
class PathMeasure:
    """What one path (a frame kind through ingest, a sweeper run) cost, summed over its `runs`."""

    path: str
    runs: int = 0
    calls: Counter[str] = field(default_factory=Counter)  # "service.Operation" -> calls (the recorder's)
    metered: list[MeteredCall] = field(default_factory=list)
    cpu_s: float = 0.0  # handler process time, moto excluded
    log_bytes: int = 0  # what the handler wrote to stdout (CloudWatch Logs in Lambda)
    frame_bytes: int = 0  # uploaded frames (ingest paths)
    unattributed: int = 0  # calls the meter saw that the recorder did not attribute to the handler

    def per_run(self, value: float) -> float:
        return value / self.runs if self.runs else 0.0

    @property
    def calls_per_run(self) -> float:
        return self.per_run(sum(self.calls.values()))

    @property
    def cpu_ms_per_run(self) -> float:
        return self.per_run(self.cpu_s * 1000)

    def metered_sum(self, attribute: str) -> float:
        return sum(float(getattr(c, attribute)) for c in self.metered)

    def s3_stored(self, prefix: str) -> int:
        return sum(c.s3_stored_bytes.get(prefix, 0) for c in self.metered)

    def summary(self) -> Summary:
        """Per run: what pricing needs."""
        billable: dict[str, float] = defaultdict(float)
        for call in self.metered:
            if call.service == "s3" and call.operation in S3_FREE:
                billable["s3_delete"] += 1
            elif call.service == "s3":
                billable["s3_put_class" if call.operation in S3_LIST_CLASS else "s3_get_class"] += 1
            elif call.service == "dynamodb":
                billable["wru"] += call.wru
                billable["rru"] += call.rru
            elif call.service in ("sns", "sqs"):
                billable[call.service] += call.publish_chunks
            elif call.service == "kms":
                billable["kms"] += 1
            else:
                billable[f"unpriced {call.service}.{call.operation}"] += 1
        return Summary(
            path=self.path,
            runs=self.runs,
            calls={op: self.per_run(n) for op, n in self.calls.items()},
            cpu_ms=self.cpu_ms_per_run,
            log_bytes=self.per_run(self.log_bytes),
            request_bytes=self.per_run(self.metered_sum("request_bytes")),
            response_bytes=self.per_run(self.metered_sum("response_bytes")),
            billable={k: self.per_run(v) for k, v in billable.items()},
            dynamodb_stored_bytes=self.per_run(self.metered_sum("dynamodb_stored_bytes")),
            crop_bytes=self.per_run(self.s3_stored("crops")),
            frame_bytes=self.per_run(self.frame_bytes),
        )


@dataclass
class Summary:
    """One path per run (a frame through ingest, a sweeper run, a frame's destruction at expiry)."""

    path: str
    runs: int
    calls: dict[str, float]  # "service.Operation" -> calls
    cpu_ms: float
    log_bytes: float
    request_bytes: float
    response_bytes: float
    billable: dict[str, float]  # s3_*, wru, rru, sns, sqs, kms (64 KB chunks for SNS/SQS): _BILLABLE
    dynamodb_stored_bytes: float = 0.0
    crop_bytes: float = 0.0
    frame_bytes: float = 0.0

    @property
    def calls_per_run(self) -> float:
        return sum(self.calls.values())

    def minus(self, baseline: Summary, path: str) -> Summary:
        """What this run cost beyond `baseline` (e.g. a sweep with a frame due, less an idle sweep)."""

        def less(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
            return {k: v - b.get(k, 0.0) for k, v in a.items() if v - b.get(k, 0.0) > 1e-9}

        return Summary(
            path=path,
            runs=self.runs,
            calls=less(self.calls, baseline.calls),
            cpu_ms=max(0.0, self.cpu_ms - baseline.cpu_ms),
            log_bytes=max(0.0, self.log_bytes - baseline.log_bytes),
            request_bytes=max(0.0, self.request_bytes - baseline.request_bytes),
            response_bytes=max(0.0, self.response_bytes - baseline.response_bytes),
            billable=less(self.billable, baseline.billable),
        )


@contextlib.contextmanager
def _captured_stdout() -> Iterator[list[int]]:
    """The bytes written to file descriptor 1 inside the block (Powertools' logger writes there)."""
    size: list[int] = [0]
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield size
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            size[0] = sink.seek(0, os.SEEK_END)


class LambdaContext:
    """The fields Powertools reads from Lambda's context object."""

    def __init__(self, function_name: str, memory_mb: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "cost-benchmark"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def measure_call(measure: PathMeasure, handler: str, recorder: Any, meter: Meter, run: Callable[[], Any]) -> Any:
    """Run one handler invocation, adding its calls (the recorder's, attributed to `handler`), metered bytes,
    CPU and log bytes to `measure`."""
    from plateguard.local.aws_calls import invoking

    first_record = len(recorder.attributed())
    first_metered = len(meter.calls)
    meter.recording = True
    excluded = meter.excluded_cpu
    with _captured_stdout() as log_bytes:
        started = time.process_time()
        try:
            with invoking(handler):
                result = run()
        finally:
            cpu = time.process_time() - started - (meter.excluded_cpu - excluded)
            meter.recording = False
    measure.runs += 1
    measure.cpu_s += cpu
    measure.log_bytes += log_bytes[0]
    recorded = [r for r in recorder.attributed()[first_record:] if r.principal == handler]
    measure.calls.update(f"{r.service}.{r.operation}" for r in recorded)
    measure.metered += meter.calls[first_metered:]
    if len(recorded) != len(meter.calls) - first_metered:
        measure.unattributed += len(meter.calls) - first_metered - len(recorded)
    return result


# -- frames -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    kind: str
    body: bytes
    plate: str | None = None  # the plate drawn in a generated frame


def generated_frames(per_kind: int, seed: int) -> list[Frame]:
    """Synthetic 1280x720 scenes: one plate each (no-hit: a random plate; hits: listed plates), none, or
    bytes that are not an image."""
    import random

    from plateguard.logic.imaging import encode_jpeg
    from plateguard.recognition.synth import render_scene

    rng = random.Random(seed)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    frames = []
    for n in range(per_kind):
        plate = f"{rng.randrange(1, 10)}{''.join(rng.choices(letters, k=3))}{rng.randrange(1000):03d}"
        frames.append(Frame("nohit", encode_jpeg(render_scene([plate], seed=seed + n)), plate))
    for n in range(per_kind):
        plate = HIT_PLATES[n % len(HIT_PLATES)]
        frames.append(Frame("hit", encode_jpeg(render_scene([plate], seed=seed + 100 + n)), plate))
    for n in range(per_kind):
        plate = HIT_PLATES[n % min(per_kind, len(HIT_PLATES))]  # a plate the hit frames alerted on
        frames.append(Frame("repeat", encode_jpeg(render_scene([plate], seed=seed + 200 + n)), plate))
    frames += [Frame("noplate", encode_jpeg(render_scene([], seed=seed + 300 + n))) for n in range(per_kind)]
    frames += [Frame("quarantine", b"GIF89a this is not a camera frame %d" % n) for n in range(per_kind)]
    return frames


def directory_frames(directory: Path, per_kind: int, seed: int) -> list[Frame]:
    """Frames from DIR/<kind>/* (files at the top level are no-hit frames); kinds with none are generated.
    Hit and repeat frames must show plates on the hot list (--hotlist)."""
    given: dict[str, list[Frame]] = {kind: [] for kind in KINDS}
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            kind = path.parent.name if path.parent != directory else "nohit"
            if kind in given:
                given[kind].append(Frame(kind, path.read_bytes()))
    generated = generated_frames(per_kind, seed)
    return [f for kind in KINDS for f in (given[kind] or [g for g in generated if g.kind == kind])]


# -- the benchmark run --------------------------------------------------------------------------------------


@dataclass
class Measurements:
    ingest: dict[str, Summary]  # frame kind -> one frame through the ingest handler
    sweeper_idle: Summary
    sweeper_loaded: Summary
    expiry: dict[str, Summary] = field(default_factory=dict)  # frame kind -> its destruction by the sweeper
    mismatches: list[str] = field(default_factory=list)
    cold_start_s: list[tuple[float, float, float]] = field(default_factory=list)  # wall, CPU, import CPU (s)
    loaded_reads: int = 0
    cold_bytecode: str = ""


def _handler_environment(resources: Any, settings: dict[str, float]) -> dict[str, str]:
    return {
        **resources.environment(),
        "AWS_REGION": REGION,
        "RECOGNITION_THREADS": "1",
        "POWERTOOLS_SERVICE_NAME": "plateguard",
        "POWERTOOLS_METRICS_NAMESPACE": "PlateGuard",
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here; traces are priced, not measured
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # The sweeper's object ages, as cdk/config.py sets them from the retention periods.
        "IMAGES_RETENTION_SECONDS": str(round(settings["image_retention_days"] * 86_400)),
        "CROPS_RETENTION_SECONDS": str(round(settings["hit_retention_days"] * 86_400)),
        "SWEEP_INTERVAL_SECONDS": str(int(settings["sweep_interval_s"])),
    }


def _seed(hotlist: list[str]) -> None:
    from plateguard.dal.repositories import DynamoIngestRepository
    from plateguard.local.seed import DEMO_AGENCY, seed_demo_data
    from plateguard.models.records import HotListEntry

    repository = DynamoIngestRepository()
    seed_demo_data(repository)
    expires = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    for plate in hotlist:
        repository.put_hotlist_entry(
            HotListEntry(
                DEMO_AGENCY, "stolen-vehicles", plate, "stolen-vehicle", "high", "cost benchmark", "BENCH-0001", expires
            )
        )


def _upload(s3: Any, bucket: str, body: bytes, camera_id: str) -> tuple[str, str | None]:
    from plateguard.local.seed import DEMO_AGENCY
    from plateguard.logic.keys import build_upload_key

    now = datetime.now(UTC)
    key = build_upload_key(DEMO_AGENCY, camera_id, now, str(uuid.uuid4()))
    response = s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={"captured-at": now.isoformat()})
    return key, response.get("VersionId")


def _sqs_event(bucket: str, key: str, version: str | None, size: int, queue_arn: str) -> dict[str, Any]:
    """The SQS event Lambda's poller hands the ingest function for one S3 notification."""
    notification = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": datetime.now(UTC).isoformat(),
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote_plus(key), "size": size, "versionId": version, "eTag": uuid.uuid4().hex},
                },
            }
        ]
    }
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": uuid.uuid4().hex,
                "body": json.dumps(notification),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        ]
    }


def _expected(kind: str, outcome: Any) -> bool:
    value = getattr(getattr(outcome, "outcome", None), "value", None)
    alerts = bool(getattr(outcome, "alert_ids", ()))
    return {
        "nohit": value == "reads_stored" and not alerts,
        "hit": value == "reads_stored" and alerts,
        "repeat": value == "reads_stored",
        "noplate": value == "no_plate",
        "quarantine": value == "quarantined",
    }[kind]


def _pad_reads(dynamodb: Any, table: str, copies: int) -> int:
    """Copies of a stored read under new ids (not due for years): a loaded table for the sweeper."""
    items = dynamodb.scan(TableName=table, Limit=1).get("Items", [])
    read_id = items[0].get("read_id", {}).get("S") if items else None
    if not read_id or copies <= 0:
        return 0
    template = items[0]
    requests = []
    for _ in range(copies):
        new_id = uuid.uuid4().hex[:24]
        item = {k: ({"S": v["S"].replace(read_id, new_id)} if "S" in v else v) for k, v in template.items()}
        requests.append({"PutRequest": {"Item": item}})
    for start in range(0, len(requests), 25):
        dynamodb.batch_write_item(RequestItems={table: requests[start : start + 25]})
    return copies


class _World:
    """PlateGuard on in-process moto with the recorder and the meter installed (one per process: the
    handlers read their settings from the environment once)."""

    def __init__(self, settings: dict[str, float], hotlist: list[str], environment: dict[str, str]) -> None:
        self.settings = settings
        self.hotlist = hotlist
        self.environment = environment

    def __enter__(self) -> _World:
        import boto3
        from moto import mock_aws

        from plateguard.dal.tables import bind_tables
        from plateguard.local.aws_calls import AwsCallRecorder
        from plateguard.local.provision import provision
        from plateguard.local.seed import DEMO_CAMERAS

        self._mock = mock_aws()
        self._mock.start()
        # Created before the recorder and the meter: their calls (setup, uploads, checks) are not counted.
        self.clients = {n: boto3.client(n, region_name=REGION) for n in ("dynamodb", "s3", "sqs", "sns")}
        self.resources = provision(self.clients, REGION, prefix=f"cost-{uuid.uuid4().hex[:6]}")
        os.environ.update({**_handler_environment(self.resources, self.settings), **self.environment})
        bind_tables(self.resources.table_names, region=REGION, host=None)
        _seed(self.hotlist)
        self.camera = DEMO_CAMERAS[0].camera_id
        self.recorder = AwsCallRecorder().install()
        self.meter = Meter(self.clients["dynamodb"]).install()
        self.ingest_context = LambdaContext("plateguard-ingest", int(self.settings["memory_mb"]))
        self.sweeper_context = LambdaContext("plateguard-sweeper", int(self.settings["sweeper_memory_mb"]))
        return self

    def __exit__(self, *exc: object) -> None:
        self.meter.uninstall()
        self.recorder.uninstall()
        self._mock.stop()

    def ingest(self, body: bytes, target: PathMeasure) -> tuple[str, str | None]:
        from plateguard.handlers.ingest import handle_ingest_batch

        bucket = self.resources.images_bucket
        key, version = _upload(self.clients["s3"], bucket, body, self.camera)
        event = _sqs_event(bucket, key, version, len(body), self.resources.ingest_queue_arn)
        response = measure_call(
            target, INGEST, self.recorder, self.meter, lambda: handle_ingest_batch(event, self.ingest_context)
        )
        if response.get("batchItemFailures"):
            raise RuntimeError(f"the ingest handler failed the frame {key}: {response}")
        target.frame_bytes += len(body)
        return key, version

    def sweep(self, target: PathMeasure) -> None:
        from plateguard.handlers.sweeper import handle_retention_sweep

        measure_call(
            target, SWEEPER, self.recorder, self.meter, lambda: handle_retention_sweep({}, self.sweeper_context)
        )

    def outcome(self, key: str, version: str | None) -> Any:
        from plateguard.dal.repositories import DynamoIngestRepository

        # Outside `invoking` and outside a measurement: not counted.
        return DynamoIngestRepository().get_outcome(key, version, self.resources.images_bucket)


def _unattributed(measures: list[PathMeasure]) -> list[str]:
    return [
        f"{m.path}: {m.unattributed} calls the recorder did not attribute to the handler (priced, not in calls)"
        for m in measures
        if m.unattributed
    ]


def run(frames: list[Frame], settings: dict[str, float], hotlist: list[str], load_reads: int) -> Measurements:
    with _World(settings, hotlist, {}) as world:
        warm_up = PathMeasure("warm-up")
        sweeper_idle = PathMeasure("sweeper/idle")
        world.sweep(warm_up)  # the second run is the one counted: its imports are done
        world.sweep(sweeper_idle)
        # A first frame builds the container (clients, ONNX sessions, hot-list cache): not counted.
        world.ingest(next(f for f in frames if f.kind == "nohit").body, warm_up)
        ingested = {kind: PathMeasure(f"ingest/{kind}") for kind in KINDS}
        done = [(frame, *world.ingest(frame.body, ingested[frame.kind])) for frame in frames]
        mismatches = [
            f"{frame.kind} frame {frame.plate or ''} ended {outcome}"
            for frame, key, version in done
            if not _expected(frame.kind, outcome := world.outcome(key, version))
        ]
        padded = _pad_reads(world.clients["dynamodb"], world.resources.table_names["ReadsTable"], load_reads)
        sweeper_loaded = PathMeasure("sweeper/loaded")
        world.sweep(sweeper_loaded)
    mismatches += _unattributed([*ingested.values(), sweeper_idle, sweeper_loaded])
    return Measurements(
        {kind: m.summary() for kind, m in ingested.items() if m.runs},
        sweeper_idle.summary(),
        sweeper_loaded.summary(),
        mismatches=mismatches,
        loaded_reads=padded + sum(1 for f, _, _ in done if f.kind != "noplate" and f.kind != "quarantine"),
    )


# -- destruction at expiry ----------------------------------------------------------------------------------

EXPIRY_KINDS = ("nohit", "hit", "noplate", "quarantine")  # a repeat hit is destroyed as a no-hit read is
EXPIRY_SECONDS = 1.0  # the probe's retention: every read, record and alert falls due a second after ingest


def expiry_probe(frames: list[Frame], settings: dict[str, float], hotlist: list[str]) -> dict[str, Any]:
    """For one frame of each kind: ingest it with every retention at one second, wait until it is due, and
    sweep; the sweep less an idle one is what destroying that frame costs (its items and its objects).
    Runs in its own process (`--expiry-probe`): the retention settings are read once per process."""
    days = f"{EXPIRY_SECONDS / 86_400:.10f}"
    retention = {"READ_RETENTION_DAYS": days, "HIT_RETENTION_DAYS": days, "ALERT_RETENTION_DAYS": days}
    result: dict[str, Any] = {"mismatches": []}
    with _World(settings, hotlist, retention) as world:
        warm_up = PathMeasure("warm-up")
        idle = PathMeasure("sweeper/idle")
        world.sweep(warm_up)
        world.sweep(idle)
        world.ingest(next(f for f in frames if f.kind == "nohit").body, warm_up)
        _until_due()
        world.sweep(warm_up)  # the warm-up frame's destruction is not counted
        result["idle"] = asdict(idle.summary())
        swept_all = [idle]
        for kind in EXPIRY_KINDS:
            frame = next(f for f in frames if f.kind == kind)
            key, version = world.ingest(frame.body, PathMeasure("ingest"))
            _until_due()
            swept = PathMeasure(f"expiry/{kind}")
            world.sweep(swept)
            if world.outcome(key, version) is not None:
                result["mismatches"].append(f"expiry probe: the {kind} frame's record was not destroyed")
            result[kind] = asdict(swept.summary())
            swept_all.append(swept)
    result["mismatches"] += _unattributed(swept_all)
    return result


def _until_due() -> None:
    """Sleep until what was just written with EXPIRY_SECONDS' retention is due (expiry is whole seconds)."""
    due = math.floor(time.time() + EXPIRY_SECONDS) + 1.05
    time.sleep(max(0.0, due - time.time()))


def _summary(data: dict[str, Any]) -> Summary:
    return Summary(**data)


@contextlib.contextmanager
def expiry_probe_process(argv: list[str]) -> Iterator[Callable[[], tuple[dict[str, Summary], list[str]]]]:
    """The probe in a process of its own, started now (it mostly sleeps: the main run goes on meanwhile);
    the function yielded waits for it and gives each kind's sweep less the idle sweep, per destroyed frame."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "expiry.json"
        command = [sys.executable, "-m", "benchmarks.cost", *argv, "--expiry-probe", str(out)]
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": path}, stdout=subprocess.DEVNULL)

        def result() -> tuple[dict[str, Summary], list[str]]:
            if child.wait(timeout=600) != 0:
                raise RuntimeError(f"the expiry probe failed (exit {child.returncode})")
            return _expiry_costs(json.loads(out.read_text()))

        try:
            yield result
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()


def _expiry_costs(data: dict[str, Any]) -> tuple[dict[str, Summary], list[str]]:
    idle = _summary(data["idle"])
    costs = {kind: _summary(data[kind]).minus(idle, f"expiry/{kind}") for kind in EXPIRY_KINDS}
    costs["repeat"] = dataclasses.replace(costs["nohit"], path="expiry/repeat")
    return costs, list(data["mismatches"])


# -- cold start ---------------------------------------------------------------------------------------------

# Lambda's runtime brings the standard library, boto3 and its dependencies compiled; what the function's
# code and layers ship without .pyc is compiled from source on every cold start (/var/task is read-only).
# The child loads every module outside those from source (a path hook ahead of the default one).
LAMBDA_RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
_UNCACHED_PRELUDE = f"""
    import importlib.machinery as machinery, os
    class Uncached(machinery.SourceFileLoader):
        def get_data(self, path):
            if path.endswith(".pyc"):
                raise OSError("no bytecode shipped")
            return super().get_data(path)
        def set_data(self, *args, **kwargs):
            pass
    runtime = tuple(os.sep.join(("site-packages", p)) for p in {LAMBDA_RUNTIME_PACKAGES!r})
    runtime += tuple(os.sep.join(("site-packages", p + ".py")) for p in {LAMBDA_RUNTIME_PACKAGES!r})
    def hook(path, functions={str(ROOT / "functions")!r}):
        if not os.path.isdir(path):
            raise ImportError("not a directory")
        shipped = ("site-packages" in path or path.startswith(functions)) and not any(r in path for r in runtime)
        source = (Uncached if shipped else machinery.SourceFileLoader, machinery.SOURCE_SUFFIXES)
        extensions = (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES)
        return machinery.FileFinder(path, extensions, source, (machinery.SourcelessFileLoader, [".pyc"]))
    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()
"""

# What Lambda's runtime does on a cold start: import the handler's module, then call it (with a context).
_COLD_CHILD_TEMPLATE = """
import json, sys, time
if sys.argv[3] == "none":
    _UNCACHED_PRELUDE
from plateguard.handlers.ingest import handle_ingest_batch
imported = time.process_time()
class Context:
    function_name, function_version, memory_limit_in_mb = "plateguard-ingest", "$LATEST", int(sys.argv[2])
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:plateguard-ingest"
    aws_request_id, log_group_name, log_stream_name = "cold-start", "/aws/lambda/plateguard-ingest", "cold"
    def get_remaining_time_in_millis(self): return 300000
response = handle_ingest_batch(json.loads(sys.argv[1]), Context())
cpu = {"import_cpu_s": imported, "cpu_s": time.process_time()}
print("COLD-START-RESULT " + json.dumps({"response": response, **cpu}), flush=True)
"""
_COLD_CHILD = _COLD_CHILD_TEMPLATE.replace("    _UNCACHED_PRELUDE\n", _UNCACHED_PRELUDE.lstrip("\n"))


def deployed_bytecode() -> str:
    """ "none" when the Lambda code and layers ship without compiled bytecode (cdk/packaging.py, layers/
    build.py drop it): each cold start then compiles every module it imports, as /var/task is read-only."""
    try:
        packaging = (ROOT / "cdk/packaging.py").read_text() + (ROOT / "layers/build.py").read_text()
    except OSError:
        return "cached"
    return "none" if re.search(r"""["']\*\*/\*\.pyc["']|["']\.pyc["']|["']__pycache__["']""", packaging) else "cached"


def cold_starts(
    runs: int, settings: dict[str, float], hotlist: list[str], frame: bytes, bytecode: str
) -> list[tuple[float, float, float]]:
    """Seconds from spawning a fresh interpreter to the ingest handler's result for one frame, each run a
    new process and a new frame; AWS is a moto server in this process (so moto is not imported there).
    bytecode "none": the function's code and its layers' packages load from source (the standard library
    and boto3 as compiled as Lambda's runtime has them), as in Lambda when the package ships no .pyc;
    "cached": everything compiled, in a cache filled by one untimed run first."""
    if runs <= 0:
        return []
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    from plateguard.dal.tables import bind_tables
    from plateguard.local.provision import provision
    from plateguard.local.seed import DEMO_CAMERAS

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        clients = {
            n: boto3.client(n, region_name=REGION, endpoint_url=endpoint) for n in ("dynamodb", "s3", "sqs", "sns")
        }
        resources = provision(clients, REGION, prefix=f"cold-{uuid.uuid4().hex[:6]}")
        bind_tables(resources.table_names, region=REGION, host=endpoint)
        _seed(hotlist)
        with tempfile.TemporaryDirectory(prefix="cost-pycache-") as cache:
            environment = {**os.environ, **_handler_environment(resources, settings), "AWS_ENDPOINT_URL": endpoint}
            environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
            environment.pop("PYTHONDONTWRITEBYTECODE", None)
            if bytecode == "cached":
                environment["PYTHONPYCACHEPREFIX"] = cache
            timings = []
            for n in range(runs + (bytecode == "cached")):
                key, version = _upload(clients["s3"], resources.images_bucket, frame, DEMO_CAMERAS[0].camera_id)
                event = _sqs_event(resources.images_bucket, key, version, len(frame), resources.ingest_queue_arn)
                timing = _cold_start(event, int(settings["memory_mb"]), environment, bytecode)
                if bytecode == "none" or n > 0:  # a cached run's first fills the cache
                    timings.append(timing)
        return timings
    finally:
        server.stop()


def _cold_start(
    event: dict[str, Any], memory_mb: int, environment: dict[str, str], bytecode: str
) -> tuple[float, float, float]:
    """Wall seconds from spawn to the result, and the child's CPU seconds to the result and to the end of
    its import (CPU: what a loaded machine hardly inflates)."""
    command = [sys.executable, "-c", _COLD_CHILD, json.dumps(event), str(memory_mb), bytecode]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=environment, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    result, elapsed = None, 0.0
    for line in child.stdout:
        if line.startswith("COLD-START-RESULT "):
            elapsed = time.perf_counter() - started
            result = json.loads(line.split(" ", 1)[1])
            break
    child.stdout.read()
    child.wait(timeout=120)
    if result is None or result["response"].get("batchItemFailures"):
        raise RuntimeError(f"the cold-start child failed (exit {child.returncode}): {result}")
    return elapsed, float(result["cpu_s"]), float(result["import_cpu_s"])


# -- pricing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    service: str
    item: str
    quantity: float  # per month
    unit: str
    usd: float  # per month


def _mix(text: str) -> dict[str, float]:
    weights = {kind: 0.0 for kind in KINDS}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, value = part.partition("=")
        if kind not in weights:
            raise SystemExit(f"--mix: unknown frame kind {kind!r} (kinds: {', '.join(KINDS)})")
        weights[kind] = float(value)
    total = sum(weights.values())
    if total <= 0:
        raise SystemExit("--mix: the weights add up to nothing")
    return {kind: w / total for kind, w in weights.items()}


def billed_ms(summary: Summary, memory_mb: float, latency_ms: float) -> float:
    """Lambda ms for one run: CPU measured here (one vCPU at >= 1,769 MB, proportionally less below) plus
    the wait for each AWS call."""
    return summary.cpu_ms * max(1.0, ONE_VCPU_MB / memory_mb) + summary.calls_per_run * latency_ms


_BILLABLE = {  # Summary.billable key -> service, what, unit, price key (and divisor)
    "s3_put_class": ("S3", "PUT/COPY/POST/LIST requests", "requests", "s3_put_copy_post_list_per_1000", 1000),
    "s3_get_class": ("S3", "GET/HEAD/other requests", "requests", "s3_get_and_other_per_1000", 1000),
    "s3_delete": ("S3", "DELETE requests (free)", "requests", "s3_delete_request", 1),
    "wru": ("DynamoDB", "write request units", "units", "dynamodb_on_demand_write_request_unit", 1),
    "rru": ("DynamoDB", "read request units", "units", "dynamodb_on_demand_read_request_unit", 1),
    "sns": ("SNS", "publishes", "requests", "sns_publish_per_64kb", 1),
    "sqs": ("SQS", "requests", "requests", "sqs_standard_request_per_64kb", 1),
    "kms": ("KMS", "requests", "requests", "kms_request", 1),
}


def _request_lines(prefix: str, summary: Summary, runs: float, p: dict[str, float]) -> list[Line]:
    """`runs` runs of a path's billed requests: S3 by request class, DynamoDB by request unit, SNS, SQS,
    KMS by request; anything else is listed unpriced."""
    lines = []
    for key, per_run in summary.billable.items():
        if key in _BILLABLE:
            service, what, unit, price, per = _BILLABLE[key]
            lines.append(Line(service, f"{prefix} {what}", per_run * runs, unit, per_run * runs * p[price] / per))
        else:
            lines.append(Line(key.split()[1].split(".")[0], f"{prefix} {key}", per_run * runs, "requests", 0.0))
    return lines


def price_month(m: Measurements, settings: dict[str, float], args: argparse.Namespace) -> tuple[list[Line], float]:
    """The month's bill by line, and the mix-weighted billed ingest ms per frame."""
    p = json.loads(Path(args.prices).read_text())["prices"]
    mix = _mix(args.mix)
    images = float(args.images_per_month)
    memory_mb, sweeper_mb = settings["memory_mb"], settings["sweeper_memory_mb"]
    invocations = images / settings["batch_size"]
    lines: list[Line] = []
    ms_per_frame = log_bytes = s3_gb_month = dynamodb_gb_month = expiry_gb_s = 0.0
    month_days = SECONDS_PER_MONTH / 86_400
    for kind, share in mix.items():
        summary = m.ingest.get(kind)
        if share == 0 or summary is None:
            continue
        frames = images * share
        ms = billed_ms(summary, memory_mb, args.call_latency_ms)
        ms_per_frame += share * ms
        gb_s = frames * ms / 1000 * memory_mb / 1024
        lines.append(Line("Lambda", f"ingest compute, {kind} frames", gb_s, "GB-s", gb_s * p["lambda_arm64_gb_second"]))
        lines += _request_lines(f"ingest {kind}:", summary, frames, p)
        log_bytes += frames * summary.log_bytes
        # Storage held in the steady state: a month's data kept for its retention.
        keep = settings["hit_retention_days"] if kind in ("hit", "repeat") else settings["read_retention_days"]
        frame_bytes = summary.frame_bytes * (2 if kind == "quarantine" else 1)  # and its quarantine copy
        s3_gb_month += frames * frame_bytes / 1e9 * settings["image_retention_days"] / month_days
        s3_gb_month += frames * summary.crop_bytes / 1e9 * keep / month_days
        dynamodb_gb_month += frames * summary.dynamodb_stored_bytes / 1e9 * keep / month_days
        expiry = m.expiry.get(kind)
        if expiry is not None:  # destroying what the frame left, when it falls due
            lines += _request_lines(f"expiry {kind}:", expiry, frames, p)
            expiry_gb_s += frames * billed_ms(expiry, sweeper_mb, args.call_latency_ms) / 1000 * sweeper_mb / 1024
    lines.append(Line("Lambda", "ingest invocations", invocations, "requests", invocations * p["lambda_request"]))
    put_price = p["s3_put_copy_post_list_per_1000"] / 1000
    lines.append(Line("S3", "camera uploads (PUT incoming/, one per frame)", images, "requests", images * put_price))
    sqs_requests = images + 2 * invocations  # S3's notification, then the poller's receive and delete per batch
    lines.append(
        Line("SQS", "S3 notifications, poller receive + delete per batch", sqs_requests, "requests",
             sqs_requests * p["sqs_standard_request_per_64kb"])
    )  # fmt: skip
    log_bytes += invocations * PLATFORM_LOG_BYTES_PER_INVOCATION
    lines.append(
        Line("S3", "storage: frames, crops, quarantine copies (steady state)", s3_gb_month, "GB-month",
             s3_gb_month * p["s3_standard_gb_month"])
    )  # fmt: skip
    lines.append(
        Line("DynamoDB", "storage: reads, records, alerts and index entries (steady state)", dynamodb_gb_month,
             "GB-month", dynamodb_gb_month * p["dynamodb_storage_gb_month"])
    )  # fmt: skip
    lines.append(
        Line("CloudWatch Logs", "ingest logs (measured) + Lambda platform lines (estimate)", log_bytes / 1e9, "GB",
             log_bytes / 1e9 * p["cloudwatch_logs_ingestion_gb"])
    )  # fmt: skip
    # X-Ray: active tracing, default rule (the first request each second, 5 % of the rest).
    sampled_first = min(invocations, XRAY_RESERVOIR_PER_SECOND * SECONDS_PER_MONTH)
    traces = sampled_first + XRAY_FIXED_RATE * (invocations - sampled_first)
    lines.append(Line("X-Ray", "ingest traces (default sampling)", traces, "traces", traces * p["xray_trace_recorded"]))
    # The sweeper: one run per schedule interval, costed as the loaded run measured, plus each frame's destruction.
    runs = SECONDS_PER_MONTH / settings["sweep_interval_s"]
    sweep = m.sweeper_loaded
    sweep_gb_s = runs * billed_ms(sweep, sweeper_mb, args.call_latency_ms) / 1000 * sweeper_mb / 1024 + expiry_gb_s
    lines.append(
        Line(
            "Lambda",
            "sweeper compute (runs + destruction)",
            sweep_gb_s,
            "GB-s",
            sweep_gb_s * p["lambda_arm64_gb_second"],
        )
    )
    lines.append(Line("Lambda", "sweeper invocations", runs, "requests", runs * p["lambda_request"]))
    lines += _request_lines("sweeper runs:", sweep, runs, p)
    sweep_logs = runs * sweep.log_bytes / 1e9
    lines.append(
        Line(
            "CloudWatch Logs",
            "sweeper logs (measured)",
            sweep_logs,
            "GB",
            sweep_logs * p["cloudwatch_logs_ingestion_gb"],
        )
    )
    lines.append(
        Line("EventBridge", "sweeper schedule (scheduled rule)", runs, "invocations",
             runs * p["eventbridge_scheduled_rule_invocation"])
    )  # fmt: skip
    keys, rotated = settings["kms_keys"], settings["kms_rotated_keys"]
    lines.append(
        Line("KMS", "customer managed keys in the stack", keys, "keys", keys * p["kms_customer_managed_key_month"])
    )
    lines.append(
        Line("KMS", "their yearly rotations (two billed per key, steady state)", 2 * rotated, "key versions",
             2 * rotated * p["kms_rotated_key_version_month"])
    )  # fmt: skip
    return lines, ms_per_frame


# -- output -------------------------------------------------------------------------------------------------


def _format_calls(summary: Summary) -> str:
    by_operation = " ".join(f"{op}={n:.2f}" for op, n in sorted(summary.calls.items()))
    return f"calls {summary.path} runs={summary.runs} per_run={summary.calls_per_run:.2f} {by_operation}".rstrip()


def report(m: Measurements, settings: dict[str, float], args: argparse.Namespace) -> list[str]:
    lines, ms_per_frame = price_month(m, settings, args)
    prices = json.loads(Path(args.prices).read_text())
    images = float(args.images_per_month)
    total = sum(line.usd for line in lines)
    out = [
        f"# PlateGuard cost model: {images:,.0f} images a month, mix {args.mix}, ingest {settings['memory_mb']:.0f} MB "
        f"arm64, batches of {settings['batch_size']:.0f}, sweep every {settings['sweep_interval_s']:.0f} s "
        f"({settings['sweeper_memory_mb']:.0f} MB), {args.call_latency_ms:g} ms per AWS call",
        f"# prices: {prices['region']} list prices as known on {prices['as_of']} ({Path(args.prices).name}); "
        "check the AWS pricing pages",
        f"# sweeper/loaded: {m.loaded_reads} reads stored; expiry/<kind>: a sweep with that frame due, less an idle "
        "sweep (expiry/repeat: as nohit)",
    ]
    out += [f"# warning: {text}" for text in m.mismatches]
    summaries = [*m.ingest.values(), m.sweeper_idle, m.sweeper_loaded, *m.expiry.values()]
    out.append("")
    out += [_format_calls(s) for s in summaries]
    out.append("")
    out.append(
        f"{'path':<18} {'calls':>6} {'cpu_ms':>8} {'billed_ms':>9} {'req_kB':>8} {'resp_kB':>8} {'WRU':>6} "
        f"{'RRU':>6} {'log_B':>6}"
    )
    for s in summaries:
        memory = settings["memory_mb"] if s.path.startswith("ingest") else settings["sweeper_memory_mb"]
        out.append(
            f"{s.path:<18} {s.calls_per_run:>6.2f} {s.cpu_ms:>8.1f} {billed_ms(s, memory, args.call_latency_ms):>9.1f} "
            f"{s.request_bytes / 1000:>8.1f} {s.response_bytes / 1000:>8.1f} {s.billable.get('wru', 0):>6.1f} "
            f"{s.billable.get('rru', 0):>6.1f} {s.log_bytes:>6.0f}"
        )
    out.append("")
    out.append(f"{'service':<16} {'item':<62} {'per month':>14} {'unit':<11} {'USD/month':>11} {'USD/1M img':>10}")
    by_service: dict[str, float] = defaultdict(float)
    for line in sorted(lines, key=lambda line: (line.service, -line.usd)):
        by_service[line.service] += line.usd
        out.append(
            f"{line.service:<16} {line.item[:62]:<62} {line.quantity:>14,.1f} {line.unit:<11} {line.usd:>11.2f} "
            f"{line.usd / images * 1e6:>10.2f}"
        )
    out.append("")
    out.append(f"{'service':<16} {'USD/month':>11} {'USD/1M img':>10} {'share':>6}")
    for service, usd in sorted(by_service.items(), key=lambda kv: -kv[1]):
        out.append(f"{service:<16} {usd:>11.2f} {usd / images * 1e6:>10.2f} {usd / total:>6.1%}")
    out.append(f"{'total':<16} {total:>11.2f} {total / images * 1e6:>10.2f}")
    rekognition = prices["prices"]["rekognition_detect_text_image"] * 1e6
    per_camera_year = total / images * 3_000_000
    out.append(
        f"# per camera-year at 3M images: ${per_camera_year:,.0f}; Rekognition DetectText alone: "
        f"${rekognition:,.0f} per million images (${rekognition * 3:,.0f} per camera-year)"
    )
    cold = statistics.median(wall for wall, _, _ in m.cold_start_s) if m.cold_start_s else 0.0
    if m.cold_start_s:
        bytecode = "no compiled bytecode, as packaged" if m.cold_bytecode == "none" else "bytecode cached"
        walls, cpus, imports = (" ".join(f"{t[n]:.2f}" for t in m.cold_start_s) for n in range(3))
        out.append(
            f"# cold starts ({bytecode}): spawn to result {walls} s; CPU to the result {cpus} s, "
            f"of which the handler's import {imports} s"
        )
    nohit = m.ingest["nohit"].calls_per_run
    out.append(
        f"usd_per_million={total / images * 1e6:.2f} calls_per_frame_nohit={nohit:.2f} "
        f"lambda_ms_per_frame={ms_per_frame:.1f} cold_start_s={cold:.2f}"
    )
    return out


def main(argv: list[str] | None = None) -> None:
    defaults = cdk_defaults()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images-per-month", type=float, default=1_000_000, help="the volume priced")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"frame kinds' shares (default {DEFAULT_MIX})")
    parser.add_argument("--frames", type=Path, help="frames to use: DIR/<kind>/* (kinds: " + ", ".join(KINDS) + ")")
    parser.add_argument("--frames-per-kind", type=int, default=3, help="generated frames of each kind")
    parser.add_argument("--hotlist", default=",".join(HIT_PLATES), help="plates put on the hot list")
    parser.add_argument("--memory-mb", type=int, default=int(defaults["memory_mb"]), help="ingest MemorySize (cdk)")
    parser.add_argument("--batch-size", type=int, default=int(defaults["batch_size"]), help="SQS batch size (cdk)")
    parser.add_argument(
        "--sweep-interval-s", type=int, default=int(defaults["sweep_interval_s"]), help="sweeper schedule (cdk)"
    )
    parser.add_argument("--call-latency-ms", type=float, default=10.0, help="Lambda wait per AWS call")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes timed (0: skip)")
    parser.add_argument(
        "--cold-bytecode",
        choices=("auto", "none", "cached"),
        default="auto",
        help="compiled bytecode in cold starts: none (as Lambda without .pyc), cached, or auto (as packaged)",
    )
    parser.add_argument("--load-reads", type=int, default=5000, help="reads added before the loaded sweep")
    parser.add_argument("--no-expiry", action="store_true", help="skip measuring destruction at expiry")
    parser.add_argument("--prices", type=Path, default=PRICES_FILE, help="price table (JSON, like the default)")
    parser.add_argument("--seed", type=int, default=19, help="of the generated frames")
    parser.add_argument("--expiry-probe", type=Path, help=argparse.SUPPRESS)  # the probe's own process
    args = parser.parse_args(argv)
    settings = {**defaults, "memory_mb": args.memory_mb, "batch_size": args.batch_size,
                "sweep_interval_s": args.sweep_interval_s}  # fmt: skip
    _mix(args.mix)  # refuse a bad mix before the run
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}.items():
        os.environ.setdefault(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ["AWS_DEFAULT_REGION"] = REGION
    hotlist = [p.strip().upper() for p in args.hotlist.split(",") if p.strip()]
    frames = (
        directory_frames(args.frames, args.frames_per_kind, args.seed)
        if args.frames
        else generated_frames(args.frames_per_kind, args.seed)
    )
    if args.expiry_probe:
        args.expiry_probe.write_text(json.dumps(expiry_probe(frames, settings, hotlist)))
        return
    nohit = next(f for f in frames if f.kind == "nohit")
    # Cold starts first, alone: they are wall-clock times.
    bytecode = deployed_bytecode() if args.cold_bytecode == "auto" else args.cold_bytecode
    cold = cold_starts(args.cold_runs, settings, hotlist, nohit.body, bytecode)
    with contextlib.ExitStack() as stack:
        raw = sys.argv[1:] if argv is None else argv
        probe = None if args.no_expiry else stack.enter_context(expiry_probe_process(raw))
        measurements = run(frames, settings, hotlist, args.load_reads)
        measurements.cold_start_s = cold
        measurements.cold_bytecode = bytecode
        if probe is not None:
            measurements.expiry, mismatches = probe()
            measurements.mismatches += mismatches
    for line in report(measurements, settings, args):
        print(line, flush=True)


if __name__ == "__main__":
    main()
