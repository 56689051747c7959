"""Media protection & retention (MP): data expires on schedule, no copy outlives it, records are kept."""

from __future__ import annotations

import operator
from functools import partial

from plateguard import schema
from plateguard.compliance.controls.base import incoming_retention_days, plateguard_functions, truthy
from plateguard.compliance.template import Checker, Evidence, as_list


def check_ttl(c: Checker) -> None:
    for spec in schema.TABLES:
        if spec.ttl_attribute is None:
            continue
        c.expect(spec.logical_id, "TimeToLiveSpecification.Enabled", truthy, "true")
        c.expect(
            spec.logical_id,
            "TimeToLiveSpecification.AttributeName",
            partial(operator.eq, spec.ttl_attribute),
            spec.ttl_attribute,
        )


def check_image_lifecycle(c: Checker) -> None:
    t = c.template
    bucket = schema.IMAGES_BUCKET.logical_id
    rules = as_list(t.get(bucket, "LifecycleConfiguration.Rules"))
    c.evidence.append(Evidence(bucket, "LifecycleConfiguration.Rules", rules))
    for prefix in schema.IMAGES_BUCKET.prefixes:
        rule = next((r for r in rules if r.get("Prefix") == prefix and r.get("Status", "Enabled") == "Enabled"), None)
        c.require(
            rule is not None and rule.get("ExpirationInDays") is not None, f"{bucket}: no expiration for {prefix}"
        )
        c.require(
            rule is not None and (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays") is not None,
            f"{bucket}: non-current versions under {prefix} never expire",
        )


def check_no_copies(c: Checker) -> None:
    for bucket in c.each("AWS::S3::Bucket", "buckets"):
        c.expect(bucket, "ReplicationConfiguration", lambda v: v is None, "absent (no copy outside the account/region)")
    for table in c.each("AWS::DynamoDB::Table", "tables"):
        c.expect(table, "StreamSpecification", lambda v: v is None, "absent (no change stream copying reads)")
    c.require(not c.template.of_type("AWS::DynamoDB::GlobalTable"), "a DynamoDB global table replicates data")
    c.require(not c.template.of_type("AWS::Backup::BackupPlan"), "a backup plan keeps copies past retention")


def check_function_logs_bounded(c: Checker) -> None:
    t = c.template
    days = incoming_retention_days(t)
    c.require(days is not None, f"{schema.IMAGES_BUCKET.logical_id}: no expiration for {schema.INCOMING_PREFIX}")
    for name in plateguard_functions(t) or c.each("AWS::Lambda::Function", "functions"):
        group = t.target(t.get(name, "LoggingConfig.LogGroup"))
        c.expect(name, "LoggingConfig.LogGroup", lambda v: t.target(v) is not None, "a log group of this stack")
        if group and days is not None:
            c.expect(
                group,
                "RetentionInDays",
                lambda v: v is not None and days is not None and int(v) <= days,
                f"<= {days} days (the non-hit read retention)",
            )


def check_resources_retained(c: Checker) -> None:
    for table in c.each("AWS::DynamoDB::Table", "tables"):
        c.expect(table, "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", truthy, "true")
        c.expect(table, "DeletionProtectionEnabled", truthy, "true")
        c.expect(table, "DeletionPolicy", lambda v: v == "Retain", "Retain")
    for bucket in c.each("AWS::S3::Bucket", "buckets"):
        c.expect(bucket, "VersioningConfiguration.Status", lambda v: v == "Enabled", "Enabled")
        c.expect(bucket, "DeletionPolicy", lambda v: v == "Retain", "Retain")
