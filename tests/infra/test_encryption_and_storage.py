"""Data at rest is under the agency's own keys, in transit TLS-only, and kept only as long as policy says."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from plateguard import schema
from tests.infra.helpers import Synthesized, as_list, resolve_arn

ACCESS_LOGS_BUCKET_PREFIX = "StorageAccessLogsBucket"


def _key_of(reference: Any) -> str:
    """Logical ID of the KMS key behind a Ref/GetAtt."""
    return resolve_arn(reference).strip("<>").split(".")[0]


def test_every_kms_key_is_customer_managed_and_rotates(synth: Synthesized) -> None:
    # Given the stack's KMS keys
    keys = synth.resources("AWS::KMS::Key")
    assert keys
    for name, key in keys.items():
        props = key["Properties"]
        # Then symmetric keys rotate automatically (HMAC and signing keys cannot: the pagination key is
        # one, the audit digest key the other)
        if props.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT":
            assert props["EnableKeyRotation"] is True, name
        else:
            assert props["KeyUsage"] in ("GENERATE_VERIFY_MAC", "SIGN_VERIFY"), name


def test_every_table_uses_a_cmk_pitr_and_on_demand_billing(synth: Synthesized) -> None:
    for name, table in synth.resources("AWS::DynamoDB::Table").items():
        props = table["Properties"]
        # Then it is encrypted with a customer-managed key of this stack
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        assert props["SSESpecification"]["SSEType"] == "KMS", name
        assert _key_of(props["SSESpecification"]["KMSMasterKeyId"]) in synth.resources("AWS::KMS::Key"), name
        # And it can be restored to any point in the last 35 days, and cannot be deleted by accident
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["DeletionProtectionEnabled"] is True, name
        assert table["DeletionPolicy"] == "Retain", name


def test_point_in_time_recovery_cannot_restore_expired_plate_data(synth: Synthesized) -> None:
    # Given tables whose items expire (TTL) / Then a restore window never exceeds the non-hit retention
    for spec in schema.TABLES:
        pitr = synth.raw["Resources"][spec.logical_id]["Properties"]["PointInTimeRecoverySpecification"]
        if spec.ttl_attribute:
            assert pitr["RecoveryPeriodInDays"] <= max(1, synth.config.read_retention_days), spec.logical_id
        else:
            assert pitr["RecoveryPeriodInDays"] == 35, spec.logical_id


def test_tables_with_personal_data_expire_by_ttl(synth: Synthesized) -> None:
    # Given the reads table (the bulk of plate data) / Then DynamoDB TTL deletes it on expires_at
    props = synth.raw["Resources"][schema.READS.logical_id]["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}


@pytest.mark.parametrize("bucket_id", [schema.IMAGES_BUCKET.logical_id, schema.AUDIT_BUCKET.logical_id])
def test_data_buckets_use_a_cmk_and_block_public_access(synth: Synthesized, bucket_id: str) -> None:
    props = synth.raw["Resources"][bucket_id]["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse["SSEAlgorithm"] == "aws:kms"
    assert _key_of(sse["KMSMasterKeyID"]) in synth.resources("AWS::KMS::Key")
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    # And its server access logs go to the log bucket
    assert resolve_arn(props["LoggingConfiguration"]["DestinationBucketName"]).startswith(
        f"<{ACCESS_LOGS_BUCKET_PREFIX}"
    )


def test_every_bucket_policy_refuses_non_tls_requests(synth: Synthesized) -> None:
    # Given every bucket / Then its policy denies any request without TLS (and TLS < 1.2)
    buckets = set(synth.resources("AWS::S3::Bucket"))
    covered = set()
    for policy in synth.resources("AWS::S3::BucketPolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(
            s["Effect"] == "Deny"
            and s["Action"] == "s3:*"
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in statements
        ):
            covered.add(resolve_arn(policy["Properties"]["Bucket"]).strip("<>"))
    assert covered == buckets


def test_audit_bucket_is_worm_for_at_least_a_year(synth: Synthesized) -> None:
    # Given the audit bucket / Then Object Lock COMPLIANCE mode keeps every record >= 365 days
    props = synth.raw["Resources"][schema.AUDIT_BUCKET.logical_id]["Properties"]
    assert props["ObjectLockEnabled"] is True
    retention = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE"
    # (the longer of the schema's minimum and the policy's audit_records: 2 years in the example)
    assert retention["Days"] == synth.config.audit_lock_days
    assert retention["Days"] >= max(365, schema.AUDIT_BUCKET.object_lock_days or 0)
    assert synth.raw["Resources"][schema.AUDIT_BUCKET.logical_id]["DeletionPolicy"] == "Retain"


def test_image_lifecycle_follows_the_policy(synth: Synthesized) -> None:
    # Given the policy file of cdk.json (the California example: frames and crops 30 days)
    rules = synth.raw["Resources"][schema.IMAGES_BUCKET.logical_id]["Properties"]["LifecycleConfiguration"]["Rules"]
    by_prefix = {r.get("Prefix"): r for r in rules if r.get("Prefix")}
    # Then camera frames and quarantined uploads expire with `images`, crops with `crops`
    assert by_prefix[schema.INCOMING_PREFIX]["ExpirationInDays"] == synth.config.image_lifecycle_days
    assert by_prefix[schema.QUARANTINE_PREFIX]["ExpirationInDays"] == synth.config.image_lifecycle_days
    assert by_prefix[schema.CROPS_PREFIX]["ExpirationInDays"] == synth.config.crop_lifecycle_days
    assert synth.config.policy_file is not None and synth.config.image_lifecycle_days == 30
    # And versioning never keeps an expired image alive for more than a day
    for prefix in schema.IMAGES_BUCKET.prefixes:
        assert by_prefix[prefix]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
        assert by_prefix[prefix]["Status"] == "Enabled"


def test_images_bucket_and_ingest_queue_use_different_keys(synth: Synthesized) -> None:
    # A key shared by a bucket and its notification queue creates a dependency cycle.
    bucket = synth.raw["Resources"][schema.IMAGES_BUCKET.logical_id]["Properties"]
    bucket_key = _key_of(
        bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"][
            "KMSMasterKeyID"
        ]
    )
    queue_key = _key_of(synth.raw["Resources"][schema.INGEST_QUEUE.logical_id]["Properties"]["KmsMasterKeyId"])
    assert bucket_key != queue_key


def test_queues_and_topic_are_cmk_encrypted_and_tls_only(synth: Synthesized) -> None:
    keys = synth.resources("AWS::KMS::Key")
    for name, queue in synth.resources("AWS::SQS::Queue").items():
        assert _key_of(queue["Properties"]["KmsMasterKeyId"]) in keys, name
    for name, topic in synth.resources("AWS::SNS::Topic").items():
        assert _key_of(topic["Properties"]["KmsMasterKeyId"]) in keys, name
    # Then every queue and topic policy denies non-TLS access
    for type_, target_key in (("AWS::SQS::QueuePolicy", "Queues"), ("AWS::SNS::TopicPolicy", "Topics")):
        protected = set()
        for policy in synth.resources(type_).values():
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            if any(
                s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
                for s in statements
            ):
                protected |= {
                    resolve_arn(t).strip("<>").split(".")[0] for t in as_list(policy["Properties"][target_key])
                }
        expected = synth.resources("AWS::SQS::Queue" if target_key == "Queues" else "AWS::SNS::Topic")
        assert protected == set(expected), type_


def test_ingest_queue_redrives_to_an_encrypted_dlq(synth: Synthesized) -> None:
    props = synth.raw["Resources"][schema.INGEST_QUEUE.logical_id]["Properties"]
    # Then poison messages land in the DLQ after the schema's receive count
    assert props["RedrivePolicy"]["maxReceiveCount"] == schema.INGEST_QUEUE.dead_letter_max_receives
    dlq = resolve_arn(props["RedrivePolicy"]["deadLetterTargetArn"]).strip("<>").split(".")[0]
    assert "KmsMasterKeyId" in synth.raw["Resources"][dlq]["Properties"]
    # And a message stays invisible for 6x the function timeout (AWS guidance for SQS sources)
    assert props["VisibilityTimeout"] == schema.INGEST_VISIBILITY_TIMEOUT_SECONDS
    assert props["VisibilityTimeout"] == 6 * schema.INGEST_FUNCTION_TIMEOUT_SECONDS


def test_only_incoming_uploads_notify_the_ingest_queue(synth: Synthesized) -> None:
    # Given the S3 notification configuration of the images bucket
    synth.template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "BucketName": {"Ref": schema.IMAGES_BUCKET.logical_id},
            "NotificationConfiguration": {
                "QueueConfigurations": [
                    {
                        "Events": ["s3:ObjectCreated:*"],
                        "QueueArn": {"Fn::GetAtt": [schema.INGEST_QUEUE.logical_id, "Arn"]},
                        # Then only incoming/ triggers: crops/ and quarantine/ writes cannot loop
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": schema.INCOMING_PREFIX}]}},
                    }
                ]
            },
        },
    )
    # And S3 may send only from that bucket
    synth.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "s3.amazonaws.com"},
                                "Condition": {
                                    "ArnLike": {
                                        "aws:SourceArn": {"Fn::GetAtt": [schema.IMAGES_BUCKET.logical_id, "Arn"]}
                                    }
                                },
                            }
                        )
                    ]
                )
            }
        },
    )
