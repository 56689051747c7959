"""plateguard.local.aws_calls: the permissions each call needs, attribution, and enforcement through
botocore's own hooks (in-process moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from plateguard.compliance.iam_eval import TemplatePolicies
from plateguard.local.aws_calls import (
    AwsCallRecorder,
    Principal,
    acting_as,
    bind_access_key,
    required_permissions,
)

REGION = "us-west-2"
ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"


def test_s3_calls_need_object_and_bucket_permissions() -> None:
    assert required_permissions("s3", "HeadObject", {"Bucket": "b", "Key": "incoming/a.jpg"}) == [
        ("s3:GetObject", "arn:aws:s3:::b/incoming/a.jpg")
    ]
    copy = {"Bucket": "b", "Key": "quarantine/a.jpg", "CopySource": {"Bucket": "b", "Key": "incoming/a.jpg"}}
    assert required_permissions("s3", "CopyObject", copy) == [
        ("s3:GetObject", "arn:aws:s3:::b/incoming/a.jpg"),
        ("s3:PutObject", "arn:aws:s3:::b/quarantine/a.jpg"),
    ]
    # botocore rewrites CopySource to "bucket/key?versionId=" before the call
    rewritten = {**copy, "CopySource": "b/incoming/a%20b.jpg?versionId=v1"}
    assert required_permissions("s3", "CopyObject", rewritten)[0] == (
        "s3:GetObjectVersion",
        "arn:aws:s3:::b/incoming/a b.jpg",
    )
    assert required_permissions("s3", "DeleteObject", {"Bucket": "b", "Key": "k", "VersionId": "v"}) == [
        ("s3:DeleteObjectVersion", "arn:aws:s3:::b/k")
    ]
    assert required_permissions("s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "k"}]}}) == [
        ("s3:DeleteObject", "arn:aws:s3:::b/k")
    ]
    assert required_permissions("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "x/"}) == [
        ("s3:ListBucket", "arn:aws:s3:::b")
    ]
    assert required_permissions("s3", "ListObjectVersions", {"Bucket": "b"}) == [
        ("s3:ListBucketVersions", "arn:aws:s3:::b")
    ]
    locked = {"Bucket": "audit", "Key": "k", "ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": "x"}
    assert ("s3:PutObjectRetention", "arn:aws:s3:::audit/k") in required_permissions("s3", "PutObject", locked)


def test_dynamodb_calls_name_tables_indexes_and_each_transaction_item() -> None:
    assert required_permissions("dynamodb", "Query", {"TableName": "reads", "IndexName": "by-id"}, region=REGION) == [
        ("dynamodb:Query", f"{TABLE}/reads/index/by-id")
    ]
    batch = {"RequestItems": {"hotlist": [], "reads": []}}
    assert required_permissions("dynamodb", "BatchWriteItem", batch, region=REGION) == [
        ("dynamodb:BatchWriteItem", f"{TABLE}/hotlist"),
        ("dynamodb:BatchWriteItem", f"{TABLE}/reads"),
    ]
    transact = {"TransactItems": [{"Put": {"TableName": "audit"}}, {"ConditionCheck": {"TableName": "users"}}]}
    assert required_permissions("dynamodb", "TransactWriteItems", transact, region=REGION) == [
        ("dynamodb:PutItem", f"{TABLE}/audit"),
        ("dynamodb:ConditionCheckItem", f"{TABLE}/users"),
    ]


def test_sns_sqs_kms_and_sts_calls() -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
    assert required_permissions("sns", "Publish", {"TopicArn": topic}) == [("sns:Publish", topic)]
    assert required_permissions("sns", "Unsubscribe", {"SubscriptionArn": f"{topic}:abc-123"}) == [
        ("sns:Unsubscribe", topic)
    ]
    url = f"http://127.0.0.1:5000/{ACCOUNT}/pg-ingest"
    assert required_permissions("sqs", "DeleteMessageBatch", {"QueueUrl": url, "Entries": []}, region=REGION) == [
        ("sqs:DeleteMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:pg-ingest")
    ]
    assert required_permissions("kms", "GenerateMac", {"KeyId": "abcd"}, region=REGION) == [
        ("kms:GenerateMac", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/abcd")
    ]
    assert required_permissions("sts", "GetCallerIdentity", {}) == []


def test_an_encrypted_target_implies_kms_permissions_via_the_service() -> None:
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/data"

    def encryption_key(resource: str) -> str | None:
        return key if resource.startswith(("arn:aws:s3:::b", f"{TABLE}/reads")) else None

    get = required_permissions("s3", "GetObject", {"Bucket": "b", "Key": "k"}, encryption_key=encryption_key)
    assert get == [("s3:GetObject", "arn:aws:s3:::b/k"), ("kms:Decrypt", key)]
    put = required_permissions("s3", "PutObject", {"Bucket": "b", "Key": "k"}, encryption_key=encryption_key)
    assert put == [("s3:PutObject", "arn:aws:s3:::b/k"), ("kms:GenerateDataKey", key)]
    item = required_permissions(
        "dynamodb", "PutItem", {"TableName": "reads"}, region=REGION, encryption_key=encryption_key
    )
    assert item == [("dynamodb:PutItem", f"{TABLE}/reads"), ("kms:Decrypt", key)]
    # And an unencrypted target implies nothing
    assert required_permissions("s3", "GetObject", {"Bucket": "other", "Key": "k"}, encryption_key=encryption_key) == [
        ("s3:GetObject", "arn:aws:s3:::other/k")
    ]


def _template() -> dict[str, Any]:
    """A reader role: GetObject on the bucket's incoming/ prefix only."""
    bucket_arn = {"Fn::GetAtt": ["Bucket", "Arn"]}
    return {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "ReaderRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Reader": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "pkg.reader.handle", "Role": {"Fn::GetAtt": ["ReaderRole", "Arn"]}},
            },
            "ReaderPolicy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Roles": [{"Ref": "ReaderRole"}],
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "s3:GetObject",
                                "Resource": {"Fn::Join": ["", [bucket_arn, "/incoming/*"]]},
                            }
                        ]
                    },
                },
            },
        }
    }


@pytest.fixture
def s3_world() -> Iterator[None]:
    with mock_aws():
        yield


def _recorder(enforce: bool) -> AwsCallRecorder:
    policies = TemplatePolicies.from_template(_template(), {"Bucket": "pg-bucket"}, account=ACCOUNT, region=REGION)
    return AwsCallRecorder(policies, enforce=enforce)


def test_enforcement_refuses_a_call_the_role_may_not_make_before_it_reaches_aws(s3_world: None) -> None:
    with _recorder(enforce=True) as recorder:
        # Given a bucket set up by nobody in particular (unattributed, not evaluated)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="pg-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket="pg-bucket", Key="incoming/a.jpg", Body=b"frame")
        reader = Principal(label="pkg.reader.handle", role="ReaderRole")
        with acting_as(reader):
            # When the reader reads what it may and then deletes what it may not
            assert s3.get_object(Bucket="pg-bucket", Key="incoming/a.jpg")["Body"].read() == b"frame"
            with pytest.raises(ClientError) as refused:
                s3.delete_object(Bucket="pg-bucket", Key="incoming/a.jpg")
        # Then the delete fails as AWS fails it, and the object is still there
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        assert "s3:DeleteObject" in refused.value.response["Error"]["Message"]
        assert s3.head_object(Bucket="pg-bucket", Key="incoming/a.jpg")["ContentLength"] == 5
    # And each attributed call is recorded with its permission and decision
    calls = [(c.operation, c.allowed) for c in recorder.attributed()]
    assert calls == [("GetObject", True), ("DeleteObject", False)]
    assert [c.operation for c in recorder.unattributed] == ["CreateBucket", "PutObject", "HeadObject"]
    assert "has no s3:DeleteObject on arn:aws:s3:::pg-bucket/incoming/a.jpg" in recorder.denied()[0].describe()


def test_record_only_mode_lets_the_call_through(s3_world: None) -> None:
    with _recorder(enforce=False) as recorder:
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="pg-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        with acting_as(Principal(label="pkg.reader.handle", role="ReaderRole")):
            s3.put_object(Bucket="pg-bucket", Key="crops/x.jpg", Body=b"crop")
    assert [c.allowed for c in recorder.attributed()] == [False]
    assert recorder.attributed()[0].permissions == (("s3:PutObject", "arn:aws:s3:::pg-bucket/crops/x.jpg"),)


def test_an_external_identity_is_attributed_by_its_access_key(s3_world: None) -> None:
    with _recorder(enforce=True) as recorder:
        admin = boto3.client("s3", region_name=REGION)
        admin.create_bucket(Bucket="pg-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        # Given a client signing with a key bound to the reader role
        bind_access_key("AKIACAMERA0001", Principal(label="camera cam-1", role="ReaderRole"))
        camera = boto3.client(
            "s3", region_name=REGION, aws_access_key_id="AKIACAMERA0001", aws_secret_access_key="secret"
        )
        # Then its calls are evaluated as that principal's, without any acting_as
        with pytest.raises(ClientError):
            camera.put_object(Bucket="pg-bucket", Key="incoming/a.jpg", Body=b"frame")
    assert [(c.principal, c.allowed) for c in recorder.attributed()] == [("camera cam-1", False)]


def test_pynamodb_clients_are_hooked_too(s3_world: None) -> None:
    from pynamodb.attributes import UnicodeAttribute
    from pynamodb.models import Model

    class Item(Model):
        class Meta:
            table_name = "items"
            region = REGION

        pk = UnicodeAttribute(hash_key=True)

    with _recorder(enforce=True) as recorder:
        Item.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        with acting_as(Principal(label="pkg.reader.handle", role="ReaderRole")), pytest.raises(Exception) as refused:
            Item("a").save()
    assert "AccessDenied" in str(refused.value) or "not authorized" in str(refused.value)
    assert [(c.operation, c.allowed) for c in recorder.attributed()] == [("PutItem", False)]
