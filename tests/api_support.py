"""Shared helpers for the officer-API tests: a provisioned moto world, users, reads and events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from plateguard.logic.access import User, UserStatus
from plateguard.logic.retention import expires_at_epoch
from plateguard.models.records import PlateReadRecord
from plateguard.models.routes import Role

REGION = "us-west-2"
ACCOUNT = "123456789012"
NOW = datetime.now(UTC).replace(microsecond=0)
GOOD_PURPOSE = {
    "purpose": "Locate vehicle seen leaving armed robbery at 5th and Main",
    "case_number": "DPD-2026-004417",
    "offense_type": "robbery",
}


# The stack's role names as they appear in assumed-role ARNs (API_ROLE_NAMES), one per PlateGuard role.
ROLE_NAMES = {f"PlateGuard-Api{role.value.capitalize()}Role-TEST": role for role in Role}


def arn(agency: str, name: str) -> str:
    """The registry key of an IAM user (user names are unique per account; the agency is not in it)."""
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def session_arn(user: User, role: Role | None = None) -> str:
    """What API Gateway sends for `user` calling through its role's session (the trust policy pins the
    session name to the IAM user name)."""
    role_name = next(name for name, r in ROLE_NAMES.items() if r is (role or user.role))
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{user.principal_arn.rsplit('/', 1)[-1]}"


def make_user(agency: str, name: str, role: Role, **changes: Any) -> User:
    user = User(
        principal_arn=arn(agency, name),
        agency=agency,
        username=name,
        role=role,
        status=UserStatus.ACTIVE,
        training_completed_at=NOW - timedelta(days=10),
        approved_by="sgt.chen",
        created_at=NOW - timedelta(days=20),
        last_activity_at=NOW - timedelta(days=1),
    )
    return replace(user, **changes)


USERS = {
    "officer": make_user("demo-pd", "officer.garcia", Role.OFFICER),
    "supervisor": make_user("demo-pd", "sgt.chen", Role.SUPERVISOR),
    "auditor": make_user("demo-pd", "auditor.okafor", Role.AUDITOR),
    "admin": make_user("demo-pd", "admin.reyes", Role.ADMIN),
    "other_officer": make_user("other-pd", "officer.novak", Role.OFFICER),
    "disabled": make_user("demo-pd", "officer.disabled", Role.OFFICER, status=UserStatus.DISABLED),
    "separated": make_user("demo-pd", "officer.gone", Role.OFFICER, status=UserStatus.SEPARATED),
    "untrained": make_user("demo-pd", "officer.new", Role.OFFICER, training_completed_at=None),
    "inactive": make_user("demo-pd", "officer.idle", Role.OFFICER, last_activity_at=NOW - timedelta(days=120)),
    "unapproved": make_user("demo-pd", "officer.unapproved", Role.OFFICER, approved_by=None),
}
# A session of the officer role whose IAM user is not in the registry.
UNKNOWN_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/PlateGuard-ApiOfficerRole-TEST/nobody"


def make_read(
    plate: str,
    agency: str = "demo-pd",
    camera: str = "cam-main-st",
    hours_ago: float = 2,
    lat: float = 37.7793,
    lon: float = -122.4193,
    expires_at: int | None = None,
) -> PlateReadRecord:
    captured = NOW - timedelta(hours=hours_ago)
    read_id = str(uuid.uuid4())
    return PlateReadRecord(
        read_id=read_id,
        agency=agency,
        camera_id=camera,
        captured_at=captured,
        plate=plate,
        raw_text=plate,
        confidence=0.95,
        char_confidences=tuple(0.95 for _ in plate),
        alternatives=(),
        box=(1, 2, 3, 4),
        crop_key=f"crops/{agency}/{camera}/{read_id}.jpg",
        source_key=f"incoming/{agency}/{camera}/{read_id}.jpg",
        lat=lat,
        lon=lon,
        heading=None,
        low_confidence=False,
        hit=False,
        expires_at=expires_at if expires_at is not None else expires_at_epoch(captured, 30),
    )


def rest_event(
    principal_arn: str | None,
    method: str,
    resource: str,
    path: str,
    query: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event as AWS_IAM authorization delivers it."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", "User-Agent": "pytest"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "User-Agent": ["pytest"]},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/test{path}",
            "stage": "test",
            "requestId": str(uuid.uuid4()),
            "accountId": ACCOUNT,
            "identity": {
                "userArn": principal_arn,
                "accessKey": "AKIATEST",
                "sourceIp": "198.51.100.7",
                "userAgent": "pytest",
                "caller": "AIDATEST",
                "user": "AIDATEST",
            },
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


@dataclass
class LambdaContext:
    function_name: str = "plateguard-api-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:plateguard-api-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class ApiWorld:
    """A provisioned moto account with the API's env, users and a clean audit trail."""

    resources: Any

    def call(
        self,
        who: str | None,
        method: str,
        resource: str,
        path: str | None = None,
        query: dict[str, str] | None = None,
        path_params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        from plateguard.handlers.api import handle_api_request

        principal = session_arn(USERS[who]) if who in USERS else who
        event = rest_event(principal, method, resource, path or resource, query, path_params, body)
        response = handle_api_request(event, LambdaContext())
        return int(response["statusCode"]), json.loads(response["body"] or "null")

    def search(self, who: str | None, **query: str) -> tuple[int, dict[str, Any]]:
        return self.call(who, "GET", "/reads", query=query)

    def put_reads(self, *reads: PlateReadRecord) -> None:
        from plateguard.dal.repositories import DynamoIngestRepository

        for read in reads:
            DynamoIngestRepository().put_read(read)

    def audit_records(self, agency: str = "demo-pd") -> list[dict[str, Any]]:
        from plateguard.wiring.api import dependencies as get_api_dependencies

        return [e.record() for e in get_api_dependencies().audit_store.entries(agency)]

    def s3(self) -> Any:
        return boto3.client("s3", region_name=REGION)

    def dynamodb(self) -> Any:
        return boto3.client("dynamodb", region_name=REGION)

    def sns(self) -> Any:
        return boto3.client("sns", region_name=REGION)

    def put_users(self) -> None:
        """Register every test user as provisioned (status, training, last activity)."""
        from plateguard.dal.users import DynamoUserDirectory

        directory = DynamoUserDirectory()
        for user in USERS.values():
            directory.put(user)


def clear_caches() -> None:
    from plateguard import wiring

    wiring.reset()


@dataclass(frozen=True)
class ApiResources:
    table_names: dict[str, str]
    images_bucket: str
    audit_bucket: str
    alert_topic_arn: str
    supervisor_topic_arn: str

    def environment(self) -> dict[str, str]:
        from plateguard import schema

        env = {spec.env_var: self.table_names[spec.logical_id] for spec in API_TABLES()}
        env[schema.IMAGES_BUCKET.env_var] = self.images_bucket
        env[schema.AUDIT_BUCKET.env_var] = self.audit_bucket
        env[schema.ALERT_TOPIC.env_var] = self.alert_topic_arn
        env[schema.SUPERVISOR_TOPIC.env_var] = self.supervisor_topic_arn
        return env


def API_TABLES() -> tuple[Any, ...]:
    from plateguard import schema

    return (
        schema.READS,
        schema.USERS,
        schema.AUDIT,
        schema.CAMERAS,
        schema.HOTLIST,
        schema.HOTLISTS,
        schema.ALERTS,
        schema.HOLDS,
        schema.REVIEWS,
        schema.SUBSCRIPTIONS,
    )


def _provision_api_resources(prefix: str) -> ApiResources:
    """Only what the API touches (faster than the full local provisioning), from the same schema."""
    from plateguard import schema
    from plateguard.local.provision import table_definition

    dynamodb, s3 = boto3.client("dynamodb", region_name=REGION), boto3.client("s3", region_name=REGION)
    names = {}
    for spec in API_TABLES():
        names[spec.logical_id] = f"{prefix}-{spec.logical_id.lower()}"
        dynamodb.create_table(**table_definition(spec, names[spec.logical_id]))
    location = {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
    s3.create_bucket(Bucket=f"{prefix}-images", **location)
    s3.create_bucket(Bucket=f"{prefix}-audit", ObjectLockEnabledForBucket=True, **location)
    s3.put_object_lock_configuration(
        Bucket=f"{prefix}-audit",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": schema.AUDIT_BUCKET.object_lock_days}},
        },
    )
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name=f"{prefix}-alerts")["TopicArn"]
    supervisors = sns.create_topic(Name=f"{prefix}-supervisors")["TopicArn"]
    return ApiResources(names, f"{prefix}-images", f"{prefix}-audit", topic, supervisors)


@pytest.fixture
def api_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiWorld]:
    with provisioned_api_world(monkeypatch) as world:
        yield world


@contextmanager
def provisioned_api_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiWorld]:
    """A fresh moto account with the API's resources, env and users (a fixture of any scope can hold one)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "API_ROLE_NAMES": json.dumps({role.value: name for name, role in ROLE_NAMES.items()}),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    with mock_aws():
        resources = _provision_api_resources(f"pg-{uuid.uuid4().hex[:6]}")
        for name, value in resources.environment().items():
            monkeypatch.setenv(name, value)
        from plateguard.local.provision import provision_camera_identity

        iot, iam = boto3.client("iot", region_name=REGION), boto3.client("iam", region_name=REGION)
        cameras = provision_camera_identity(iot, iam, REGION, "pg-test", resources.images_bucket)
        for name, value in cameras.environment().items():  # camera routes: the IoT policy and role alias
            monkeypatch.setenv(name, value)
        key = boto3.client("kms", region_name=REGION).create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        monkeypatch.setenv("PAGINATION_KMS_KEY_ID", key["KeyMetadata"]["KeyId"])
        clear_caches()
        from plateguard.wiring.api import dependencies as get_api_dependencies

        get_api_dependencies()  # binds the tables
        world = ApiWorld(resources)
        world.put_users()
        yield world
        clear_caches()
