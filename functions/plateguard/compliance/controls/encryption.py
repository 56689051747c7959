"""Encryption at rest (customer-managed keys, rotation) and in transit (TLS-only policies) (SC)."""

from __future__ import annotations

from plateguard.compliance.controls.base import (
    MIN_TLS,
    bucket_policy_statements,
    data_buckets,
    denies_insecure_transport,
    denies_old_tls,
    kms_cmk,
    log_destination_buckets,
    truthy,
)
from plateguard.compliance.template import Checker, as_list, statements


def check_tables_cmk(c: Checker) -> None:
    for table in c.each("AWS::DynamoDB::Table", "tables"):
        c.expect(table, "SSESpecification.SSEEnabled", truthy, "true")
        c.expect(table, "SSESpecification.SSEType", lambda v: v == "KMS", "KMS")
        c.expect(table, "SSESpecification.KMSMasterKeyId", kms_cmk(c), "a customer-managed key of this stack")


def check_buckets_cmk(c: Checker) -> None:
    t = c.template
    enc = "BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault"
    buckets = data_buckets(t)
    c.require(bool(buckets), "no data buckets in the template")
    for bucket in buckets:
        c.expect(bucket, f"{enc}.SSEAlgorithm", lambda v: v == "aws:kms", "aws:kms")
        c.expect(bucket, f"{enc}.KMSMasterKeyID", kms_cmk(c), "a customer-managed key of this stack")
    for bucket in sorted(log_destination_buckets(t)):
        # The documented exception: S3 log delivery supports only SSE-S3 (AES-256) targets.
        c.expect(bucket, f"{enc}.SSEAlgorithm", lambda v: v in ("AES256", "aws:kms"), "AES256 or aws:kms")


def check_messaging_and_logs_cmk(c: Checker) -> None:
    for queue in c.each("AWS::SQS::Queue", "queues"):
        c.expect(queue, "KmsMasterKeyId", kms_cmk(c), "a customer-managed key of this stack")
    for topic in c.each("AWS::SNS::Topic", "topics"):
        c.expect(topic, "KmsMasterKeyId", kms_cmk(c), "a customer-managed key of this stack")
    for group in c.each("AWS::Logs::LogGroup", "log groups"):
        c.expect(group, "KmsKeyId", kms_cmk(c), "a customer-managed key of this stack")


def check_key_management(c: Checker) -> None:
    for key, resource in c.each("AWS::KMS::Key", "customer-managed keys").items():
        if resource.get("Properties", {}).get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
            c.cite(key, "KeySpec")  # HMAC keys cannot rotate automatically (AWS limitation)
            continue
        c.expect(key, "EnableKeyRotation", truthy, "true")
        c.expect(key, "DeletionPolicy", lambda v: v == "Retain", "Retain (deleting a key destroys its data)")


def check_buckets_tls(c: Checker) -> None:
    t = c.template
    for bucket in c.each("AWS::S3::Bucket", "buckets"):
        policy, _ = bucket_policy_statements(t, bucket)
        c.require(policy is not None, f"{bucket}: no bucket policy (TLS-only needs one)")
        if policy:
            c.expect(
                policy,
                "PolicyDocument",
                lambda v: denies_insecure_transport(statements(v)),
                "Deny when aws:SecureTransport is false",
            )
            c.expect(
                policy,
                "PolicyDocument",
                lambda v: denies_old_tls(statements(v)),
                f"Deny when s3:TlsVersion < {MIN_TLS}",
            )


def check_messaging_tls(c: Checker) -> None:
    t = c.template
    for kind, policy_type, attached in (
        ("AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "Topics"),
        ("AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "Queues"),
    ):
        for name in c.each(kind, kind):
            policies = [
                p
                for p, r in t.of_type(policy_type).items()
                if name in {t.target(x) for x in as_list(r["Properties"].get(attached))}
            ]
            c.require(bool(policies), f"{name}: no {policy_type} denying non-TLS requests")
            for policy in policies:
                c.expect(
                    policy,
                    "PolicyDocument",
                    lambda v: denies_insecure_transport(statements(v)),
                    "Deny when aws:SecureTransport is false",
                )
