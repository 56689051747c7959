"""Destruction on time: the sweeper runs on the policy's interval and is the only one that deletes data."""

from __future__ import annotations

from typing import Any

from cdk.constructs.retention import SWEEPER_HANDLER
from plateguard import schema
from plateguard.models.settings import SweeperSettings
from tests.infra.helpers import Synthesized, allowed_actions, as_list, function_by_handler, resolve_arn, role_statements


def _deleters(synth: Synthesized, resource_marker: str, actions: set[str]) -> set[str]:
    """Roles whose policies allow any of `actions` on a resource containing `resource_marker`."""
    roles: set[str] = set()
    for policy in synth.resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            granted = {a for a in as_list(statement["Action"]) if a in actions}
            resources = [resolve_arn(r) for r in as_list(statement["Resource"])]
            if granted and any(resource_marker in r for r in resources):
                roles |= {ref["Ref"] for ref in policy["Properties"]["Roles"]}
    return roles


def _role_of(function: dict[str, Any]) -> str:
    return str(function["Properties"]["Role"]["Fn::GetAtt"][0])


def test_sweeper_runs_on_the_policy_interval_and_finishes_before_the_next_run(synth: Synthesized) -> None:
    name, function = function_by_handler(synth, SWEEPER_HANDLER)
    (rule,) = [
        r for r in synth.resources("AWS::Events::Rule").values()
        if resolve_arn(r["Properties"]["Targets"][0]["Arn"]) == f"<{name}.Arn>"
    ]  # fmt: skip
    minutes = synth.config.sweep_interval_seconds // 60
    assert rule["Properties"]["ScheduleExpression"] == f"rate({minutes} minute{'s' if minutes > 1 else ''})"
    assert function["Properties"]["Timeout"] < synth.config.sweep_interval_seconds
    assert function["Properties"]["ReservedConcurrentExecutions"] == 1  # never two sweeps at once
    assert "DeadLetterConfig" in function["Properties"]


def test_sweeper_environment_satisfies_sweeper_settings(synth: Synthesized) -> None:
    _, function = function_by_handler(synth, SWEEPER_HANDLER)
    env = function["Properties"]["Environment"]["Variables"]
    fields = SweeperSettings.model_fields.values()
    assert {f.validation_alias for f in fields if f.is_required()} <= set(env)
    unknown = set(env) - {f.validation_alias for f in fields}
    assert unknown <= {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}
    assert env["IMAGES_RETENTION_SECONDS"] == synth.config.sweeper_environment()["IMAGES_RETENTION_SECONDS"]


def test_only_the_sweeper_deletes_reads_alerts_images(synth: Synthesized) -> None:
    _, sweeper = function_by_handler(synth, SWEEPER_HANDLER)
    item_deletes = {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:*"}
    for spec in (schema.READS, schema.ALERTS, schema.IMAGES):
        assert _deleters(synth, f"<{spec.logical_id}.Arn>", item_deletes) == {_role_of(sweeper)}, spec.logical_id
    object_deletes = {"s3:DeleteObject", "s3:DeleteObject*", "s3:DeleteObjectVersion", "s3:*"}
    assert _deleters(synth, f"<{schema.IMAGES_BUCKET.logical_id}.Arn>", object_deletes) == {_role_of(sweeper)}


def test_sweeper_never_reads_images_and_logs_only_into_its_audit_prefix(synth: Synthesized) -> None:
    _, sweeper = function_by_handler(synth, SWEEPER_HANDLER)
    s3 = allowed_actions(role_statements(synth, sweeper), "s3:")
    assert not [a for a in s3 if a.startswith("s3:GetObject")]
    assert s3["s3:PutObject"] == {f"<{schema.AUDIT_BUCKET.logical_id}.Arn>/_destruction/*"}
    assert s3["s3:DeleteObject*"] == {
        f"<{schema.IMAGES_BUCKET.logical_id}.Arn>/{p}*" for p in schema.IMAGES_BUCKET.prefixes
    }
