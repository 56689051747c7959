"""plateguard.compliance.iam_eval on small hand-written templates: Deny wins, wildcards, conditions,
policy variables, intrinsics, role lookups, trust policies and the unused-grant report."""

from __future__ import annotations

from typing import Any

import pytest

from plateguard.compliance.iam_eval import TemplatePolicies, conditions_hold, unused_grants

ACCOUNT = "123456789012"
REGION = "us-west-2"
BUCKET = "arn:aws:s3:::pg-images"


def _join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def _bucket_arn() -> dict[str, Any]:
    return {"Fn::GetAtt": ["ImagesBucket", "Arn"]}


def _template(statements: list[dict[str, Any]], **extra: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "ImagesBucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "FnRole1234ABCD": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ]
                }
            },
        },
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Handler": "pkg.handlers.fn.handle", "Role": {"Fn::GetAtt": ["FnRole1234ABCD", "Arn"]}},
        },
        "FnPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "FnRole1234ABCD"}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
            },
        },
    }
    resources.update(extra)
    return {"Resources": resources}


def _policies(template: dict[str, Any], names: dict[str, str] | None = None) -> TemplatePolicies:
    return TemplatePolicies.from_template(
        template, names or {"ImagesBucket": "pg-images"}, account=ACCOUNT, region=REGION
    )


def _allow(action: Any, resource: Any, **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


ROLE = "FnRole1234ABCD"


def test_an_explicit_deny_wins_over_an_allow() -> None:
    # Given s3:* allowed on the bucket and DeleteObject denied
    policies = _policies(
        _template(
            [
                _allow("s3:*", _join(_bucket_arn(), "/*")),
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*", "Sid": "NoDeletes"},
            ]
        )
    )
    # Then reads are allowed and the delete is denied, naming the statement
    assert policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a.jpg").allowed
    denied = policies.evaluate(ROLE, "s3:DeleteObject", f"{BUCKET}/a.jpg")
    assert not denied.allowed and "explicitly denied by FnPolicy statement NoDeletes" in denied.reason


def test_nothing_allowed_is_an_implicit_deny_naming_the_missing_permission() -> None:
    policies = _policies(_template([_allow("s3:GetObject", _join(_bucket_arn(), "/incoming/*"))]))
    decision = policies.evaluate(ROLE, "s3:DeleteObject", f"{BUCKET}/incoming/a.jpg")
    assert not decision.allowed
    assert decision.reason == f"{ROLE} has no s3:DeleteObject on {BUCKET}/incoming/a.jpg (implicit deny)"


def test_action_and_resource_wildcards() -> None:
    # Given GetObject* under incoming/ and one-character ? in a crop name
    policies = _policies(
        _template(
            [
                _allow("s3:GetObject*", _join(_bucket_arn(), "/incoming/*")),
                _allow("s3:PutObject", _join(_bucket_arn(), "/crops/crop-?.jpg")),
            ]
        )
    )
    # Then the wildcard covers GetObjectVersion (actions compare case-insensitively) under incoming/ only
    assert policies.evaluate(ROLE, "s3:getobjectversion", f"{BUCKET}/incoming/a/b.jpg").allowed
    assert not policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/crops/a.jpg").allowed
    assert not policies.evaluate(ROLE, "s3:GetObject", "arn:aws:s3:::pg-imagesX/incoming/a.jpg").allowed
    # And ? is exactly one character; a regex metacharacter in the pattern is literal
    assert policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/crops/crop-1.jpg").allowed
    assert not policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/crops/crop-12.jpg").allowed
    assert not policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/crops/crop-1Xjpg").allowed


def test_an_allow_whose_condition_fails_does_not_apply_and_denies_nothing() -> None:
    # Given an Allow only for the right team, and a second Allow without condition on another prefix
    policies = _policies(
        _template(
            [
                _allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:PrincipalTag/team": "alpr"}}),
                _allow("s3:PutObject", _join(_bucket_arn(), "/crops/*")),
            ]
        )
    )
    # Then the condition decides the first; a failed condition is no Deny (moto would say DENIED)
    assert policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a", {"aws:PrincipalTag/team": "alpr"}).allowed
    refused = policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a", {"aws:PrincipalTag/team": "other"})
    assert not refused.allowed and "implicit deny" in refused.reason
    assert not policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a").allowed  # key absent: StringEquals false
    assert policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/crops/x", {"aws:PrincipalTag/team": "other"}).allowed


def test_a_tls_only_bucket_policy_denies_plain_http_and_nothing_else() -> None:
    # Given the CDK enforce_ssl bucket policy (Deny s3:* unless aws:SecureTransport) and TLS >= 1.2
    tls_only = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "ImagesBucket"},
            "PolicyDocument": {
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "s3:*",
                        "Resource": [_bucket_arn(), _join(_bucket_arn(), "/*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "s3:*",
                        "Resource": [_bucket_arn(), _join(_bucket_arn(), "/*")],
                        "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
                    },
                ]
            },
        },
    }
    policies = _policies(_template([_allow("s3:GetObject", _join(_bucket_arn(), "/*"))], BucketPolicy=tls_only))
    # Then a Lambda call (HTTPS, TLS 1.2: the default context) is allowed
    assert policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a.jpg").allowed
    # And plain HTTP or TLS 1.0 is denied by the bucket policy
    http = policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a.jpg", {"aws:SecureTransport": "false"})
    assert not http.allowed and "BucketPolicy statement 0" in http.reason
    old_tls = policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a.jpg", {"s3:TlsVersion": "1.0"})
    assert not old_tls.allowed and "BucketPolicy statement 1" in old_tls.reason


def test_policy_variables_come_from_the_request_context_and_stay_literal() -> None:
    # Given the camera upload policy's shape: a prefix named by two principal tags
    prefix = "/incoming/${aws:PrincipalTag/PlateGuardAgency}/${aws:PrincipalTag/PlateGuardCamera}/*"
    policies = _policies(_template([_allow("s3:PutObject", _join(_bucket_arn(), prefix))]))
    tags = {"aws:PrincipalTag/PlateGuardAgency": "demo-pd", "aws:PrincipalTag/PlateGuardCamera": "cam-1"}
    # Then a camera writes its own prefix only
    assert policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/incoming/demo-pd/cam-1/f.jpg", tags).allowed
    assert not policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/incoming/demo-pd/cam-2/f.jpg", tags).allowed
    # And without its tags nothing matches; a tag value '*' is not a wildcard
    assert not policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/incoming/demo-pd/cam-1/f.jpg").allowed
    star = {**tags, "aws:PrincipalTag/PlateGuardCamera": "*"}
    assert not policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/incoming/demo-pd/cam-1/f.jpg", star).allowed
    assert policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/incoming/demo-pd/*/f.jpg", star).allowed


def test_a_policy_variable_without_a_value_matches_nothing() -> None:
    # Given a home prefix per user name, and a second one with a default value
    policies = _policies(
        _template(
            [
                _allow("s3:GetObject", _join(_bucket_arn(), "/home/${aws:username}*")),
                _allow("s3:PutObject", _join(_bucket_arn(), "/drop/${aws:PrincipalTag/team, 'shared'}/*")),
            ]
        )
    )
    # Then a caller without a user name gets nothing (not the whole home/ prefix)
    assert policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/home/sgt.chen/a", {"aws:username": "sgt.chen"}).allowed
    assert not policies.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/home/sgt.chen/a").allowed
    # And a default value stands in for a missing key
    assert policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/drop/shared/a").allowed
    assert not policies.evaluate(ROLE, "s3:PutObject", f"{BUCKET}/drop/alpr/a").allowed


def test_condition_operators() -> None:
    context = {"aws:username": "sgt.chen", "aws:MultiFactorAuthPresent": "true", "s3:TlsVersion": "1.2"}
    session_name = {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}}
    assert conditions_hold(session_name, {**context, "sts:RoleSessionName": "sgt.chen"})
    assert not conditions_hold(session_name, {**context, "sts:RoleSessionName": "officer.garcia"})
    assert conditions_hold({"StringLike": {"aws:username": ["officer.*", "sgt.*"]}}, context)
    assert conditions_hold({"StringNotEquals": {"aws:PrincipalAccount": "999999999999"}}, context)  # key absent
    assert conditions_hold({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, context)
    assert not conditions_hold({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {})
    assert conditions_hold({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {})
    assert conditions_hold({"Null": {"aws:PrincipalTag/x": "true"}}, context)
    assert not conditions_hold({"Null": {"aws:username": "true"}}, context)
    assert conditions_hold({"NumericLessThan": {"s3:TlsVersion": 1.3}}, context)
    assert conditions_hold({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.1.1"}) is None


def test_an_unknown_condition_operator_never_widens_access() -> None:
    # Given an Allow and a Deny whose operator this evaluator does not implement
    unknown = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    allow_only = _policies(_template([_allow("s3:GetObject", "*", Condition=unknown)]))
    deny_too = _policies(
        _template(
            [
                _allow("s3:GetObject", "*"),
                {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": unknown},
            ]
        )
    )
    # Then the Allow is not granted and the Deny is applied
    assert not allow_only.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a").allowed
    assert not deny_too.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/a").allowed


def test_intrinsics_resolve_to_the_physical_names() -> None:
    # Given a table, a topic and a key named through Ref/GetAtt/Join/Sub and pseudo parameters
    extra = {
        "ReadsTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "AlertTopic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        "DataKey": {"Type": "AWS::KMS::Key", "Properties": {}},
    }
    statements = [
        _allow("dynamodb:Query", _join({"Fn::GetAtt": ["ReadsTable", "Arn"]}, "/index/*")),
        _allow("sns:Publish", {"Ref": "AlertTopic"}),
        _allow("kms:Decrypt", {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${DataKey}"}),
        _allow(
            "logs:PutLogEvents",
            _join(
                "arn:",
                {"Ref": "AWS::Partition"},
                ":logs:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":log-group:/aws/lambda/fn:*",
            ),
        ),
    ]
    names = {
        "ReadsTable": "pg-reads",
        "AlertTopic": f"arn:aws:sns:{REGION}:{ACCOUNT}:pg-alerts",  # a topic's Ref is its ARN
        "DataKey": "1234abcd-0000",
    }
    policies = _policies(_template(statements, **extra), names)
    # Then the ARNs a call needs match
    assert policies.evaluate(
        ROLE, "dynamodb:Query", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/pg-reads/index/by-id"
    ).allowed
    assert not policies.evaluate(ROLE, "dynamodb:Query", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/pg-reads").allowed
    assert policies.evaluate(ROLE, "sns:Publish", f"arn:aws:sns:{REGION}:{ACCOUNT}:pg-alerts").allowed
    assert policies.evaluate(ROLE, "kms:Decrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-0000").allowed
    assert policies.evaluate(
        ROLE, "logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/fn:x"
    ).allowed


def test_every_kind_of_attached_policy_counts() -> None:
    # Given a managed policy attached through ManagedPolicyArns, one naming the role, and an inline one
    template = _template([])
    role = template["Resources"][ROLE]["Properties"]
    role["ManagedPolicyArns"] = [{"Ref": "ReadPolicy"}, "arn:aws:iam::aws:policy/ReadOnlyAccess"]
    role["Policies"] = [{"PolicyName": "inline", "PolicyDocument": {"Statement": [_allow("sqs:SendMessage", "*")]}}]
    template["Resources"]["ReadPolicy"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"PolicyDocument": {"Statement": [_allow("s3:GetObject", "*")]}},
    }
    template["Resources"]["WritePolicy"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"Roles": [{"Ref": ROLE}], "PolicyDocument": {"Statement": [_allow("s3:PutObject", "*")]}},
    }
    policies = _policies(template)
    # Then each grants what it says, and the AWS managed policy (no text here) grants nothing
    for action in ("s3:GetObject", "s3:PutObject", "sqs:SendMessage"):
        assert policies.evaluate(ROLE, action, "arn:aws:s3:::x/y").allowed, action
    assert not policies.evaluate(ROLE, "dynamodb:GetItem", "arn:aws:dynamodb:x").allowed


def test_roles_by_handler_and_by_construct_path() -> None:
    template = _template([])
    template["Resources"]["ApiOfficerRole30F7FECD"] = {"Type": "AWS::IAM::Role", "Properties": {}}
    template["Resources"]["ApiSupervisorRoleA5B2FD48"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {},
        "Metadata": {"aws:cdk:path": "PlateGuard/Api/SupervisorRole/Resource"},
    }
    policies = _policies(template)
    assert policies.role_for_handler("pkg.handlers.fn.handle") == ROLE
    assert policies.role_by_path("Api/OfficerRole/Resource") == "ApiOfficerRole30F7FECD"  # from the logical id
    assert policies.role_by_path("Api/SupervisorRole/Resource") == "ApiSupervisorRoleA5B2FD48"  # from metadata
    with pytest.raises(KeyError):
        policies.role_for_handler("pkg.handlers.other.handle")


def test_trust_policy_needs_the_account_and_mfa() -> None:
    # Given a role the account may assume with MFA only
    template = _template([])
    template["Resources"][ROLE]["Properties"]["AssumeRolePolicyDocument"] = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {
                    "AWS": _join("arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root")
                },
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ]
    }
    policies = _policies(template)
    user = f"arn:aws:iam::{ACCOUNT}:user/demo-pd/sgt.chen"
    assert policies.evaluate_trust(ROLE, user, {"aws:MultiFactorAuthPresent": "true"}).allowed
    assert not policies.evaluate_trust(ROLE, user, {}).allowed
    outsider = "arn:aws:iam::999999999999:user/x"
    assert not policies.evaluate_trust(ROLE, outsider, {"aws:MultiFactorAuthPresent": "true"}).allowed


def test_granted_and_unused_grants() -> None:
    policies = _policies(
        _template(
            [
                _allow(["s3:GetObject*", "s3:PutObject"], _join(_bucket_arn(), "/crops/*")),
                _allow("sns:Publish", "arn:aws:sns:us-west-2:123456789012:alerts"),
            ]
        )
    )
    assert policies.granted(ROLE) == [
        ("s3:GetObject*", f"{BUCKET}/crops/*"),
        ("s3:PutObject", f"{BUCKET}/crops/*"),
        ("sns:Publish", "arn:aws:sns:us-west-2:123456789012:alerts"),
    ]
    used = [("s3:PutObject", f"{BUCKET}/crops/a.jpg"), ("s3:GetObject", f"{BUCKET}/incoming/b.jpg")]
    assert unused_grants(policies, ROLE, used) == [
        ("s3:GetObject*", f"{BUCKET}/crops/*"),
        ("sns:Publish", "arn:aws:sns:us-west-2:123456789012:alerts"),
    ]
