"""The one factory for PlateGuard Lambda functions: log group, role, tracing and code written once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from cdk.packaging import FUNCTION_ASSET_EXCLUDE, FUNCTIONS_DIR, LAMBDA_ARCHITECTURE

RUNTIME = lambda_.Runtime.PYTHON_3_12  # the layers are built for cp312: change both together
# The layers hold wheels for this CPU (cdk/packaging.py says why arm64).
ARCHITECTURE = lambda_.Architecture.ARM_64 if LAMBDA_ARCHITECTURE == "arm64" else lambda_.Architecture.X86_64
SERVICE_NAME = "plateguard"

# CloudWatch accepts only these retention periods (days); jsii enum values are names, not numbers.
_R = logs.RetentionDays
_RETENTION_STEPS = (
    (1, _R.ONE_DAY),
    (3, _R.THREE_DAYS),
    (5, _R.FIVE_DAYS),
    (7, _R.ONE_WEEK),
    (14, _R.TWO_WEEKS),
    (30, _R.ONE_MONTH),
    (60, _R.TWO_MONTHS),
    (90, _R.THREE_MONTHS),
    (120, _R.FOUR_MONTHS),
    (150, _R.FIVE_MONTHS),
    (180, _R.SIX_MONTHS),
    (365, _R.ONE_YEAR),
    (400, _R.THIRTEEN_MONTHS),
    (545, _R.EIGHTEEN_MONTHS),
    (731, _R.TWO_YEARS),
)


def retention_at_most(days: int) -> logs.RetentionDays:
    """The longest CloudWatch retention that does not exceed `days` (at least one day)."""
    fitting = [r for d, r in _RETENTION_STEPS if d <= days]
    return fitting[-1] if fitting else logs.RetentionDays.ONE_DAY


class PlateGuardFunction(Construct):
    """A Python Lambda with its own role, KMS-encrypted log group, X-Ray tracing and JSON logs.

    The role starts with nothing but writing to its own log group (no AWSLambdaBasicExecutionRole,
    whose `logs:CreateLogGroup` on `*` a function with a pre-created log group never needs);
    callers add data access with `grant_*`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        timeout: Duration,
        memory_size: int,
        environment: Mapping[str, str],
        layers: Sequence[lambda_.ILayerVersion],
        logs_key: kms.IKey,
        log_retention: logs.RetentionDays,
        reserved_concurrency: int,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> None:
        """`dead_letter_queue`: for asynchronously invoked functions (schedules) only."""
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=logs_key,
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,  # logs follow their retention, not the stack
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {handler}",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=lambda_.Code.from_asset(str(FUNCTIONS_DIR), exclude=FUNCTION_ASSET_EXCLUDE),
            description=description,
            timeout=timeout,
            memory_size=memory_size,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            layers=list(layers),
            reserved_concurrent_executions=reserved_concurrency,
            dead_letter_queue=dead_letter_queue,
            environment={
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": "PlateGuard",
                **environment,
            },
        )
        self.log_group.grant_write(self.role)
        NagSuppressions.add_resource_suppressions(
            self.role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level "
                    "permissions; AWS documents Resource '*' for them.",
                    applies_to=["Resource::*"],
                ),
                NagPackSuppression(
                    id="NIST.800.53.R5-IAMNoInlinePolicy",
                    reason="The inline policy holds the grant_* statements of this one function and is "
                    "attached to its own role only; a managed policy would add reuse that least privilege "
                    "wants to avoid, and its lifecycle is the function's.",
                ),
            ],
            apply_to_children=True,
        )
        NagSuppressions.add_resource_suppressions(
            self.function,
            [
                NagPackSuppression(
                    id="AwsSolutions-L1",
                    reason="Pinned to python3.12 because the recognition layer ships cp312 binary wheels "
                    "(onnxruntime, opencv); moving runtime means rebuilding layers/build.py for it.",
                ),
                NagPackSuppression(
                    id="NIST.800.53.R5-LambdaInsideVPC",
                    reason="The function reaches only AWS APIs (S3, DynamoDB, SNS, KMS, X-Ray) over TLS with "
                    "SigV4 and holds no network listener; a VPC would add NAT/endpoints without narrowing "
                    "access, which IAM and the resource policies already do.",
                ),
            ],
        )
        if dead_letter_queue is None:
            NagSuppressions.add_resource_suppressions(
                self.function,
                [
                    NagPackSuppression(
                        id="NIST.800.53.R5-LambdaDLQ",
                        reason="Failures are captured upstream: ingest is invoked by an SQS event source whose "
                        "queue has a DLQ (an on-failure DLQ applies only to async invokes); the API function "
                        "is invoked synchronously by API Gateway and returns its errors to the caller.",
                    )
                ],
            )
