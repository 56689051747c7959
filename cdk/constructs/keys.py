"""Customer-managed KMS keys, one per data domain.

Separate keys keep the key policies small and avoid the dependency cycle that one key shared by the
images bucket and its notification queue creates (bucket -> key policy -> queue policy -> bucket).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


class EncryptionKeys(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.data = self._key("DataKey", "PlateGuard plate reads, images, crops and registries")
        self.queues = self._key("QueuesKey", "PlateGuard SQS queues: ingest and the dead-letter queues")
        self.alerts = self._key("AlertsKey", "PlateGuard SNS topics: hot-list alerts and supervisor notices")
        self.audit = self._key("AuditKey", "PlateGuard WORM audit trail")
        self.logs = self._key("LogsKey", "PlateGuard CloudWatch log groups (functions and API access)")
        # HMAC key for the API's pagination tokens: the API derives its token-signing secret with
        # GenerateMac, so the key material never leaves KMS. (Automatic rotation exists only for
        # symmetric encryption keys; rotating this one would invalidate at most 15-minute tokens.)
        self.pagination = kms.Key(
            self,
            "PaginationKey",
            description="PlateGuard API pagination-token HMAC key",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
            pending_window=Duration.days(7),
            removal_policy=RemovalPolicy.DESTROY,  # protects no stored data: tokens live minutes
        )
        # CloudWatch Logs encrypts with the key itself, so its service principal needs a key-policy
        # grant, limited to this account's log groups in this region.
        self.logs.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsForThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            )
        )

    def _key(self, construct_id: str, purpose: str) -> kms.Key:
        return kms.Key(
            self,
            construct_id,
            description=purpose,
            enable_key_rotation=True,
            pending_window=Duration.days(30),
            # Deleting a key destroys every record it protects: never as a side effect of a stack delete.
            removal_policy=RemovalPolicy.RETAIN,
        )
