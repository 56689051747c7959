"""The audit digest: an hourly function whose role alone may sign with the asymmetric digest key.

Evaluated with plateguard.compliance.iam_eval.TemplatePolicies (identity policies and the key
policy's Deny), as the deployed account would decide each kms:Sign.
"""

from __future__ import annotations

import copy
from typing import Any

from cdk.constructs.jobs import DIGEST_HANDLER, JOBS_HANDLER
from plateguard import schema
from plateguard.compliance.iam_eval import TemplatePolicies
from plateguard.models.job_settings import DigestSettings
from tests.infra.helpers import Synthesized, allowed_actions, function_by_handler, resolve_arn, role_statements

ACCOUNT, REGION = "123456789012", "us-west-2"
API = "plateguard.handlers.api.app.handle_api_request"


def _policies(template: dict[str, Any]) -> TemplatePolicies:
    return TemplatePolicies.from_template(template, {}, account=ACCOUNT, region=REGION)


def _key_arn(policies: TemplatePolicies) -> str:
    return str(policies.resolve({"Fn::GetAtt": [schema.AUDIT_DIGEST_KEY_LOGICAL_ID, "Arn"]}))


def test_the_digest_key_is_an_asymmetric_signing_key_kept_on_deletion(synth: Synthesized) -> None:
    key = synth.raw["Resources"][schema.AUDIT_DIGEST_KEY_LOGICAL_ID]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["KeySpec"] == "ECC_NIST_P256" and key["Properties"]["KeyUsage"] == "SIGN_VERIFY"
    assert key["DeletionPolicy"] == "Retain"  # old digests stay verifiable


def test_only_the_digest_role_may_sign_and_the_api_role_least_of_all(synth: Synthesized) -> None:
    # Given the synthesized template's roles and the digest key
    policies = _policies(synth.raw)
    key = _key_arn(policies)
    digest_role = policies.role_for_handler(DIGEST_HANDLER)
    # When each role's kms:Sign on the key is evaluated
    signers = {role for role in policies.function_roles().values() if policies.evaluate(role, "kms:Sign", key).allowed}
    every_role = [n for n, r in synth.raw["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    all_signers = {role for role in every_role if policies.evaluate(role, "kms:Sign", key).allowed}
    # Then the digest function's role is the only one, among functions and every other role (officers' too)
    assert signers == all_signers == {digest_role}
    assert not policies.evaluate(policies.role_for_handler(API), "kms:Sign", key).allowed


def test_the_key_policy_denies_signing_even_to_a_role_granted_kms_sign(synth: Synthesized) -> None:
    # Given the API role widened with kms:Sign on every key (a mistaken or hostile change)
    template = copy.deepcopy(synth.raw)
    api_role = _policies(template).role_for_handler(API)
    template["Resources"]["WidenedApiPolicy"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "widened",
            "Roles": [{"Ref": api_role}],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]},
        },
    }
    policies = _policies(template)
    # When its kms:Sign on the digest key is evaluated
    decision = policies.evaluate(api_role, "kms:Sign", _key_arn(policies))
    # Then the key policy's Deny still refuses it
    assert not decision.allowed and "explicitly denied" in decision.reason and "KeyPolicy" in decision.reason
    # And without that Deny the same role could sign (the Deny is what holds)
    key = template["Resources"][schema.AUDIT_DIGEST_KEY_LOGICAL_ID]["Properties"]["KeyPolicy"]
    key["Statement"] = [s for s in key["Statement"] if s["Effect"] != "Deny"]
    assert _policies(template).evaluate(api_role, "kms:Sign", _key_arn(policies)).allowed


def test_the_digest_role_reads_the_trail_and_writes_only_digests(synth: Synthesized) -> None:
    _, function = function_by_handler(synth, DIGEST_HANDLER)
    statements = role_statements(synth, function)
    dynamo = allowed_actions(statements, "dynamodb:")
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & set(
        dynamo
    )
    puts = allowed_actions(statements, "s3:PutObject")
    assert puts and all(r == {f"<{schema.AUDIT_BUCKET.logical_id}.Arn>/digests/*"} for r in puts.values())
    assert not allowed_actions(statements, "s3:Delete")
    assert allowed_actions(statements, "kms:Sign") == {"kms:Sign": {f"<{schema.AUDIT_DIGEST_KEY_LOGICAL_ID}.Arn>"}}


def test_the_digest_runs_hourly_with_retries_and_its_settings(synth: Synthesized) -> None:
    name, function = function_by_handler(synth, DIGEST_HANDLER)
    rules = [
        rule["Properties"]
        for rule in synth.resources("AWS::Events::Rule").values()
        if resolve_arn(rule["Properties"]["Targets"][0]["Arn"]) == f"<{name}.Arn>"
    ]
    assert [r["ScheduleExpression"] for r in rules] == ["cron(5 * * * ? *)"]
    assert rules[0]["Targets"][0]["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    env = function["Properties"]["Environment"]["Variables"]
    required = {f.validation_alias for f in DigestSettings.model_fields.values() if f.is_required()}
    assert required <= set(env)
    assert resolve_arn(env[schema.AUDIT_DIGEST_KEY_ENV_VAR]) == f"<{schema.AUDIT_DIGEST_KEY_LOGICAL_ID}.Arn>"
    assert "DeadLetterConfig" in function["Properties"]
    # And the jobs Lambda, which writes audit records, is a different function with another role
    _, jobs = function_by_handler(synth, JOBS_HANDLER)
    assert jobs["Properties"]["Role"] != function["Properties"]["Role"]
