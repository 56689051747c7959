"""The control catalogue: CJIS-like controls and the auditor's contract findings, each evaluated
against the synthesized template.

A control's status is computed, never typed in:
- `failing`: a check found a property missing or wrong (the problems say which);
- `partial`: every check passed, but part of the control lives outside the template (the note says where);
- `enforced`: every check passed and the template is the whole control;
- `contract-only`: nothing in code can enforce it; the contract must (see `CONTRACT_ONLY`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from plateguard import schema
from plateguard.compliance.template import CfnTemplate, Checker, Evidence, as_list, statements

Check = Callable[[Checker], None]

AUDIT_RETENTION_DAYS = 365  # CJIS: audit records kept at least one year
MAX_SESSION_SECONDS = 3600
MIN_TLS = 1.2


@dataclass(frozen=True)
class Control:
    id: str
    area: str
    title: str
    references: tuple[str, ...]
    check: Check | None  # None: contract-only
    partial_note: str | None = None  # why passing checks still leave part of the control elsewhere
    contract_note: str | None = None
    checklist: bool = False  # the reviewer must confirm something outside the code (contract or agency)


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: str
    evidence: list[dict[str, Any]]
    problems: list[str]

    def as_row(self) -> dict[str, Any]:
        c = self.control
        return {
            "id": c.id,
            "area": c.area,
            "title": c.title,
            "status": self.status,
            "evidence": self.evidence,
            "references": list(c.references),
            "problems": self.problems,
            "note": c.partial_note or c.contract_note or "",
            "checklist": c.checklist,
        }


# -- building blocks shared by several controls -------------------------------------------------------


def _truthy(value: Any) -> bool:
    return value is True or value == "true"


def _kms_cmk(c: Checker) -> Callable[[Any], bool]:
    return c.template.is_own_key


def log_destination_buckets(t: CfnTemplate) -> set[str]:
    """Buckets that receive S3 server access logs (S3 can deliver those only to SSE-S3 buckets)."""
    names: set[str] = set()
    for name in t.of_type("AWS::S3::Bucket"):
        target = t.target(t.get(name, "LoggingConfiguration.DestinationBucketName"))
        if target:
            names.add(target)
    return names


def data_buckets(t: CfnTemplate) -> list[str]:
    return sorted(set(t.of_type("AWS::S3::Bucket")) - log_destination_buckets(t))


def bucket_policy_statements(t: CfnTemplate, bucket: str) -> tuple[str | None, list[dict[str, Any]]]:
    for name, policy in t.of_type("AWS::S3::BucketPolicy").items():
        if t.target(policy.get("Properties", {}).get("Bucket")) == bucket:
            return name, statements(policy["Properties"].get("PolicyDocument"))
    return None, []


def _denies_insecure_transport(found: list[dict[str, Any]]) -> bool:
    return any(
        s.get("Effect") == "Deny"
        and str((s.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport")) in ("false", "False")
        for s in found
    )


def _denies_old_tls(found: list[dict[str, Any]]) -> bool:
    for s in found:
        bound = (s.get("Condition") or {}).get("NumericLessThan", {}).get("s3:TlsVersion")
        if s.get("Effect") == "Deny" and bound is not None and float(bound) >= MIN_TLS:
            return True
    return False


def plateguard_functions(t: CfnTemplate) -> dict[str, dict[str, Any]]:
    """PlateGuard's own functions (CDK's deploy-time custom-resource handler is not one of them)."""
    return {
        name: fn
        for name, fn in t.of_type("AWS::Lambda::Function").items()
        if str(fn.get("Properties", {}).get("Handler", "")).startswith("plateguard.")
    }


def human_roles(t: CfnTemplate) -> dict[str, dict[str, Any]]:
    """Roles that people assume (an AWS principal in the trust policy), not service roles."""
    found: dict[str, dict[str, Any]] = {}
    for name, role in t.of_type("AWS::IAM::Role").items():
        trust = statements(role.get("Properties", {}).get("AssumeRolePolicyDocument"))
        if any(isinstance(s.get("Principal"), dict) and "AWS" in s["Principal"] for s in trust):
            found[name] = role
    return found


def _incoming_retention_days(t: CfnTemplate) -> int | None:
    bucket = schema.IMAGES_BUCKET.logical_id
    for rule in as_list(t.get(bucket, "LifecycleConfiguration.Rules")):
        if rule.get("Prefix") == schema.INCOMING_PREFIX and rule.get("Status", "Enabled") == "Enabled":
            days = rule.get("ExpirationInDays")
            return int(days) if days is not None else None
    return None


# -- checks -------------------------------------------------------------------------------------------


def check_audit_worm(c: Checker) -> None:
    bucket = schema.AUDIT_BUCKET.logical_id
    c.require(bucket in c.template.resources, f"{bucket} is missing from the template")
    c.expect(bucket, "ObjectLockEnabled", _truthy, "true (S3 Object Lock)")
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
    c.expect(table, "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", _truthy, "true")
    c.expect(table, "DeletionProtectionEnabled", _truthy, "true")
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
            c.expect(group, "KmsKeyId", _kms_cmk(c), "a customer-managed key of this stack")
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


def check_api_iam_auth(c: Checker) -> None:
    for method in c.each("AWS::ApiGateway::Method", "API methods"):
        c.expect(method, "AuthorizationType", lambda v: v == "AWS_IAM", "AWS_IAM (SigV4)")


def check_api_resource_policy(c: Checker) -> None:
    for api in c.each("AWS::ApiGateway::RestApi", "the officer API"):
        c.expect(
            api,
            "Policy",
            lambda v: any(
                s.get("Effect") == "Deny"
                and "aws:PrincipalAccount" in (s.get("Condition") or {}).get("StringNotEquals", {})
                for s in statements(v)
            ),
            "a Deny for principals of other accounts",
        )


def check_no_wildcard_actions(c: Checker) -> None:
    t = c.template
    documents: list[tuple[str, str]] = []
    for name in t.of_type("AWS::IAM::Policy"):
        documents.append((name, "PolicyDocument"))
    for name in t.of_type("AWS::IAM::ManagedPolicy"):
        documents.append((name, "PolicyDocument"))
    c.require(bool(documents), "no IAM policies in the template")
    for name, path in documents:
        allowed = [
            a for s in statements(t.get(name, path)) if s.get("Effect") == "Allow" for a in as_list(s.get("Action"))
        ]
        wild = [a for a in allowed if a == "*" or str(a).endswith(":*")]
        c.evidence.append(Evidence(name, f"{path} (allowed actions)", sorted(set(map(str, allowed)))))
        c.require(not wild, f"{name}.{path}: allows wildcard actions {wild}")
    for role in human_roles(t):
        c.expect(
            role,
            "ManagedPolicyArns",
            lambda v: all(t.target(p) for p in as_list(v)),
            "only this stack's per-role policies",
        )


def check_block_public_access(c: Checker) -> None:
    flags = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    for bucket in c.each("AWS::S3::Bucket", "buckets"):
        for flag in flags:
            c.expect(bucket, f"PublicAccessBlockConfiguration.{flag}", _truthy, "true")
        c.expect(
            bucket,
            "OwnershipControls.Rules[0].ObjectOwnership",
            lambda v: v == "BucketOwnerEnforced",
            "BucketOwnerEnforced (no ACLs)",
        )


def check_mfa_roles(c: Checker) -> None:
    roles = human_roles(c.template)
    c.require(bool(roles), "no roles for people to assume")
    for role in sorted(roles):
        c.expect(
            role,
            "AssumeRolePolicyDocument",
            lambda v: (
                bool(statements(v))
                and all(
                    str((s.get("Condition") or {}).get("Bool", {}).get("aws:MultiFactorAuthPresent")).lower() == "true"
                    for s in statements(v)
                    if s.get("Effect") == "Allow"
                )
            ),
            "every Allow conditioned on aws:MultiFactorAuthPresent = true",
        )
        c.expect(
            role,
            "MaxSessionDuration",
            lambda v: v is not None and int(v) <= MAX_SESSION_SECONDS,
            f"<= {MAX_SESSION_SECONDS} s",
        )


def check_registry_wired(c: Checker) -> None:
    t = c.template
    users = schema.USERS.logical_id
    c.require(users in t.resources, f"{users} is missing from the template")
    functions = plateguard_functions(t)
    api = [
        name
        for name, fn in functions.items()
        if fn["Properties"].get("Handler", "").startswith("plateguard.handlers.api.")
    ]
    c.require(bool(api), "no API function in the template")
    for name in api:
        c.expect(name, f"Environment.Variables.{schema.USERS.env_var}", lambda v: t.target(v) == users, f"Ref {users}")
        c.expect(
            name,
            f"Environment.Variables.{schema.AUDIT.env_var}",
            lambda v: t.target(v) == schema.AUDIT.logical_id,
            f"Ref {schema.AUDIT.logical_id}",
        )


def check_tables_cmk(c: Checker) -> None:
    for table in c.each("AWS::DynamoDB::Table", "tables"):
        c.expect(table, "SSESpecification.SSEEnabled", _truthy, "true")
        c.expect(table, "SSESpecification.SSEType", lambda v: v == "KMS", "KMS")
        c.expect(table, "SSESpecification.KMSMasterKeyId", _kms_cmk(c), "a customer-managed key of this stack")


def check_buckets_cmk(c: Checker) -> None:
    t = c.template
    enc = "BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault"
    buckets = data_buckets(t)
    c.require(bool(buckets), "no data buckets in the template")
    for bucket in buckets:
        c.expect(bucket, f"{enc}.SSEAlgorithm", lambda v: v == "aws:kms", "aws:kms")
        c.expect(bucket, f"{enc}.KMSMasterKeyID", _kms_cmk(c), "a customer-managed key of this stack")
    for bucket in sorted(log_destination_buckets(t)):
        # The documented exception: S3 log delivery supports only SSE-S3 (AES-256) targets.
        c.expect(bucket, f"{enc}.SSEAlgorithm", lambda v: v in ("AES256", "aws:kms"), "AES256 or aws:kms")


def check_messaging_and_logs_cmk(c: Checker) -> None:
    for queue in c.each("AWS::SQS::Queue", "queues"):
        c.expect(queue, "KmsMasterKeyId", _kms_cmk(c), "a customer-managed key of this stack")
    for topic in c.each("AWS::SNS::Topic", "topics"):
        c.expect(topic, "KmsMasterKeyId", _kms_cmk(c), "a customer-managed key of this stack")
    for group in c.each("AWS::Logs::LogGroup", "log groups"):
        c.expect(group, "KmsKeyId", _kms_cmk(c), "a customer-managed key of this stack")


def check_key_management(c: Checker) -> None:
    for key, resource in c.each("AWS::KMS::Key", "customer-managed keys").items():
        if resource.get("Properties", {}).get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
            c.cite(key, "KeySpec")  # HMAC keys cannot rotate automatically (AWS limitation)
            continue
        c.expect(key, "EnableKeyRotation", _truthy, "true")
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
                lambda v: _denies_insecure_transport(statements(v)),
                "Deny when aws:SecureTransport is false",
            )
            c.expect(
                policy,
                "PolicyDocument",
                lambda v: _denies_old_tls(statements(v)),
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
                    lambda v: _denies_insecure_transport(statements(v)),
                    "Deny when aws:SecureTransport is false",
                )


def check_ttl(c: Checker) -> None:
    for spec in schema.TABLES:
        if spec.ttl_attribute is None:
            continue
        c.expect(spec.logical_id, "TimeToLiveSpecification.Enabled", _truthy, "true")
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
    days = _incoming_retention_days(t)
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
        c.expect(table, "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", _truthy, "true")
        c.expect(table, "DeletionProtectionEnabled", _truthy, "true")
        c.expect(table, "DeletionPolicy", lambda v: v == "Retain", "Retain")
    for bucket in c.each("AWS::S3::Bucket", "buckets"):
        c.expect(bucket, "VersioningConfiguration.Status", lambda v: v == "Enabled", "Enabled")
        c.expect(bucket, "DeletionPolicy", lambda v: v == "Retain", "Retain")


def check_failure_capture(c: Checker) -> None:
    t = c.template
    queue = schema.INGEST_QUEUE.logical_id
    c.expect(
        queue,
        "RedrivePolicy.deadLetterTargetArn",
        lambda v: t.target(v) is not None,
        "a dead-letter queue of this stack",
    )
    for name in plateguard_functions(t) or c.each("AWS::Lambda::Function", "functions"):
        c.expect(name, "TracingConfig.Mode", lambda v: v == "Active", "Active (X-Ray)")
    for stage in c.each("AWS::ApiGateway::Stage", "the API stage"):
        c.expect(stage, "TracingEnabled", _truthy, "true")
        c.expect(stage, "MethodSettings[0].MetricsEnabled", _truthy, "true")
        c.expect(
            stage,
            "MethodSettings[0].DataTraceEnabled",
            lambda v: v is False or v == "false",
            "false (no plates in execution logs)",
        )


def check_alert_channel(c: Checker) -> None:
    topic = schema.ALERT_TOPIC.logical_id
    c.expect(topic, "KmsMasterKeyId", _kms_cmk(c), "a customer-managed key of this stack")
    t = c.template
    policies = [
        p
        for p, r in t.of_type("AWS::SNS::TopicPolicy").items()
        if topic in {t.target(x) for x in as_list(r["Properties"].get("Topics"))}
    ]
    c.require(bool(policies), f"{topic}: no topic policy denying non-TLS publishes")
    for policy in policies:
        c.expect(
            policy,
            "PolicyDocument",
            lambda v: _denies_insecure_transport(statements(v)),
            "Deny when aws:SecureTransport is false",
        )
    # Details (the crop URL) come through the authenticated API, never inside the alert itself.
    methods = [
        m
        for m, r in t.of_type("AWS::ApiGateway::Method").items()
        if r["Properties"].get("HttpMethod") == "GET" and "read_id" in str(r["Properties"].get("RequestParameters", {}))
    ]
    c.require(bool(methods), "no GET /reads/{read_id} method to fetch alert details through")
    for method in methods:
        c.expect(method, "AuthorizationType", lambda v: v == "AWS_IAM", "AWS_IAM (SigV4)")


def check_account_bounded(c: Checker) -> None:
    t = c.template
    check_api_resource_policy(c)
    for key in c.each("AWS::KMS::Key", "customer-managed keys"):
        c.expect(
            key,
            "KeyPolicy",
            lambda v: all(_own_account_or_service(s) for s in statements(v) if s.get("Effect") == "Allow"),
            "grants only to this account or AWS service principals",
        )
    for policy in t.of_type("AWS::S3::BucketPolicy"):
        c.expect(
            policy,
            "PolicyDocument",
            lambda v: all(_own_account_or_service(s) for s in statements(v) if s.get("Effect") == "Allow"),
            "no Allow for another account",
        )
    for bucket in t.of_type("AWS::S3::Bucket"):
        c.expect(bucket, "ReplicationConfiguration", lambda v: v is None, "absent")


def _own_account_or_service(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return False  # "*" in an Allow: anyone
    for arn in as_list(principal.get("AWS")):
        if arn == "*" or (isinstance(arn, str) and ":iam::" in arn):
            return False  # literal ARNs name other accounts; this account's root is always a Join on AccountId
        if "AWS::AccountId" not in str(arn):
            return False
    return True


def _all_of(*checks: Check) -> Check:
    def run(c: Checker) -> None:
        for check in checks:
            check(c)

    return run


# -- the catalogue ------------------------------------------------------------------------------------

CJIS_AU = "Audit & accountability"
CJIS_AC = "Access control"
CJIS_IA = "Identification & authentication"
CJIS_SC = "Encryption in transit and at rest"
CJIS_MP = "Media protection & retention"
CJIS_IR = "Incident response hooks"
CJIS_MA = "Mobile alerts"
FINDINGS = "Auditor's contract findings"
CONTRACT = "Contract-only"

CONTROLS: tuple[Control, ...] = (
    Control(
        "AU-1",
        CJIS_AU,
        "Search audit trail is write-once (Object Lock COMPLIANCE) for at least one year",
        ("CJIS 5.4.6", "NIST AU-9", "SB 34 §1798.90.52"),
        check_audit_worm,
    ),
    Control(
        "AU-2",
        CJIS_AU,
        "Queryable audit table is recoverable, deletion-protected and never expires",
        ("CJIS 5.4.6", "NIST AU-9"),
        check_audit_table,
    ),
    Control(
        "AU-3",
        CJIS_AU,
        "API access log names the caller and is kept at least one year under a CMK",
        ("CJIS 5.4.1.1", "NIST AU-3", "NIST AU-11"),
        check_api_access_log,
    ),
    Control(
        "AU-4",
        CJIS_AU,
        "S3 server access logging on every data bucket, kept at least one year",
        ("CJIS 5.4.1", "NIST AU-2"),
        check_s3_access_logging,
    ),
    Control(
        "AC-1",
        CJIS_AC,
        "Every API method requires AWS_IAM (SigV4) authorization",
        ("CJIS 5.5.2", "NIST AC-3"),
        check_api_iam_auth,
    ),
    Control(
        "AC-2",
        CJIS_AC,
        "API resource policy refuses principals of other accounts",
        ("CJIS 5.5.2", "NIST AC-3", "NIST AC-4"),
        check_api_resource_policy,
    ),
    Control(
        "AC-3",
        CJIS_AC,
        "Least privilege: no wildcard IAM actions; people get only their role's policy",
        ("CJIS 5.5.2.1", "NIST AC-6"),
        check_no_wildcard_actions,
    ),
    Control(
        "AC-4",
        CJIS_AC,
        "No public access and no ACLs on any bucket",
        ("CJIS 5.5.2", "NIST AC-3", "NIST SC-7"),
        check_block_public_access,
    ),
    Control(
        "IA-1",
        CJIS_IA,
        "Roles for people are assumable only with MFA, sessions at most one hour",
        ("CJIS 5.6.2.2", "NIST IA-2(1)", "NIST AC-12"),
        check_mfa_roles,
    ),
    Control(
        "IA-2",
        CJIS_IA,
        "User registry behind every API call (approval, training, inactivity, separation)",
        ("CJIS 5.5.1", "NIST AC-2(3)"),
        check_registry_wired,
        partial_note="The template wires the registry and audit table into the API; the rules themselves "
        "(supervisor approval, training before access, 90-day inactivity, separation) are enforced in "
        "plateguard.logic.access and plateguard.logic.accounts, covered by unit tests.",
    ),
    Control(
        "SC-1",
        CJIS_SC,
        "Every DynamoDB table encrypted with a customer-managed KMS key",
        ("CJIS 5.10.1.2.2", "NIST SC-28(1)"),
        check_tables_cmk,
    ),
    Control(
        "SC-2",
        CJIS_SC,
        "Data buckets encrypted with customer-managed KMS keys (log bucket: SSE-S3 AES-256)",
        ("CJIS 5.10.1.2.2", "NIST SC-28(1)"),
        check_buckets_cmk,
    ),
    Control(
        "SC-3",
        CJIS_SC,
        "Queues, alert topic and log groups encrypted with customer-managed KMS keys",
        ("CJIS 5.10.1.2.2", "NIST SC-28(1)"),
        check_messaging_and_logs_cmk,
    ),
    Control(
        "SC-4",
        CJIS_SC,
        "Customer-managed keys rotate yearly and are retained on stack deletion",
        ("CJIS 5.10.1.2", "NIST SC-12"),
        check_key_management,
    ),
    Control(
        "SC-5",
        CJIS_SC,
        "Buckets refuse non-TLS requests and TLS below 1.2",
        ("CJIS 5.10.1.2.1", "NIST SC-8(1)"),
        check_buckets_tls,
    ),
    Control(
        "SC-6",
        CJIS_SC,
        "Alert topic and queues refuse non-TLS requests",
        ("CJIS 5.10.1.2.1", "NIST SC-8(1)"),
        check_messaging_tls,
    ),
    Control(
        "MP-1",
        CJIS_MP,
        "Reads, image outcomes, hot-list entries and alerts expire by DynamoDB TTL",
        ("SB 34 §1798.90.51(b)(7)", "NIST MP-6", "NIST SI-12"),
        check_ttl,
    ),
    Control(
        "MP-2",
        CJIS_MP,
        "Images, crops and quarantined uploads expire; non-current versions too",
        ("SB 34 §1798.90.51(b)(7)", "NIST MP-6"),
        check_image_lifecycle,
    ),
    Control(
        "MP-3",
        CJIS_MP,
        "No replicas, streams or backup copies that would outlive retention",
        ("SB 34 §1798.90.51(b)(7)", "NIST SI-12"),
        check_no_copies,
    ),
    Control(
        "MP-4",
        CJIS_MP,
        "Function logs (which may hold plates) expire no later than non-hit reads",
        ("NIST SI-12", "NIST AU-11"),
        check_function_logs_bounded,
    ),
    Control(
        "MP-5",
        CJIS_MP,
        "Stores are versioned / point-in-time recoverable and retained on stack deletion",
        ("CJIS 5.10.1.5", "NIST CP-9"),
        check_resources_retained,
    ),
    Control(
        "IR-1",
        CJIS_IR,
        "Failures are captured: ingest dead-letter queue, X-Ray tracing, API metrics",
        ("CJIS 5.3", "NIST IR-4", "NIST AU-6"),
        check_failure_capture,
        checklist=True,
        partial_note="No CloudWatch alarm or security-event notification is defined in the template yet; the "
        "agency wires DLQ depth, 5xx and AuditWriteFailures metrics to its incident process.",
    ),
    Control(
        "MA-1",
        CJIS_MA,
        "Mobile alerts go through an encrypted, TLS-only topic; details only through the IAM API",
        ("CJIS 5.13", "NIST SC-8"),
        check_alert_channel,
        partial_note="What the alert message itself contains (plate, list, confidence, visual-confirmation "
        "reminder, no crop image) is code: plateguard.logic.alert_messages.",
    ),
    Control(
        "CF-1",
        FINDINGS,
        "Data ownership: every store and key lives in the agency's account; no cross-account grant",
        ("Auditor 2019-118: vendor contracts", "SB 34 §1798.90.52"),
        check_account_bounded,
        checklist=True,
        partial_note="The contract must also state that the agency owns all ALPR data and that the vendor "
        "holds no copy (see CT-4).",
    ),
    Control(
        "CF-2",
        FINDINGS,
        "Encryption: all data at rest under agency-owned KMS keys, in transit TLS-only",
        ("Auditor 2019-118: vendor contracts", "CJIS 5.10"),
        _all_of(
            check_tables_cmk, check_buckets_cmk, check_messaging_and_logs_cmk, check_buckets_tls, check_messaging_tls
        ),
    ),
    Control(
        "CF-3",
        FINDINGS,
        "Access logging: every search audited (WORM), API and S3 access logged a year",
        ("Auditor 2019-118: vendor contracts", "SB 34 §1798.90.52"),
        _all_of(check_audit_worm, check_api_access_log, check_s3_access_logging),
    ),
    Control(
        "CF-4",
        FINDINGS,
        "Breach notification support: the records an investigation needs are kept and tamper-evident",
        ("Auditor 2019-118: vendor contracts", "Cal. Civ. Code §1798.82"),
        _all_of(check_audit_worm, check_api_access_log, check_failure_capture),
        checklist=True,
        partial_note="Who notifies whom and how fast is contractual (see CT-3); the template keeps the evidence.",
    ),
    Control(
        "CF-5",
        FINDINGS,
        "Retention and destruction: data expires on schedule and no copy survives it",
        ("Auditor 2019-118: retention", "SB 34 §1798.90.51(b)(7)"),
        _all_of(check_ttl, check_image_lifecycle, check_no_copies, check_function_logs_bounded),
    ),
)

# What no template or code can enforce: the reviewer's checklist.
CONTRACT_ONLY: tuple[Control, ...] = (
    Control(
        "CT-1",
        CONTRACT,
        "Personnel screening: fingerprint-based background checks for everyone with access, vendor staff included",
        ("CJIS 5.12",),
        None,
        checklist=True,
        contract_note="Contract clause plus the agency's screening records.",
    ),
    Control(
        "CT-2",
        CONTRACT,
        "CJIS Security Addendum signed by every vendor employee with access",
        ("CJIS 5.1.1.5", "CJIS Appendix H"),
        None,
        checklist=True,
        contract_note="Signed addenda on file before access.",
    ),
    Control(
        "CT-3",
        CONTRACT,
        "Breach notice: vendor notifies the agency within a fixed time (e.g. 24 h) and supports investigation",
        ("CJIS 5.3", "Cal. Civ. Code §1798.82"),
        None,
        checklist=True,
        contract_note="Timeline, contacts and evidence hand-over in the contract.",
    ),
    Control(
        "CT-4",
        CONTRACT,
        "Data ownership: the agency owns all ALPR data; no vendor copy, resale or secondary use",
        ("Auditor 2019-118", "SB 34 §1798.90.55"),
        None,
        checklist=True,
        contract_note="Ownership, return and certified destruction on termination.",
    ),
    Control(
        "CT-5",
        CONTRACT,
        "Security awareness training of vendor personnel, renewed on schedule",
        ("CJIS 5.2",),
        None,
        checklist=True,
        contract_note="Training records for vendor staff.",
    ),
    Control(
        "CT-6",
        CONTRACT,
        "Right to audit the vendor and its subprocessors; subprocessors listed",
        ("CJIS 5.1.1.5",),
        None,
        checklist=True,
        contract_note="Audit clause and subprocessor list.",
    ),
    Control(
        "CT-7",
        CONTRACT,
        "AWS account in the agency's name (GovCloud where required); FIPS endpoints configured",
        ("CJIS 5.10.1.2", "Shared responsibility"),
        None,
        checklist=True,
        contract_note="Account ownership and region choice.",
    ),
)


def evaluate(raw: dict[str, Any]) -> list[ControlResult]:
    """Evaluate every control against a template dict (a fresh evaluation each call)."""
    template = CfnTemplate(raw)
    results: list[ControlResult] = []
    for control in (*CONTROLS, *CONTRACT_ONLY):
        if control.check is None:
            results.append(ControlResult(control, "contract-only", [], []))
            continue
        checker = Checker(template)
        try:
            control.check(checker)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a malformed template fails the row
            checker.problems.append(f"could not evaluate: {type(exc).__name__}: {exc}")
        if checker.problems:
            status = "failing"
        elif control.partial_note:
            status = "partial"
        else:
            status = "enforced"
        results.append(ControlResult(control, status, [e.as_dict() for e in checker.evidence], checker.problems))
    return results
