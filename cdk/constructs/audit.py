"""The WORM copy of the search audit trail: S3 Object Lock in COMPLIANCE mode.

In COMPLIANCE mode nobody, root included, can delete or shorten the retention of an audit object
before it expires, which is what makes the hash chain's anchor tamper-evident.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from plateguard import schema


class AuditTrail(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, key: kms.IKey, access_logs_bucket: s3.IBucket, lock_days: int
    ) -> None:
        """`lock_days`: the longer of schema.AUDIT_BUCKET.object_lock_days and the policy's audit_records."""
        super().__init__(scope, construct_id)
        spec = schema.AUDIT_BUCKET
        if lock_days < max(365, spec.object_lock_days or 0):
            raise ValueError(f"audit records must be locked at least 365 days (CJIS) and {spec.object_lock_days}")
        self.bucket = s3.Bucket(
            self,
            spec.logical_id,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,  # required by Object Lock
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(Duration.days(lock_days)),
            server_access_logs_bucket=access_logs_bucket,
            server_access_logs_prefix=f"{spec.logical_id}/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket.node.default_child.override_logical_id(spec.logical_id)  # type: ignore[union-attr]
        NagSuppressions.add_resource_suppressions(
            self.bucket,
            [
                NagPackSuppression(
                    id="NIST.800.53.R5-S3BucketReplicationEnabled",
                    reason="The audit trail stays in the agency's account and region (data ownership); "
                    "Object Lock COMPLIANCE mode already makes every record undeletable for its retention.",
                )
            ],
        )
