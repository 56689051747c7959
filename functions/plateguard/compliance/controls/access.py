"""Access control (AC), identification & authentication (IA), and the account boundary (CF-1)."""

from __future__ import annotations

from typing import Any

from plateguard import schema
from plateguard.compliance.controls.base import MAX_SESSION_SECONDS, human_roles, plateguard_functions, truthy
from plateguard.compliance.template import Checker, Evidence, as_list, statements


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
            c.expect(bucket, f"PublicAccessBlockConfiguration.{flag}", truthy, "true")
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
