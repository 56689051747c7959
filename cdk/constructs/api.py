"""The officer API: REST API Gateway with AWS_IAM on every method, generated from the route catalogue.

`plateguard.models.routes.ROUTES` is the single list of (method, path, roles). From it come the API
resources and methods, and one IAM managed policy + one MFA-only role per `Role`, so the gateway's
IAM check and the handler's own role check can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import Construct

from cdk.constructs.cameras import CameraAccess
from cdk.constructs.function import PlateGuardFunction
from cdk.constructs.storage import grant_append, grant_lookup
from cdk.nag import suppress_grant_wildcards
from plateguard import schema
from plateguard.logic.identity import role_trust_conditions
from plateguard.models.routes import ROUTES, Role, routes_for

API_HANDLER = "plateguard.handlers.api.app.handle_api_request"
STAGE_NAME = "v1"
_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


def invoke_path(path: str) -> str:
    """API path as it appears in an execute-api ARN: each `{param}` matches any one value."""
    return _PATH_PARAMETER.sub("*", path)


class OfficerApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Mapping[str, dynamodb.Table],
        images_bucket: s3.IBucket,
        audit_bucket: s3.IBucket,
        alert_topic: sns.ITopic,
        policy_environment: Mapping[str, str],
        logs_key: kms.IKey,
        pagination_key: kms.IKey,
        layers: list[lambda_.ILayerVersion],
        reserved_concurrency: int,
        throttle_rate_limit: int,
        throttle_burst_limit: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        # One function serves every route: ApiSettings in models/settings.py reads all of these.
        served = (schema.READS, schema.USERS, schema.AUDIT, schema.CAMERAS, schema.HOTLIST, schema.HOTLISTS,
                  schema.ALERTS, schema.HOLDS, schema.REVIEWS, schema.SUBSCRIPTIONS)  # fmt: skip
        environment = {spec.env_var: tables[spec.logical_id].table_name for spec in served}
        environment |= {
            schema.AUDIT_BUCKET.env_var: audit_bucket.bucket_name,
            schema.IMAGES_BUCKET.env_var: images_bucket.bucket_name,
            schema.ALERT_TOPIC.env_var: alert_topic.topic_arn,
            "PAGINATION_KMS_KEY_ID": pagination_key.key_arn,
            **policy_environment,  # offense types, inactivity limit, alert rules (cdk/config.py)
        }
        self.function = PlateGuardFunction(
            self,
            "ApiFunction",
            handler=API_HANDLER,
            description="Officer API: identifies the caller, audits first, then searches, hot lists, alerts",
            timeout=Duration.seconds(29),  # API Gateway's integration timeout
            memory_size=1024,
            environment=environment,
            layers=layers,
            logs_key=logs_key,
            log_retention=log_retention,
            reserved_concurrency=reserved_concurrency,
        )
        fn = self.function.function
        grant_lookup(tables[schema.READS.logical_id], fn)
        # PUT /users/{user_id} writes accounts and every call records last activity (inactivity rule).
        grant_append(tables[schema.USERS.logical_id], fn)
        # The audit trail is append-only: conditional PutItem of the next sequence number, no update.
        grant_append(tables[schema.AUDIT.logical_id], fn, update=False)
        # Hot lists: supervisors add, import and remove entries (BatchWriteItem puts and deletes them);
        # list definitions are created or updated, never deleted.
        tables[schema.HOTLIST.logical_id].grant_read_write_data(fn)
        grant_append(tables[schema.HOTLISTS.logical_id], fn)
        # Alerts: list, summarise and record dispositions (conditional UpdateItem); cameras for context.
        grant_append(tables[schema.ALERTS.logical_id], fn)
        grant_lookup(tables[schema.CAMERAS.logical_id], fn)
        # Legal holds: supervisors place and release them (records kept, never deleted), and a hold
        # moves each held read's expires_at (UpdateItem on the read; no put, no delete).
        grant_append(tables[schema.HOLDS.logical_id], fn)
        # Search-audit reviews: supervisors record findings and sign periods off (put/update, never
        # delete: findings are audit records). Sampling itself stays the jobs Lambda's.
        grant_append(tables[schema.REVIEWS.logical_id], fn)
        reads_table = tables[schema.READS.logical_id]
        reads_table.grant(fn, "dynamodb:UpdateItem")
        if reads_table.encryption_key is not None:
            reads_table.encryption_key.grant_encrypt(fn)
        # A new hot-list entry is checked against recent reads and may alert; officers register their
        # own endpoints (the handler pins each subscription's filter policy to the caller's agency).
        alert_topic.grant_publish(fn)
        alert_topic.grant_subscribe(fn)
        # Subscriptions are listed and removed (by their owner, a supervisor, or with a disabled or
        # separated account): the owners' records, and sns:Unsubscribe (authorised on the topic).
        grant_append(tables[schema.SUBSCRIPTIONS.logical_id], fn, update=False)
        tables[schema.SUBSCRIPTIONS.logical_id].grant(fn, "dynamodb:DeleteItem")
        fn.add_to_role_policy(iam.PolicyStatement(actions=["sns:Unsubscribe"], resources=[alert_topic.topic_arn]))
        audit_bucket.grant_put(fn)
        # Presigned crop URLs carry this role's permissions: crops only, never raw camera frames.
        images_bucket.grant_read(fn, f"{schema.CROPS_PREFIX}*")
        pagination_key.grant(fn, "kms:GenerateMac")

        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            encryption_key=logs_key,
            retention=logs.RetentionDays.THIRTEEN_MONTHS,  # access records: at least a year (CJIS)
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            description="PlateGuard officer API (SigV4 / AWS_IAM only)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            policy=self._resource_policy(),
            cloud_watch_role=True,  # execution logging needs the account-level CloudWatch role
            default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                # Standard fields carry the resource template (/reads/{read_id}), never query strings,
                # so no plate number is written to logs that outlive the read retention.
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                # ERROR only and no data trace: INFO execution logs include query strings (plates).
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=throttle_rate_limit,
                throttling_burst_limit=throttle_burst_limit,
            ),
        )
        # API Gateway would create its execution-log group itself on the first error: unencrypted and
        # kept forever. Pre-create it (same name) with the logs key and the function-log retention.
        execution_logs = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{self.api.rest_api_id}/{STAGE_NAME}",
            encryption_key=logs_key,
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.api.deployment_stage.node.add_dependency(execution_logs)
        validator = self.api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        integration = apigw.LambdaIntegration(fn, proxy=True, allow_test_invoke=False)
        for route in ROUTES:
            resource = self.api.root.resource_for_path(route.path)
            resource.add_method(
                route.method,
                integration,
                authorization_type=apigw.AuthorizationType.IAM,
                request_validator=validator,
                request_parameters={
                    f"method.request.path.{name}": True for name in _PATH_PARAMETER.findall(route.path)
                },
                operation_name=route.summary,
            )

        self.role_policies: dict[Role, iam.ManagedPolicy] = {}
        self.roles: dict[Role, iam.Role] = {}
        for role in Role:
            self._role_access(role)
        # The handler trusts sessions of exactly these roles (ApiSettings.api_role_names).
        role_names = {role.value: r.role_name for role, r in self.roles.items()}
        fn.add_environment("API_ROLE_NAMES", Stack.of(self).to_json_string(role_names))
        self._suppress()

    def grant_supervisor_notices(self, topic: sns.ITopic) -> None:
        """The supervisors' topic: account changes made through the users routes are reported there."""
        fn = self.function.function
        fn.add_environment(schema.SUPERVISOR_TOPIC.env_var, topic.topic_arn)
        topic.grant_publish(fn)

    def _resource_policy(self) -> iam.PolicyDocument:
        # Deny-only: same-account callers still need an identity policy (the per-role managed
        # policies), while principals from any other account are refused outright. An Allow for the
        # account here would let every IAM principal in it call the API, bypassing the role policies.
        return iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="DenyOtherAccounts",
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=["execute-api:Invoke"],
                    resources=["execute-api:/*"],
                    conditions={"StringNotEquals": {"aws:PrincipalAccount": Aws.ACCOUNT_ID}},
                )
            ]
        )

    def _role_access(self, role: Role) -> None:
        name = role.value.capitalize()
        arns = [
            self.api.arn_for_execute_api(route.method, invoke_path(route.path), STAGE_NAME)
            for route in routes_for(role)
        ]
        policy = iam.ManagedPolicy(
            self,
            f"{name}InvokePolicy",
            description=f"PlateGuard API routes of the {role.value} role (from models/routes.py)",
            statements=[iam.PolicyStatement(actions=["execute-api:Invoke"], resources=arns)],
        )
        # MFA, and the session name must be the caller's own IAM user name: the API keys its user
        # registry on that name, so nobody can pose as another officer (docs/identity.md).
        principal = iam.AccountRootPrincipal().with_conditions(role_trust_conditions())
        iam_role = iam.Role(
            self,
            f"{name}Role",
            assumed_by=principal,
            description=f"PlateGuard {role.value}: MFA and session name = IAM user name; API routes of this role",
            managed_policies=[policy],
            max_session_duration=Duration.hours(1),
        )
        self.role_policies[role] = policy
        self.roles[role] = iam_role

    def _suppress(self) -> None:
        for role, policy in self.role_policies.items():
            # Exactly this role's parameterised routes (generated, so a new route is covered only if it
            # is in the catalogue, and nothing else with a wildcard can slip through).
            wildcard_routes = [
                rf"{r.method}{re.escape(invoke_path(r.path))}" for r in routes_for(role) if "{" in r.path
            ]
            if not wildcard_routes:
                continue
            arn = r"arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<Api[0-9A-F]+>"
            body = rf"^Resource::{arn}/{STAGE_NAME}/({'|'.join(wildcard_routes)})$".replace("/", r"\/")
            regex = f"/{body}/g"  # cdk-nag takes JavaScript regex literals
            NagSuppressions.add_resource_suppressions(
                policy,
                [
                    NagPackSuppression(
                        id="AwsSolutions-IAM5",
                        reason="Each wildcard is a path parameter ({read_id}, {list_name}, ...) of a route "
                        "this role may call per models/routes.py; API, stage and method are fixed.",
                        applies_to=[RegexAppliesTo(regex=regex)],
                    )
                ],
            )
        suppress_grant_wildcards(
            self.function.role,
            "Generated by grant_*: object reads under crops/ of the images bucket (presigned "
            "crop URLs), object writes in the audit bucket, DynamoDB index ARNs of this stack's tables, and "
            "KMS GenerateDataKey*/ReEncrypt* on this stack's data, audit and alerts keys.",
            [
                r"^Resource::<ImagesBucket\.Arn>\/crops\/\*$",
                r"^Resource::<AuditBucket\.Arn>\/\*$",
                r"^Resource::<(ReadsTable|UsersTable|AuditTable|AlertsTable|HotListTable)\.Arn>\/index\/\*$",
            ],
        )
        NagSuppressions.add_resource_suppressions(
            self.api,
            [
                NagPackSuppression(
                    id="AwsSolutions-APIG3",
                    reason="Every method requires SigV4 (AWS_IAM) and the resource policy refuses other "
                    "accounts, so unauthenticated traffic never reaches the integration; stage throttling "
                    "bounds request rates. A WAF web ACL can be attached by the agency where policy asks.",
                ),
                NagPackSuppression(
                    id="NIST.800.53.R5-APIGWAssociatedWithWAF",
                    reason="See AwsSolutions-APIG3: IAM-only API behind a deny-other-accounts resource policy.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-COG4",
                    reason="Officers authenticate with IAM (SigV4) through MFA-only roles, the agency's "
                    "identity federation, not Cognito user pools.",
                ),
                NagPackSuppression(
                    id="NIST.800.53.R5-APIGWCacheEnabledAndEncrypted",
                    reason="Caching is off on purpose: every search must reach the handler so that it is "
                    "audited before any data is returned, and cached plate data would outlive retention.",
                ),
                NagPackSuppression(
                    id="NIST.800.53.R5-APIGWSSLEnabled",
                    reason="The backend is a Lambda proxy integration, not an HTTP endpoint, so there is no "
                    "backend TLS connection for a client certificate to authenticate.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM4",
                    reason="The account-level API Gateway CloudWatch role uses the AWS managed "
                    "AmazonAPIGatewayPushToCloudWatchLogs policy, which API Gateway documents for it.",
                    applies_to=[
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                    ],
                ),
            ],
            apply_to_children=True,
        )

    def grant_camera_registration(self, cameras: CameraAccess, cameras_table: dynamodb.Table) -> None:
        """Camera routes (handlers/api/routes/cameras.py): the registry, and exactly the IoT calls of
        plateguard.dal.cameras.IotCameraIdentities on things, certificates and the camera policy."""
        fn = self.function.function
        for name, value in cameras.environment.items():
            fn.add_environment(name, value)
        # Register writes a new camera (conditional put), retire and rotate rewrite it; never deleted.
        grant_append(cameras_table, fn, update=False)
        arn = f"arn:{Aws.PARTITION}:iot:{Aws.REGION}:{Aws.ACCOUNT_ID}"
        policy = iam.Policy(
            self,
            "CameraRegistrationPolicy",
            statements=[
                iam.PolicyStatement(
                    sid="CameraThings",
                    actions=[f"iot:{a}" for a in CAMERA_THING_ACTIONS],
                    resources=[f"{arn}:thing/*", *cameras.thing_type_arns()],
                ),
                iam.PolicyStatement(
                    sid="CameraCertificates",
                    actions=[f"iot:{a}" for a in CAMERA_CERTIFICATE_ACTIONS],
                    resources=[f"{arn}:cert/*", cameras.certificate_policy_arn()],
                ),
                iam.PolicyStatement(
                    sid="NoResourceLevelPermissions",
                    # CreateKeysAndCertificate and DescribeEndpoint name no resource: IAM takes "*" only.
                    actions=["iot:CreateKeysAndCertificate", "iot:DescribeEndpoint"],
                    resources=["*"],
                ),
            ],
        )
        policy.attach_to_role(self.function.role)
        NagSuppressions.add_resource_suppressions(
            policy,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="Camera ids and certificate ids are chosen at registration, after deployment: "
                    "things and certificates of this account and region (IoT actions listed, no iot:*); "
                    "CreateKeysAndCertificate and DescribeEndpoint support no resource-level permissions.",
                    applies_to=[
                        "Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:thing/*",
                        "Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:cert/*",
                        "Resource::*",
                    ],
                ),
                NagPackSuppression(
                    id="NIST.800.53.R5-IAMNoInlinePolicy",
                    reason="Attached to the API function's own role only, like its grant_* policy: the camera "
                    "registration calls are this function's, and a managed policy would invite reuse.",
                ),
            ],
        )


# The IoT calls of plateguard.dal.cameras.IotCameraIdentities, by the resource IAM checks them on.
CAMERA_THING_ACTIONS = (
    "CreateThing",
    "DescribeThing",
    "UpdateThing",
    "ListThingPrincipals",
    "AttachThingPrincipal",
    "DetachThingPrincipal",
)
CAMERA_CERTIFICATE_ACTIONS = (
    "DescribeCertificate",
    "UpdateCertificate",
    "AttachPolicy",
    "DetachPolicy",
    "AttachThingPrincipal",
    "DetachThingPrincipal",
)
