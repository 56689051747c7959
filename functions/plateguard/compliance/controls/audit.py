"""Audit & accountability (AU): the audit trail and the access logs are kept, write-once, long enough."""

from __future__ import annotations

from plateguard import schema
from plateguard.compliance.controls.base import (
    AUDIT_RETENTION_DAYS,
    data_buckets,
    kms_cmk,
    log_destination_buckets,
    truthy,
)
from plateguard.compliance.template import Checker, as_list


def check_audit_worm(c: Checker) -> None:
    bucket = schema.AUDIT_BUCKET.logical_id
    c.require(bucket in c.template.resources, f"{bucket} is missing from the template")
    c.expect(bucket, "ObjectLockEnabled", truthy, "true (S3 Object Lock)")
    c.expect(bucket, "ObjectLockConfiguration.ObjectLockEnabled", lambda v: v == "Enabled", "Enabled")
    rule = "ObjectLockConfiguration.Rule.DefaultRetention"
    c.expect(bucket, f"{rule}.Mode", lambda v: v == "COMPLIANCE", "COMPLIANCE (not even root can delete)")
    c.expect(
        bucket, f"{rule}.Days", lambda v: v is not None and int(v) >= AUDIT_RETENTION_DAYS, f">= {AUDIT_RETENTION_DAYS}"
    )
    c.expect(bucket, "VersioningConfiguration.Status", lambda v: v == "Enabled", "Enabled")


def check_audit_table(c: Checker) -> None:
    table = schema.AUDIT.logical_id
    c.require(table in c.template.resources, f"{table} is missing from the template")
    c.expect(table, "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", truthy, "true")
    c.expect(table, "DeletionProtectionEnabled", truthy, "true")
    c.expect(table, "DeletionPolicy", lambda v: v == "Retain", "Retain")
    c.expect(table, "TimeToLiveSpecification", lambda v: v is None, "no TTL (audit records never expire by TTL)")


def check_api_access_log(c: Checker) -> None:
    t = c.template
    for stage in c.each("AWS::ApiGateway::Stage", "the API stage"):
        c.expect(
            stage, "AccessLogSetting.DestinationArn", lambda v: t.target(v) is not None, "a log group of this stack"
        )
        group = t.target(t.get(stage, "AccessLogSetting.DestinationArn"))
        if group:
            c.expect(
                group,
                "RetentionInDays",
                lambda v: v is not None and int(v) >= AUDIT_RETENTION_DAYS,
                f">= {AUDIT_RETENTION_DAYS} days",
            )
            c.expect(group, "KmsKeyId", kms_cmk(c), "a customer-managed key of this stack")
        c.expect(
            stage,
            "AccessLogSetting.Format",
            lambda v: isinstance(v, str) and "$context.identity" in v,
            "caller identity fields",
        )


def check_s3_access_logging(c: Checker) -> None:
    t = c.template
    for bucket in data_buckets(t):
        c.expect(
            bucket,
            "LoggingConfiguration.DestinationBucketName",
            lambda v: t.target(v) is not None,
            "a log bucket of this stack",
        )
    targets = log_destination_buckets(t)
    c.require(bool(targets), "no bucket receives S3 server access logs")
    for bucket in sorted(targets):
        c.expect(
            bucket,
            "LifecycleConfiguration.Rules",
            lambda v: all(
                int(r.get("ExpirationInDays", AUDIT_RETENTION_DAYS)) >= AUDIT_RETENTION_DAYS for r in as_list(v)
            ),
            f"no expiry shorter than {AUDIT_RETENTION_DAYS} days",
        )
