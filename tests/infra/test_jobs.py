"""The scheduled oversight jobs: every job the handler knows runs on a schedule, with its settings."""

from __future__ import annotations

import json

from cdk.constructs.jobs import JOBS_HANDLER
from plateguard import schema
from plateguard.handlers.jobs import JOBS
from plateguard.models.job_settings import JobSettings
from tests.infra.helpers import Synthesized, allowed_actions, function_by_handler, resolve_arn, role_statements


def test_every_job_runs_on_a_schedule_with_retries(synth: Synthesized) -> None:
    name, _ = function_by_handler(synth, JOBS_HANDLER)
    scheduled = {}
    for rule in synth.resources("AWS::Events::Rule").values():
        (target,) = rule["Properties"]["Targets"]
        if resolve_arn(target["Arn"]) == f"<{name}.Arn>":
            scheduled[json.loads(target["Input"])["job"]] = rule["Properties"]["ScheduleExpression"]
            assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    # Then exactly the jobs the handler dispatches are scheduled, daily
    assert set(scheduled) == set(JOBS)
    assert all(expr.startswith("cron(") and expr.endswith(" * * ? *)") for expr in scheduled.values())


def test_jobs_environment_satisfies_job_settings_and_failures_reach_a_dlq(synth: Synthesized) -> None:
    _, function = function_by_handler(synth, JOBS_HANDLER)
    env = function["Properties"]["Environment"]["Variables"]
    fields = JobSettings.model_fields.values()
    assert {f.validation_alias for f in fields if f.is_required()} <= set(env)
    assert set(env) - {f.validation_alias for f in fields} <= {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
    }
    assert env["AGENCIES"]
    dlq = resolve_arn(function["Properties"]["DeadLetterConfig"]["TargetArn"]).strip("<>").split(".")[0]
    assert synth.raw["Resources"][dlq]["Type"] == "AWS::SQS::Queue"


def test_jobs_append_to_the_audit_trail_and_notify_only_supervisors(synth: Synthesized) -> None:
    _, function = function_by_handler(synth, JOBS_HANDLER)
    statements = role_statements(synth, function)
    dynamo = allowed_actions(statements, "dynamodb:")

    def tables(action: str) -> set[str]:
        return {r.strip("<>").split(".")[0] for r in dynamo.get(action, set())}

    assert tables("dynamodb:PutItem") == {schema.USERS.logical_id, schema.AUDIT.logical_id, schema.REVIEWS.logical_id}
    assert schema.AUDIT.logical_id not in tables("dynamodb:UpdateItem") | tables("dynamodb:BatchWriteItem")
    # Deletes only the alert-subscription records of the accounts it disables
    assert tables("dynamodb:DeleteItem") == {schema.SUBSCRIPTIONS.logical_id}
    # Never plate data: no reads, images, alerts or hot lists
    touched = {t for action in dynamo for t in tables(action)}
    assert touched == {
        schema.USERS.logical_id, schema.AUDIT.logical_id, schema.REVIEWS.logical_id, schema.SUBSCRIPTIONS.logical_id,
    }  # fmt: skip
    sns = allowed_actions(statements, "sns:")
    assert sns == {
        "sns:Publish": {f"<{schema.SUPERVISOR_TOPIC.logical_id}>"},
        "sns:Unsubscribe": {f"<{schema.ALERT_TOPIC.logical_id}>"},  # a disabled account's subscriptions
    }
