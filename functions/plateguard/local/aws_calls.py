"""Every AWS call local mode makes, with the IAM permissions it needs and whose role made it.

moto enforces no IAM, so a call the deployed role may not make (quarantine's DeleteObject, say) passes
locally and fails in AWS. This recorder hooks botocore itself: `Session.create_client` is patched so
each new client (boto3's and pynamodb's, which makes its own botocore sessions) registers a
`before-call` handler. For each call it computes the permissions AWS would check (the action on the
resource ARN, plus the KMS permissions an encrypted table, bucket, topic or queue implies), attributes it
to a principal (the `acting_as` context, else the client's access key bound with `bind_access_key`),
and evaluates it against the synthesized template (plateguard.compliance.iam_eval). In enforce mode a
denied call raises the ClientError AWS would return, so retries, quarantine and the DLQ behave as deployed.
Calls with no principal (test setup, provisioning, the deployer) are recorded as unattributed, unevaluated.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.session
from botocore.exceptions import ClientError

from plateguard.compliance.iam_eval import Decision, TemplatePolicies
from plateguard.compliance.requirements import Requirement, implied_kms
from plateguard.local.users import LOCAL_ACCOUNT_ID

AWS_CALLS_FILE = "aws-calls.json"  # under the state directory; read by `plateguard report compliance`
_PARAMS_KEY = "plateguard_api_params"


@dataclass(frozen=True)
class Principal:
    label: str  # who, for people: a handler string, "camera cam-main-st", ...
    role: str  # the role's logical id in the template ("" when no template is loaded)
    context: Mapping[str, str] = field(default_factory=dict)  # request context: principal tags, MFA, ...


@dataclass(frozen=True)
class CallRecord:
    principal: str | None  # None: unattributed (setup, provisioning): not evaluated
    role: str | None
    service: str
    operation: str
    permissions: tuple[tuple[str, str], ...]
    decisions: tuple[Decision, ...] = ()

    @property
    def allowed(self) -> bool | None:
        if not self.decisions:
            return None
        return all(d.allowed for d in self.decisions)

    def describe(self) -> str:
        missing = "; ".join(d.reason for d in self.decisions if not d.allowed)
        return f"{self.principal} {self.service}.{self.operation}: {missing or 'allowed'}"

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "role": self.role,
            "service": self.service,
            "operation": self.operation,
            "permissions": [list(p) for p in self.permissions],
            "allowed": self.allowed,
            "denied": [d.reason for d in self.decisions if not d.allowed],
        }


# -- what a call needs ---------------------------------------------------------------------------------


def _s3_object(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def _copy_source(value: Any) -> tuple[str, str, str | None]:
    """CopySource as a dict or as botocore's "bucket/key?versionId=..." string."""
    if isinstance(value, dict):
        return str(value["Bucket"]), str(value["Key"]), value.get("VersionId")
    text = str(value).lstrip("/")
    text, _, query = text.partition("?versionId=")
    bucket, _, key = text.partition("/")
    return bucket, unquote(key), query or None


def _queue_arn(url: str, region: str, account: str) -> str:
    parts = [p for p in urlsplit(url).path.split("/") if p]
    owner, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (account, parts[-1] if parts else url)
    return f"arn:aws:sqs:{region}:{owner}:{name}"


def _kms_key_arn(key_id: str, region: str, account: str) -> str:
    if key_id.startswith("arn:"):
        return key_id
    if key_id.startswith("alias/"):
        return f"arn:aws:kms:{region}:{account}:{key_id}"
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def _table_arn(name: str, region: str, account: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def _s3(operation: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    bucket = str(params.get("Bucket", ""))
    key = str(params.get("Key", ""))
    versioned = params.get("VersionId") is not None
    if operation in ("GetObject", "HeadObject"):
        return [("s3:GetObjectVersion" if versioned else "s3:GetObject", _s3_object(bucket, key))]
    if operation == "PutObject":
        needed = [("s3:PutObject", _s3_object(bucket, key))]
        if params.get("ObjectLockMode") or params.get("ObjectLockRetainUntilDate"):
            needed.append(("s3:PutObjectRetention", _s3_object(bucket, key)))
        if params.get("ObjectLockLegalHoldStatus"):
            needed.append(("s3:PutObjectLegalHold", _s3_object(bucket, key)))
        if params.get("Tagging"):
            needed.append(("s3:PutObjectTagging", _s3_object(bucket, key)))
        return needed
    if operation == "CopyObject":
        source_bucket, source_key, source_version = _copy_source(params.get("CopySource", ""))
        get = "s3:GetObjectVersion" if source_version else "s3:GetObject"
        needed = [(get, _s3_object(source_bucket, source_key)), ("s3:PutObject", _s3_object(bucket, key))]
        if params.get("TaggingDirective") == "REPLACE" and params.get("Tagging"):
            needed.append(("s3:PutObjectTagging", _s3_object(bucket, key)))
        return needed
    if operation == "DeleteObject":
        return [("s3:DeleteObjectVersion" if versioned else "s3:DeleteObject", _s3_object(bucket, key))]
    if operation == "DeleteObjects":
        return [
            ("s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject", _s3_object(bucket, str(o["Key"])))
            for o in params.get("Delete", {}).get("Objects", [])
        ]
    if operation in ("ListObjectsV2", "ListObjects", "HeadBucket"):
        return [("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
    if operation == "ListObjectVersions":
        return [("s3:ListBucketVersions", f"arn:aws:s3:::{bucket}")]
    if key:
        return [(f"s3:{operation}", _s3_object(bucket, key))]
    return [(f"s3:{operation}", f"arn:aws:s3:::{bucket}" if bucket else "*")]


_DYNAMO_TRANSACT = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
                    "ConditionCheck": "dynamodb:ConditionCheckItem", "Get": "dynamodb:GetItem"}  # fmt: skip


def _dynamodb(operation: str, params: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(f"dynamodb:{operation}", _table_arn(t, region, account)) for t in params.get("RequestItems", {})]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        needed = []
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                needed.append((_DYNAMO_TRANSACT[kind], _table_arn(str(body["TableName"]), region, account)))
        return needed
    table = _table_arn(str(params.get("TableName", "*")), region, account)
    if operation in ("Query", "Scan") and params.get("IndexName"):
        return [(f"dynamodb:{operation}", f"{table}/index/{params['IndexName']}")]
    return [(f"dynamodb:{operation}", table)]


def _sns(operation: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    if operation == "Publish":
        return [("sns:Publish", str(params.get("TopicArn") or params.get("TargetArn") or params.get("PhoneNumber")))]
    if "SubscriptionArn" in params:  # a subscription's actions are authorised on its topic
        return [(f"sns:{operation}", str(params["SubscriptionArn"]).rsplit(":", 1)[0])]
    return [(f"sns:{operation}", str(params.get("TopicArn", "*")))]


_SQS_ACTIONS = {"DeleteMessageBatch": "DeleteMessage", "SendMessageBatch": "SendMessage",
                "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}  # fmt: skip


def _sqs(operation: str, params: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    action = f"sqs:{_SQS_ACTIONS.get(operation, operation)}"
    if "QueueUrl" in params:
        return [(action, _queue_arn(str(params["QueueUrl"]), region, account))]
    if "QueueName" in params:
        owner = str(params.get("QueueOwnerAWSAccountId") or account)
        return [(action, f"arn:aws:sqs:{region}:{owner}:{params['QueueName']}")]
    return [(action, "*")]


def _kms(operation: str, params: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    key = params.get("KeyId") or params.get("DestinationKeyId")
    return [(f"kms:{operation}", _kms_key_arn(str(key), region, account) if key else "*")]


_PREFIXES = {"iot-data": "iot", "sts": "sts", "iot": "iot"}
_IOT_THING_OPERATIONS = ("CreateThing", "DescribeThing", "UpdateThing", "DeleteThing", "ListThingPrincipals")


def _iot(operation: str, params: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    """IoT control-plane calls on the resources IAM checks them on (thing, certificate, thing type)."""
    base = f"arn:aws:iot:{region}:{account}"
    action = f"iot:{operation}"
    if operation in _IOT_THING_OPERATIONS:
        needed = [(action, f"{base}:thing/{params.get('thingName', '')}")]
        if params.get("thingTypeName"):
            needed.append((action, f"{base}:thingtype/{params['thingTypeName']}"))
        return needed
    if operation in ("AttachThingPrincipal", "DetachThingPrincipal"):
        return [(action, f"{base}:thing/{params.get('thingName', '')}"), (action, str(params.get("principal", "*")))]
    if operation in ("DescribeCertificate", "UpdateCertificate", "DeleteCertificate"):
        return [(action, f"{base}:cert/{params.get('certificateId', '')}")]
    if operation in ("AttachPolicy", "DetachPolicy"):
        return [(action, str(params.get("target", "*")))]
    return [(action, "*")]  # CreateKeysAndCertificate, DescribeEndpoint: no resource-level permissions


def requirements(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    region: str = "us-west-2",
    account: str = LOCAL_ACCOUNT_ID,
    encryption_key: Callable[[str], str | None] | None = None,
) -> list[Requirement]:
    """The permissions one call needs, KMS ones implied by an encrypted target included (with
    kms:ViaService, as AWS sets it when a service calls KMS on the caller's behalf)."""
    if service == "s3":
        direct = _s3(operation, params)
    elif service == "dynamodb":
        direct = _dynamodb(operation, params, region, account)
    elif service == "sns":
        direct = _sns(operation, params)
    elif service == "sqs":
        direct = _sqs(operation, params, region, account)
    elif service == "kms":
        direct = _kms(operation, params, region, account)
    elif service == "sts" and operation == "GetCallerIdentity":
        direct = []  # needs no permission
    elif service == "sts" and operation == "AssumeRole":
        direct = [("sts:AssumeRole", str(params.get("RoleArn", "*")))]
    elif service == "iot":
        direct = _iot(operation, params, region, account)
    elif service == "iot-data" and operation == "Publish":
        direct = [("iot:Publish", f"arn:aws:iot:{region}:{account}:topic/{params.get('topic', '')}")]
    else:
        direct = [(f"{_PREFIXES.get(service, service)}:{operation}", "*")]
    needed = [Requirement(action, resource) for action, resource in direct]
    if encryption_key is not None:
        needed += implied_kms(service, operation, direct, encryption_key, region)
    return needed


def required_permissions(
    service: str, operation: str, params: Mapping[str, Any], **kwargs: Any
) -> list[tuple[str, str]]:
    """(action, resource ARN) pairs a call needs; keyword arguments as for `requirements`."""
    return [(r.action, r.resource) for r in requirements(service, operation, params, **kwargs)]


# -- attribution -----------------------------------------------------------------------------------------

_current: ContextVar[Principal | None] = ContextVar("plateguard_aws_principal", default=None)


@contextlib.contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    """AWS calls made in this block (this thread or task) are `principal`'s."""
    token = _current.set(principal)
    try:
        yield principal
    finally:
        _current.reset(token)


def handler_name(handler: Callable[..., Any]) -> str:
    """The Lambda Handler string of a handler function ("plateguard.handlers.ingest.handle_ingest_batch")."""
    return f"{handler.__module__}.{handler.__qualname__}"


@contextlib.contextmanager
def invoking(handler: str) -> Iterator[None]:
    """Run a Lambda handler's work as its execution role, when a recorder is installed (else nothing)."""
    recorder = _active
    if recorder is None:
        yield
        return
    with acting_as(recorder.principal_for_handler(handler)):
        yield


# -- the recorder ------------------------------------------------------------------------------------------

_active: AwsCallRecorder | None = None
_install_lock = threading.Lock()
_original_create_client: Any = None


class AwsCallRecorder:
    def __init__(self, policies: TemplatePolicies | None = None, *, enforce: bool = False) -> None:
        self.policies = policies
        self.enforce = enforce
        self.records: list[CallRecord] = []  # attributed calls, all of them
        # Unattributed calls (setup, provisioning, local mode's own polling): the latest few only, so a
        # long `plateguard local` session does not grow without bound.
        self.unattributed: deque[CallRecord] = deque(maxlen=1000)
        self._keys: dict[str, Principal] = {}
        self._lock = threading.Lock()

    # -- attribution helpers -------------------------------------------------------------------------
    def principal_for_handler(self, handler: str) -> Principal:
        try:
            role = self.policies.role_for_handler(handler) if self.policies else ""
        except KeyError:
            role = ""  # not a function of the template: its calls are denied with that reason
        return Principal(label=handler, role=role)

    def bind_access_key(self, access_key_id: str, principal: Principal) -> None:
        with self._lock:
            self._keys[access_key_id] = principal

    # -- install -------------------------------------------------------------------------------------
    def install(self) -> AwsCallRecorder:
        """Hook every botocore client created from now on (one recorder per process at a time)."""
        global _active, _original_create_client
        with _install_lock:
            if _active is not None and _active is not self:
                raise RuntimeError("another AWS call recorder is installed")
            if _original_create_client is None:
                _original_create_client = botocore.session.Session.create_client

                def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
                    client = _original_create_client(session, *args, **kwargs)
                    client.meta.events.register("before-parameter-build.*.*", _stash_params)
                    client.meta.events.register("before-call.*.*", _before_call)
                    return client

                botocore.session.Session.create_client = create_client
            _active = self
        return self

    def uninstall(self) -> None:
        global _active, _original_create_client
        with _install_lock:
            if _active is self:
                _active = None
            if _original_create_client is not None:
                botocore.session.Session.create_client = _original_create_client
                _original_create_client = None

    def __enter__(self) -> AwsCallRecorder:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    # -- recording -----------------------------------------------------------------------------------
    def _principal(self, request_signer: Any) -> Principal | None:
        principal = _current.get()
        if principal is not None:
            return principal
        credentials = getattr(request_signer, "_credentials", None)
        access_key = getattr(credentials, "access_key", None)
        with self._lock:
            return self._keys.get(access_key) if access_key else None

    def observe(
        self, service: str, operation: str, params: Mapping[str, Any], region: str, request_signer: Any
    ) -> CallRecord:
        principal = self._principal(request_signer)
        policies = self.policies
        account = policies.account if policies else LOCAL_ACCOUNT_ID
        needed = requirements(
            service,
            operation,
            params,
            region=region,
            account=account,
            encryption_key=policies.encryption_key if policies else None,
        )
        decisions: tuple[Decision, ...] = ()
        if principal is not None and policies is not None:
            if principal.role:
                decisions = tuple(
                    policies.evaluate(principal.role, r.action, r.resource, {**principal.context, **r.context})
                    for r in needed
                )
            else:  # e.g. a handler the template has no function for: nothing would let it call AWS
                reason = f"{principal.label} has no role in the template"
                decisions = tuple(Decision(False, r.action, r.resource, reason) for r in needed)
        record = CallRecord(
            principal=principal.label if principal else None,
            role=(principal.role or None) if principal else None,
            service=service,
            operation=operation,
            permissions=tuple((r.action, r.resource) for r in needed),
            decisions=decisions,
        )
        with self._lock:
            (self.records if principal is not None else self.unattributed).append(record)
        return record

    def attributed(self) -> list[CallRecord]:
        with self._lock:
            return list(self.records)

    def denied(self) -> list[CallRecord]:
        return [r for r in self.attributed() if r.allowed is False]

    def to_json(
        self,
        physical_names: Mapping[str, str] | None = None,
        environment: Mapping[str, str] | None = None,
        region: str = "",
    ) -> dict[str, Any]:
        """The attributed calls, with what resolves the template's grants to the same ARNs
        (plateguard.compliance.usage): physical names and the environment variables the functions read."""
        policies = self.policies
        return {
            "account": policies.account if policies else LOCAL_ACCOUNT_ID,
            "region": policies.region if policies else region,
            "physical_names": {**(physical_names or {}), **(policies.physical_names if policies else {})},
            "environment": dict(environment or {}),
            "calls": [r.to_json() for r in self.attributed()],
        }

    def write(self, path: Path, **context: Any) -> None:
        """`to_json(**context)` to `path` (the compliance report's unused-permission section reads it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(**context), indent=1))
        tmp.replace(path)


def active_recorder() -> AwsCallRecorder | None:
    return _active


def bind_access_key(access_key_id: str, principal: Principal) -> None:
    """Attribute calls signed with this access key (an external identity: a camera, an officer's CLI)."""
    if _active is not None:
        _active.bind_access_key(access_key_id, principal)


_ERROR_CODES = {"dynamodb": "AccessDeniedException", "kms": "AccessDeniedException", "sns": "AuthorizationError"}


def _stash_params(params: Any, context: Any = None, **kwargs: Any) -> None:
    """The caller's parameters (before-call only sees the serialized request)."""
    if _active is not None and isinstance(context, dict) and isinstance(params, dict):
        context[_PARAMS_KEY] = dict(params)


def _before_call(model: Any, params: Any, request_signer: Any = None, context: Any = None, **kwargs: Any) -> None:
    recorder = _active
    if recorder is None:
        return
    context = context if isinstance(context, dict) else {}
    service = model.service_model.service_name
    region = context.get("client_region") or getattr(request_signer, "_region_name", None) or "us-east-1"
    record = recorder.observe(service, model.name, context.get(_PARAMS_KEY, {}), region, request_signer)
    if recorder.enforce and record.allowed is False:
        denial = next(d for d in record.decisions if not d.allowed)
        arn = recorder.policies.role_arn(record.role) if recorder.policies and record.role else record.principal
        message = f"User: {arn} is not authorized to perform: {denial.action} on resource: {denial.resource}"
        raise ClientError(
            {
                "Error": {"Code": _ERROR_CODES.get(service, "AccessDenied"), "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            },
            model.name,
        )
