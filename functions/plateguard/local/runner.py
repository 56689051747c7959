"""`plateguard local`: the embedded local AWS (moto's ThreadedMotoServer on 127.0.0.1).

Provisions the same resources as CDK (from plateguard.schema), runs the real ingest handler behind a
local SQS event-source dispatcher, and watches a "device inbox" queue subscribed to the alert topic.
One instance per state directory: a lock file guards it, `.plateguard/local.json` advertises it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from plateguard.local.dispatcher import QueueDispatcher
from plateguard.local.provision import LocalResources, provision

if TYPE_CHECKING:
    from plateguard.compliance.iam_eval import TemplatePolicies
    from plateguard.local.aws_calls import AwsCallRecorder

DEFAULT_STATE_DIR = Path(".plateguard")
INBOX_FILE = "inbox.jsonl"  # alerts delivered to the local device inbox, one JSON object a line
LOCAL_REGION = "us-west-2"
_SERVICES = ("dynamodb", "s3", "sqs", "sns", "kms", "sts", "iot", "iam")
# Local mode never talks to real AWS: these fixed, fake credentials are what moto accepts.
_LOCAL_ENV = {
    "AWS_ACCESS_KEY_ID": "plateguard-local",
    "AWS_SECRET_ACCESS_KEY": "plateguard-local-secret",
    "AWS_SESSION_TOKEN": "",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_SERVICE_NAME": "plateguard",
    # Local mode is interactive: hot-list changes should match within seconds, not a minute.
    "HOTLIST_REFRESH_SECONDS": "2",
}


class AlreadyRunning(RuntimeError):
    pass


def read_state(state_dir: Path = DEFAULT_STATE_DIR) -> dict[str, Any] | None:
    """The running local environment's description, or None."""
    path = state_dir / "local.json"
    if not path.exists():
        return None
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalEnvironment:
    def __init__(
        self,
        state_dir: Path = DEFAULT_STATE_DIR,
        port: int = 0,
        on_alert: Callable[[dict[str, Any]], None] | None = None,
        seed: bool = True,
        dispatch: bool = True,
        prefix: str = "plateguard-local",
        policies: TemplatePolicies | None = None,
        enforce_iam: bool = False,
        record_aws_calls: bool = False,
    ) -> None:
        self.state_dir = state_dir
        self.port = port
        self.on_alert = on_alert
        self.seed = seed
        self.dispatch = dispatch  # False: tests drive the handler themselves
        # moto keeps its state per process: distinct prefixes keep environments of one process apart.
        self.prefix = prefix
        self.alerts: list[dict[str, Any]] = []
        self.resources: LocalResources | None = None
        self.endpoint_url = ""
        self.state: dict[str, Any] = {}
        self._lock_file: Any = None
        self._server: Any = None
        self._dispatcher: QueueDispatcher | None = None
        self._stop = threading.Event()
        self._inbox_thread: threading.Thread | None = None
        self._saved_env: dict[str, str | None] = {}
        self._api: Any = None  # the officer API emulator (plateguard.local.api_emulator)
        # The IoT credentials provider stand-in (plateguard.local.credentials_provider) and its hook:
        # called (access_key_id, camera_id, agency) for each set of camera credentials it issues.
        self.credentials_provider: Any = None
        self.on_credentials_issued: Callable[[str, str, str | None], None] | None = None
        # IAM as deployed: every AWS call is recorded (plateguard.local.aws_calls) and, with `policies`
        # (the synthesized template's), evaluated; `enforce_iam` makes a denied call fail as in AWS.
        self.policies = policies
        self.enforce_iam = enforce_iam
        self.record_aws_calls = record_aws_calls or policies is not None
        self.aws_calls: AwsCallRecorder | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> LocalEnvironment:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._acquire_lock()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
        (self.state_dir / INBOX_FILE).unlink(missing_ok=True)  # a new session starts an empty inbox
        if self.record_aws_calls:  # before any client exists: only hooked clients are seen
            from plateguard.local.aws_calls import AwsCallRecorder

            self.aws_calls = AwsCallRecorder(self.policies, enforce=self.enforce_iam).install()
        # moto keeps one IAM per process (IAM is global): each environment starts from an empty one,
        # as a new account does, so its users and roles never meet an earlier environment's.
        from moto.iam.models import iam_backends

        iam_backends.reset()
        port = self.port or _free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        self.port = port
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self._set_env({**_LOCAL_ENV, "AWS_ENDPOINT_URL": self.endpoint_url, "AWS_REGION": LOCAL_REGION})
        clients = {name: self.client(name) for name in _SERVICES}
        self.resources = provision(clients, LOCAL_REGION, self.prefix)
        self._set_env(self.resources.environment())
        self._bind_physical_names()
        _reset_cached_configuration()

        from plateguard.handlers.ingest import handle_ingest_batch, last_batch_failures
        from plateguard.wiring import ingest as ingest_wiring

        deps = ingest_wiring.dependencies()  # binds the tables and loads the ONNX reader once, up front
        from plateguard.dal.tables import bind_tables

        bind_tables(self.resources.table_names, LOCAL_REGION, self.endpoint_url)  # every table, for the CLI
        if self.seed:
            from plateguard.local.seed import seed_demo_data

            seed_demo_data(deps.repository)  # type: ignore[arg-type]
        self._dispatcher = QueueDispatcher(
            clients["sqs"],
            self.resources.ingest_queue_url,
            self.resources.ingest_queue_arn,
            LOCAL_REGION,
            handle_ingest_batch,
            failure_details=last_batch_failures,  # each failed message is printed with its error
        )
        if self.dispatch:
            self._dispatcher.start()
        self._inbox_thread = threading.Thread(target=self._watch_inbox, name="device-inbox", daemon=True)
        self._inbox_thread.start()
        self.state = {
            "aws_endpoint_url": self.endpoint_url,
            "region": LOCAL_REGION,
            "images_bucket": self.resources.images_bucket,
            "audit_bucket": self.resources.audit_bucket,
            "audit_digest_key": self.resources.audit_digest_key,
            "ingest_queue_url": self.resources.ingest_queue_url,
            "dead_letter_queue_url": self.resources.dead_letter_queue_url,
            "alert_topic_arn": self.resources.alert_topic_arn,
            "inbox_queue_url": self.resources.inbox_queue_url,
            "tables": self.resources.table_names,
            "pid": os.getpid(),
        }
        from plateguard.local.credentials_provider import start_credentials_provider

        # Cameras trade their certificate for upload credentials here (the real endpoint is IoT's).
        if self.on_credentials_issued is None and self.aws_calls is not None:
            self.on_credentials_issued = self._camera_session_issued
        self.credentials_provider = start_credentials_provider(self.client("iot"), self.on_credentials_issued)
        self._set_env({"CAMERA_CREDENTIALS_ENDPOINT": self.credentials_provider.url})
        self.state["camera_credentials_endpoint"] = self.credentials_provider.url
        from plateguard.local.api_emulator import start_local_api

        self._api = start_local_api(
            self.client,
            self._set_env,
            LOCAL_REGION,
            seed=self.seed,
            policies=(lambda: self.policies) if self.policies is not None and self.enforce_iam else None,
        )
        self.state.update(self._api.state())  # api_url and the local users' credentials
        self._bind_physical_names()  # the API's pagination key exists now
        self.write_state()

    def write_state(self) -> None:
        path = self.state_dir / "local.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=2))
        tmp.replace(path)

    def _camera_session_issued(self, access_key_id: str, camera_id: str, agency: str | None) -> None:
        """A camera's temporary key acts as the template's CameraUploadRole with the request context the
        IoT credentials provider gives it, so its uploads are evaluated like the functions' calls."""
        from plateguard.local.aws_calls import Principal

        assert self.aws_calls is not None
        role = self.policies.role_by_path("Cameras/CameraUploadRole/Resource") if self.policies else ""
        context = {"credentials-iot:ThingName": camera_id}
        if agency:
            context["credentials-iot:ThingTypeName"] = agency
        self.aws_calls.bind_access_key(access_key_id, Principal(f"camera {agency}/{camera_id}", role, context))

    def add_iam_user(self, username: str, agency: str, role: str) -> dict[str, str]:
        """What an agency's IT does before `plateguard users add`: an IAM user with an access key and a
        virtual MFA device (ordinary IAM calls against the local endpoint), advertised in local.json so
        `--as USERNAME` signs as that person. It registers nobody: the registry is the API's."""
        from plateguard.local.users import create_iam_user
        from plateguard.models.routes import Role

        identity = create_iam_user(self.client("iam"), username, agency, Role(role)).public()
        self.state.setdefault("users", {})[username] = identity
        self.write_state()
        return identity

    def stop(self) -> None:
        self._stop.set()
        if self._dispatcher:
            self._dispatcher.stop()
        if self._inbox_thread:
            self._inbox_thread.join(timeout=5)
        if self._api:
            self._api.stop()
            self._api = None
        if self.credentials_provider:
            self.credentials_provider.stop()
            self.credentials_provider = None
        if self.aws_calls:
            with contextlib.suppress(OSError):
                self.write_aws_calls()
            self.aws_calls.uninstall()
        if self._server:
            with contextlib.suppress(Exception):
                self._server.stop()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            (self.state_dir / "local.json").unlink()
        self._restore_env()
        _reset_cached_configuration()
        if self._lock_file:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # -- IAM ---------------------------------------------------------------------------------------
    def _bind_physical_names(self) -> None:
        """Point the template's logical ids at this environment's tables, buckets, queues, topics, keys."""
        if self.policies is None or self.resources is None or self.aws_calls is None:
            return
        names = {**self.resources.physical_names(), **self.policies.names_from_environment(os.environ)}
        self.policies = self.policies.bind(names)
        self.aws_calls.policies = self.policies

    def as_function(self, handler: str) -> contextlib.AbstractContextManager[None]:
        """Run a block as the Lambda function with this Handler string (its execution role), e.g. a
        retention sweep run in-process. A no-op when no calls are recorded."""
        from plateguard.local.aws_calls import invoking

        return invoking(handler) if self.aws_calls else contextlib.nullcontext()

    def write_aws_calls(self) -> Path | None:
        """`<state_dir>/aws-calls.json`: every attributed call with its permissions and decision."""
        from plateguard.local.aws_calls import AWS_CALLS_FILE

        if self.aws_calls is None:
            return None
        # What the report needs to resolve the template's grants to this environment's ARNs, also when
        # calls were only recorded (no template loaded): resource names and the variables local mode set.
        names = self.resources.physical_names() if self.resources else {}
        environment = {k: os.environ[k] for k in self._saved_env if k in os.environ and not k.startswith("AWS_")}
        path = self.state_dir / AWS_CALLS_FILE
        self.aws_calls.write(path, physical_names=names, environment=environment, region=LOCAL_REGION)
        return path

    # -- helpers ---------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=LOCAL_REGION,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=_LOCAL_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=_LOCAL_ENV["AWS_SECRET_ACCESS_KEY"],
        )

    @property
    def dispatcher(self) -> QueueDispatcher:
        assert self._dispatcher is not None, "environment not started"
        return self._dispatcher

    @property
    def dispatcher_errors(self) -> list[str]:
        return self._dispatcher.errors if self._dispatcher else []

    def _acquire_lock(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        lock_file = (self.state_dir / "local.lock").open("a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock_file.close()
            state = read_state(self.state_dir) or {}
            raise AlreadyRunning(
                f"plateguard local is already running (pid {state.get('pid', '?')}, "
                f"{state.get('aws_endpoint_url', 'endpoint unknown')}); stop it first"
            ) from exc
        self._lock_file = lock_file

    def _set_env(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def _watch_inbox(self) -> None:
        assert self.resources is not None
        sqs = self.client("sqs")
        while not self._stop.is_set():
            try:
                response = sqs.receive_message(
                    QueueUrl=self.resources.inbox_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                )
            except Exception:
                if self._stop.wait(1):
                    return
                continue
            for message in response.get("Messages", []):
                envelope = json.loads(message["Body"])
                alert = json.loads(envelope["Message"])
                alert["message_attributes"] = {
                    k: v.get("Value") for k, v in envelope.get("MessageAttributes", {}).items()
                }
                self.alerts.append(alert)
                with (self.state_dir / INBOX_FILE).open("a") as inbox:  # read by `plateguard alerts`
                    inbox.write(json.dumps(alert) + "\n")
                if self.on_alert:
                    self.on_alert(alert)
                sqs.delete_message(QueueUrl=self.resources.inbox_queue_url, ReceiptHandle=message["ReceiptHandle"])


def _reset_cached_configuration() -> None:
    """Settings, clients and dependency containers are cached per process; a new environment must not see
    old ones (plateguard.wiring keeps the one list of them)."""
    from plateguard import wiring

    wiring.reset()
