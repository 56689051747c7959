"""The officer API: IAM on every method, routes from the catalogue, per-role MFA roles and policies."""

from __future__ import annotations

from typing import Any

import pytest

from cdk.constructs.api import API_HANDLER, STAGE_NAME, invoke_path
from plateguard import schema
from plateguard.models import settings
from plateguard.models.routes import ROUTES, Role, routes_for
from tests.infra.helpers import Synthesized, allowed_actions, as_list, function_by_handler, resolve_arn, role_statements


def _resource_paths(synth: Synthesized) -> dict[str, str]:
    """Logical ID of each AWS::ApiGateway::Resource -> its full path."""
    resources = synth.resources("AWS::ApiGateway::Resource")

    def path(name: str) -> str:
        props = resources[name]["Properties"]
        parent = props["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    return {name: path(name) for name in resources}


def _methods(synth: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    paths = _resource_paths(synth)
    methods = {}
    for method in synth.resources("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        resource = props["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        methods[(props["HttpMethod"], path)] = props
    return methods


def test_methods_are_exactly_the_route_catalogue(synth: Synthesized) -> None:
    assert set(_methods(synth)) == {(route.method, route.path) for route in ROUTES}


def test_every_method_requires_aws_iam_and_request_validation(synth: Synthesized) -> None:
    for key, props in _methods(synth).items():
        assert props["AuthorizationType"] == "AWS_IAM", key
        assert "RequestValidatorId" in props, key
        assert props["Integration"]["Type"] == "AWS_PROXY", key


def test_path_parameters_are_required(synth: Synthesized) -> None:
    methods = _methods(synth)
    assert methods[("GET", "/reads/{read_id}")]["RequestParameters"] == {"method.request.path.read_id": True}


def _role_invoke_arns(synth: Synthesized, role: Role) -> set[str]:
    (policy,) = [
        p for p in synth.resources("AWS::IAM::ManagedPolicy").values()
        if f"the {role.value} role" in p["Properties"]["Description"]
    ]  # fmt: skip
    arns: set[str] = set()
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        assert as_list(statement["Action"]) == ["execute-api:Invoke"]
        arns |= {resolve_arn(r) for r in as_list(statement["Resource"])}
    return arns


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_policy_allows_exactly_its_routes(synth: Synthesized, role: Role) -> None:
    arns = _role_invoke_arns(synth, role)
    # Then each ARN is this API, this stage, one method and one path of the role's routes
    suffixes = {arn.split(":", 5)[-1].split("/", 1)[1] for arn in arns}
    expected = {f"{STAGE_NAME}/{r.method}{invoke_path(r.path)}" for r in routes_for(role)}
    assert suffixes == expected
    assert all(arn.startswith("arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<Api") for arn in arns)


def test_officers_cannot_reach_admin_or_audit_routes(synth: Synthesized) -> None:
    officer = " ".join(_role_invoke_arns(synth, Role.OFFICER))
    assert "/users" not in officer and "/audit" not in officer


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_requires_mfa_and_its_users_own_name_and_carries_only_its_policy(
    synth: Synthesized, role: Role
) -> None:
    (iam_role,) = [
        r for r in synth.resources("AWS::IAM::Role").values()
        if r["Properties"].get("Description", "").startswith(f"PlateGuard {role.value}:")
    ]  # fmt: skip
    (statement,) = iam_role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRole"
    assert resolve_arn(statement["Principal"]["AWS"]).endswith(":root")
    # MFA, and the session must be named after the IAM user assuming it (docs/identity.md)
    assert statement["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringEquals": {"sts:RoleSessionName": "${aws:username}"},
    }
    assert iam_role["Properties"]["MaxSessionDuration"] <= 3600
    assert len(iam_role["Properties"]["ManagedPolicyArns"]) == 1
    assert "Policies" not in iam_role["Properties"]


def test_stage_logs_throttles_and_traces_without_plate_data(synth: Synthesized) -> None:
    (stage,) = synth.resources("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == STAGE_NAME
    assert props["TracingEnabled"] is True
    (settings,) = props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    # Execution logs at ERROR, no data trace: INFO would log query strings (plate numbers)
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False
    log_group = resolve_arn(props["AccessLogSetting"]["DestinationArn"]).strip("<>").split(".")[0]
    assert "KmsKeyId" in synth.raw["Resources"][log_group]["Properties"]
    assert "$context.resourcePath" in props["AccessLogSetting"]["Format"]


def test_resource_policy_refuses_other_accounts(synth: Synthesized) -> None:
    (api,) = synth.resources("AWS::ApiGateway::RestApi").values()
    statements = api["Properties"]["Policy"]["Statement"]
    # Deny-only: an Allow for the account would bypass the per-role identity policies
    assert all(s["Effect"] == "Deny" for s in statements)
    assert statements[0]["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}


# The settings model the API function reads (one Lambda serves all routes, one model).
API_SETTINGS_MODELS = [settings.ApiSettings]


def test_api_function_environment_satisfies_api_settings(synth: Synthesized) -> None:
    _, function = function_by_handler(synth, API_HANDLER)
    env = function["Properties"]["Environment"]["Variables"]
    fields = [f for model in API_SETTINGS_MODELS for f in model.model_fields.values()]
    required = {f.validation_alias for f in fields if f.is_required()}
    assert required <= set(env), required - set(env)
    # And nothing it sets is unknown to those models (no dead configuration)
    known = {f.validation_alias for f in fields}
    assert set(env) - known <= {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}
    assert function["Properties"]["Runtime"] == "python3.12"
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}


def test_api_function_permissions(synth: Synthesized) -> None:
    _, function = function_by_handler(synth, API_HANDLER)
    statements = role_statements(synth, function)
    dynamo = allowed_actions(statements, "dynamodb:")

    def tables(action: str) -> set[str]:
        return {r.strip("<>").split(".")[0] for r in dynamo.get(action, set())}

    # It appends to the audit trail and never changes or deletes an audit record
    assert schema.AUDIT.logical_id in tables("dynamodb:PutItem")
    assert schema.AUDIT.logical_id not in tables("dynamodb:UpdateItem")
    # It never creates reads or images (ingest's), whatever the route
    created = tables("dynamodb:PutItem") | tables("dynamodb:BatchWriteItem")
    assert not created & {schema.READS.logical_id, schema.IMAGES.logical_id}
    # Admins register and retire cameras (put), which are never deleted: reads name them
    assert schema.CAMERAS.logical_id in tables("dynamodb:PutItem")
    # It updates a read only for a legal hold (its expires_at), never images or cameras
    assert not tables("dynamodb:UpdateItem") & {schema.IMAGES.logical_id, schema.CAMERAS.logical_id}
    # Holds are placed and released (put, update), never deleted: a hold is a record of who kept what
    assert schema.HOLDS.logical_id in tables("dynamodb:PutItem") & tables("dynamodb:UpdateItem")
    # Search-audit findings and sign-offs are recorded (put, update), never deleted
    assert schema.REVIEWS.logical_id in tables("dynamodb:PutItem") & tables("dynamodb:UpdateItem")
    # And the only tables it can delete from are the hot-list entries (supervisors remove entries) and the
    # alert-subscription records (removed subscriptions)
    deletable = tables("dynamodb:DeleteItem") | tables("dynamodb:BatchWriteItem")
    assert deletable == {schema.HOTLIST.logical_id, schema.SUBSCRIPTIONS.logical_id}
    assert schema.SUBSCRIPTIONS.logical_id not in tables("dynamodb:BatchWriteItem")
    # It reads everything officers may see, but never image outcomes (ingest bookkeeping)
    readable = tables("dynamodb:Query")
    assert {schema.READS.logical_id, schema.USERS.logical_id, schema.AUDIT.logical_id} <= readable
    assert schema.IMAGES.logical_id not in readable
    s3 = allowed_actions(statements, "s3:")
    assert s3["s3:PutObject"] == {f"<{schema.AUDIT_BUCKET.logical_id}.Arn>/*"}
    assert f"<{schema.IMAGES_BUCKET.logical_id}.Arn>/{schema.CROPS_PREFIX}*" in s3["s3:GetObject*"]
    assert not {r for rs in s3.values() for r in rs if "/incoming/" in r}
    kms = allowed_actions(statements, "kms:GenerateMac")
    assert list(kms) == ["kms:GenerateMac"]


def test_execution_logs_are_precreated_encrypted_and_expire(synth: Synthesized) -> None:
    # Given the log group API Gateway writes execution logs to (it would otherwise create it unencrypted)
    (name, group) = next(
        (n, g) for n, g in synth.resources("AWS::Logs::LogGroup").items()
        if "API-Gateway-Execution-Logs_" in str(g["Properties"].get("LogGroupName"))
    )  # fmt: skip
    assert "KmsKeyId" in group["Properties"] and group["Properties"]["RetentionInDays"] <= 30
    # And the stage is created after it, so API Gateway never creates its own copy first
    (stage,) = synth.resources("AWS::ApiGateway::Stage").values()
    assert name in stage.get("DependsOn", [])


def test_api_subscribes_only_on_the_alert_topic_and_publishes_to_it_and_the_supervisors(synth: Synthesized) -> None:
    _, function = function_by_handler(synth, API_HANDLER)
    sns = allowed_actions(role_statements(synth, function), "sns:")
    topic = {f"<{schema.ALERT_TOPIC.logical_id}>"}
    # Account changes made through the users routes are reported on the supervisors' topic
    # Subscriptions are removed (by their owner, a supervisor, or with the account) on the alert topic only
    assert sns == {
        "sns:Publish": topic | {f"<{schema.SUPERVISOR_TOPIC.logical_id}>"},
        "sns:Subscribe": topic,
        "sns:Unsubscribe": topic,
    }
