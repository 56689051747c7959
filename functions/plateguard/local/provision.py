"""Provision PlateGuard's resources with boto3 from plateguard.schema (the same source CDK uses).

Used by local mode against moto's server and by the integration tests against moto.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from plateguard import schema


@dataclass(frozen=True)
class LocalResources:
    region: str
    table_names: dict[str, str]  # logical id -> name
    images_bucket: str
    audit_bucket: str
    ingest_queue_url: str
    ingest_queue_arn: str
    dead_letter_queue_url: str
    alert_topic_arn: str
    inbox_queue_url: str
    supervisor_topic_arn: str = ""
    cameras: CameraIdentityResources | None = None  # IoT camera identities (provision_camera_identity)
    audit_digest_key: str = ""  # ARN of the digest signing key (when provisioned with a KMS client)

    def environment(self) -> dict[str, str]:
        """Environment variables the handlers read (the same names CDK sets)."""
        env = {spec.env_var: self.table_names[spec.logical_id] for spec in schema.TABLES}
        env[schema.IMAGES_BUCKET.env_var] = self.images_bucket
        env[schema.AUDIT_BUCKET.env_var] = self.audit_bucket
        env[schema.INGEST_QUEUE.env_var] = self.ingest_queue_url
        env[schema.ALERT_TOPIC.env_var] = self.alert_topic_arn
        env[schema.SUPERVISOR_TOPIC.env_var] = self.supervisor_topic_arn
        env["AGENCIES"] = "demo-pd,other-pd"  # the local users' agencies (plateguard.local.users)
        env["AWS_REGION"] = self.region
        if self.cameras is not None:
            env |= self.cameras.environment()
        if self.audit_digest_key:
            env[schema.AUDIT_DIGEST_KEY_ENV_VAR] = self.audit_digest_key
        return env

    def physical_names(self) -> dict[str, str]:
        """CloudFormation logical id -> this environment's name, URL or ARN of the same resource (for
        resolving the synthesized template's policies: plateguard.compliance.iam_eval)."""
        names = dict(self.table_names)
        names[schema.IMAGES_BUCKET.logical_id] = self.images_bucket
        names[schema.AUDIT_BUCKET.logical_id] = self.audit_bucket
        names[schema.INGEST_QUEUE.logical_id] = self.ingest_queue_url
        names[schema.ALERT_TOPIC.logical_id] = self.alert_topic_arn
        if self.supervisor_topic_arn:
            names[schema.SUPERVISOR_TOPIC.logical_id] = self.supervisor_topic_arn
        if self.audit_digest_key:
            names[schema.AUDIT_DIGEST_KEY_LOGICAL_ID] = self.audit_digest_key
        return names

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


LOCAL_AGENCIES = ("demo-pd", "other-pd")  # the local users' agencies (plateguard.local.users)
LOCAL_ACCOUNT_ID = "123456789012"  # moto's default account


@dataclass(frozen=True)
class CameraIdentityResources:
    """What cdk/constructs/cameras.py creates, provisioned in moto: thing types, role, alias, IoT policy."""

    role_arn: str
    role_alias: str
    role_alias_arn: str
    iot_policy_name: str
    thing_types: tuple[str, ...]

    def environment(self) -> dict[str, str]:
        return {"CAMERA_IOT_POLICY_NAME": self.iot_policy_name, "CAMERA_ROLE_ALIAS": self.role_alias}


def provision_camera_identity(
    iot: Any,
    iam: Any,
    region: str,
    prefix: str,
    images_bucket: str,
    agencies: tuple[str, ...] = LOCAL_AGENCIES,
) -> CameraIdentityResources:
    """One thing type per agency, the camera upload role (trusted by the IoT credentials provider,
    policy from plateguard.logic.cameras), its role alias and the IoT policy for camera certificates."""
    from plateguard.logic.cameras import (
        CREDENTIAL_DURATION_SECONDS,
        camera_iot_policy_document,
        camera_upload_policy_document,
    )

    for agency in agencies:
        iot.create_thing_type(thingTypeName=agency, thingTypeProperties={"thingTypeDescription": f"{agency} cameras"})
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "credentials.iot.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_name = f"{prefix}-camera-upload"
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # Local buckets are not KMS-encrypted: the key ARN only keeps the document the same shape as CDK's.
    key_arn = f"arn:aws:kms:{region}:{LOCAL_ACCOUNT_ID}:key/local-images"
    document = camera_upload_policy_document(f"arn:aws:s3:::{images_bucket}", key_arn, region)
    iam.put_role_policy(RoleName=role_name, PolicyName="CameraUpload", PolicyDocument=json.dumps(document))
    alias = f"{prefix}-camera-upload"
    alias_arn = iot.create_role_alias(
        roleAlias=alias, roleArn=role_arn, credentialDurationSeconds=CREDENTIAL_DURATION_SECONDS
    )["roleAliasArn"]
    policy_name = f"{prefix}-camera-credentials"
    iot.create_policy(policyName=policy_name, policyDocument=json.dumps(camera_iot_policy_document(alias_arn)))
    return CameraIdentityResources(role_arn, alias, alias_arn, policy_name, tuple(agencies))


def table_definition(spec: schema.TableSpec, name: str) -> dict[str, Any]:
    """CreateTable arguments for a TableSpec (key attribute types and index projections from the spec)."""

    def key_schema(keys: schema.KeySpec) -> list[dict[str, str]]:
        result = [{"AttributeName": keys.partition_key, "KeyType": "HASH"}]
        if keys.sort_key:
            result.append({"AttributeName": keys.sort_key, "KeyType": "RANGE"})
        return result

    definition: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": key_schema(spec.keys),
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": t} for a, t in spec.key_attribute_types.items()],
    }

    def projection(index: schema.IndexSpec) -> dict[str, Any]:
        if index.include is None:
            return {"ProjectionType": "ALL"}
        if not index.include:
            return {"ProjectionType": "KEYS_ONLY"}
        return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.include)}

    if spec.indexes:
        definition["GlobalSecondaryIndexes"] = [
            {"IndexName": index.name, "KeySchema": key_schema(index.keys), "Projection": projection(index)}
            for index in spec.indexes
        ]
    return definition


def provision(session_clients: dict[str, Any], region: str, prefix: str = "plateguard-local") -> LocalResources:
    """Create every table, bucket, queue and topic; wire S3 -> SQS and SNS -> inbox queue."""
    dynamodb, s3, sqs, sns = (session_clients[n] for n in ("dynamodb", "s3", "sqs", "sns"))
    table_names = {}
    for spec in schema.TABLES:
        name = f"{prefix}-{spec.logical_id.removesuffix('Table').lower()}"
        dynamodb.create_table(**table_definition(spec, name))
        if spec.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute}
            )
        table_names[spec.logical_id] = name

    images_bucket = f"{prefix}-images"
    audit_bucket = f"{prefix}-audit"
    bucket_args: dict[str, Any] = {}
    if region != "us-east-1":
        bucket_args["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(Bucket=images_bucket, **bucket_args)
    s3.put_bucket_versioning(Bucket=images_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket=audit_bucket, ObjectLockEnabledForBucket=True, **bucket_args)
    s3.put_object_lock_configuration(
        Bucket=audit_bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": schema.AUDIT_BUCKET.object_lock_days}},
        },
    )

    dlq_url = sqs.create_queue(QueueName=f"{prefix}-ingest-dlq")["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    queue_url = sqs.create_queue(
        QueueName=f"{prefix}-ingest",
        Attributes={
            "VisibilityTimeout": str(schema.INGEST_VISIBILITY_TIMEOUT_SECONDS),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(schema.INGEST_QUEUE.dead_letter_max_receives)}
            ),
        },
    )["QueueUrl"]
    queue_arn = _queue_arn(sqs, queue_url)
    s3.put_bucket_notification_configuration(
        Bucket=images_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": schema.INCOMING_PREFIX}]}},
                }
            ]
        },
    )

    topic_arn = sns.create_topic(Name=f"{prefix}-alerts")["TopicArn"]
    inbox_url = sqs.create_queue(QueueName=f"{prefix}-device-inbox")["QueueUrl"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=_queue_arn(sqs, inbox_url))
    supervisor_topic_arn = sns.create_topic(Name=f"{prefix}-supervisors")["TopicArn"]
    cameras = None
    if "iot" in session_clients and "iam" in session_clients:
        cameras = provision_camera_identity(
            session_clients["iot"], session_clients["iam"], region, prefix, images_bucket
        )

    return LocalResources(
        audit_digest_key=provision_digest_key(session_clients["kms"]) if "kms" in session_clients else "",
        region=region,
        table_names=table_names,
        images_bucket=images_bucket,
        audit_bucket=audit_bucket,
        ingest_queue_url=queue_url,
        ingest_queue_arn=queue_arn,
        dead_letter_queue_url=dlq_url,
        alert_topic_arn=topic_arn,
        inbox_queue_url=inbox_url,
        supervisor_topic_arn=supervisor_topic_arn,
        cameras=cameras,
    )


def provision_digest_key(kms: Any) -> str:
    """The audit digest signing key, as cdk/constructs/jobs.py creates it (moto keeps no key policy)."""
    metadata = kms.create_key(
        KeySpec="ECC_NIST_P256",
        KeyUsage="SIGN_VERIFY",
        Description="Signs the audit trail's hourly digests; only the audit digest function may sign",
    )["KeyMetadata"]
    return str(metadata["Arn"])


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
