"""DynamoDB tables and the images bucket, built from `plateguard.schema` (the single source of truth)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from plateguard import schema

# Same wording everywhere the finding appears (tables and buckets).
NO_BACKUP_COPIES_REASON = (
    "Deliberately no AWS Backup plan / cross-region replica: copies outside the table/bucket would keep "
    "plate reads after the retention period the usage and privacy policy promises (SB 34). Recovery is "
    "point-in-time recovery (capped at the shortest retention for expiring data) and versioning (1 day)."
)


MAX_PITR_DAYS = 35


def build_table(scope: Construct, spec: schema.TableSpec, key: kms.IKey, expiring_pitr_days: int) -> dynamodb.Table:
    """One table from its TableSpec; its CloudFormation logical ID is the spec's `logical_id`.

    Tables whose items expire (a TTL attribute: reads, alerts, hot-list entries, image records) keep
    point-in-time recovery only `expiring_pitr_days`, so a restore cannot bring back data past the
    policy's shortest retention; registries and the audit trail keep the full 35 days.
    """

    types = spec.key_attribute_types

    def attribute(name: str | None) -> dynamodb.Attribute | None:
        kind = dynamodb.AttributeType.NUMBER if types.get(name or "") == "N" else dynamodb.AttributeType.STRING
        return dynamodb.Attribute(name=name, type=kind) if name else None

    table = dynamodb.Table(
        scope,
        spec.logical_id,
        partition_key=dynamodb.Attribute(name=spec.keys.partition_key, type=dynamodb.AttributeType.STRING),
        sort_key=attribute(spec.keys.sort_key),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True,
            recovery_period_in_days=min(MAX_PITR_DAYS, expiring_pitr_days) if spec.ttl_attribute else MAX_PITR_DAYS,
        ),
        time_to_live_attribute=spec.ttl_attribute,
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    for index in spec.indexes:
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=dynamodb.Attribute(name=index.keys.partition_key, type=dynamodb.AttributeType.STRING),
            sort_key=attribute(index.keys.sort_key),
            # A reader-specific index (the sweeper's) projects only what its reader uses.
            projection_type=(
                dynamodb.ProjectionType.ALL
                if index.include is None
                else dynamodb.ProjectionType.INCLUDE
                if index.include
                else dynamodb.ProjectionType.KEYS_ONLY
            ),
            non_key_attributes=list(index.include) if index.include else None,
        )
    table.node.default_child.override_logical_id(spec.logical_id)  # type: ignore[union-attr]
    NagSuppressions.add_resource_suppressions(
        table, [NagPackSuppression(id="NIST.800.53.R5-DynamoDBInBackupPlan", reason=NO_BACKUP_COPIES_REASON)]
    )
    return table


def grant_lookup(table: dynamodb.Table, grantee: iam.IGrantable) -> None:
    """GetItem and Query (table and indexes), and decryption with the table's key: what the API and ingest
    read with. `grant_read_data` would add Scan, BatchGetItem, ConditionCheckItem, DescribeTable and the
    stream reads, which no recorded call of theirs uses (compliance report, section 5)."""
    table.grant(grantee, "dynamodb:GetItem", "dynamodb:Query")
    if table.encryption_key is not None:
        table.encryption_key.grant_decrypt(grantee)


def grant_append(table: dynamodb.Table, grantee: iam.IGrantable, *, update: bool = True, batch: bool = False) -> None:
    """Look up, put and (optionally) update, but never delete: `grant_read_write_data` would also grant
    DeleteItem and BatchWriteItem (which deletes). Deleting expired data is the retention sweep's job,
    and the audit trail must be append-only (CJIS: audit records protected from modification)."""
    grant_lookup(table, grantee)
    # `batch`: BatchWriteItem, for code that writes in batches (IAM cannot allow its puts without its deletes).
    extra = (["dynamodb:UpdateItem"] if update else []) + (["dynamodb:BatchWriteItem"] if batch else [])
    table.grant(grantee, "dynamodb:PutItem", *extra)
    if table.encryption_key is not None:
        table.encryption_key.grant_encrypt(grantee)


class Storage(Construct):
    """Every table in `schema.TABLES`, the images bucket, and the bucket receiving S3 access logs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data_key: kms.IKey,
        image_lifecycle_days: int,
        crop_lifecycle_days: int,
        expiring_pitr_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {
            spec.logical_id: build_table(self, spec, data_key, expiring_pitr_days) for spec in schema.TABLES
        }
        self.access_logs_bucket = self._access_logs_bucket()
        spec = schema.IMAGES_BUCKET
        self.images_bucket = s3.Bucket(
            self,
            spec.logical_id,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=data_key,
            bucket_key_enabled=True,  # one KMS call per bucket-key period, not per camera upload
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix=f"{spec.logical_id}/",
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=self._image_lifecycle(image_lifecycle_days, crop_lifecycle_days),
        )
        self.images_bucket.node.default_child.override_logical_id(spec.logical_id)  # type: ignore[union-attr]
        NagSuppressions.add_resource_suppressions(
            self.images_bucket,
            [NagPackSuppression(id="NIST.800.53.R5-S3BucketReplicationEnabled", reason=NO_BACKUP_COPIES_REASON)],
        )

    @staticmethod
    def _image_lifecycle(image_days: int, crop_days: int) -> list[s3.LifecycleRule]:
        """Frames and crops expire as the policy says (`retention.images` / `retention.crops`, whole
        days); the retention sweeper deletes sooner ones on time. Versioning must not keep them alive."""

        def expire(prefix: str, days: int) -> s3.LifecycleRule:
            # Versioning guards against overwrites, but an expired or deleted image must really go:
            # a non-current version lives one day (enough to undo a mistaken delete).
            return s3.LifecycleRule(
                id=f"expire-{prefix.rstrip('/')}",
                prefix=prefix,
                expiration=Duration.days(days),
                noncurrent_version_expiration=Duration.days(1),
            )

        return [
            expire(schema.INCOMING_PREFIX, image_days),  # camera frames
            expire(schema.CROPS_PREFIX, crop_days),  # plate crops
            # Undecodable or oversized uploads are frames too, kept only for diagnosis.
            expire(schema.QUARANTINE_PREFIX, image_days),
            s3.LifecycleRule(id="abort-multipart", abort_incomplete_multipart_upload_after=Duration.days(1)),
            s3.LifecycleRule(id="delete-markers", expired_object_delete_marker=True),
        ]

    def _access_logs_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            # S3 server access logging can only deliver to SSE-S3 buckets (not SSE-KMS).
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
            # Access records are audit records: at least one year (CJIS), then gone.
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="access-logs-400-days",
                    expiration=Duration.days(400),
                    noncurrent_version_expiration=Duration.days(1),
                )
            ],
        )
        NagSuppressions.add_resource_suppressions(
            bucket,
            [
                NagPackSuppression(
                    id="NIST.800.53.R5-S3DefaultEncryptionKMS",
                    reason="S3 server access log delivery supports only SSE-S3 (AES-256) destination "
                    "buckets; the logs hold request metadata, not images.",
                ),
                NagPackSuppression(
                    id="NIST.800.53.R5-S3BucketReplicationEnabled",
                    reason="Access logs stay in the agency's account and region; versioning guards them.",
                ),
            ],
            apply_to_children=True,
        )
        return bucket
