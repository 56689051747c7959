"""The ingest function: configured from schema/settings, fed by SQS, and allowed only what it needs."""

from __future__ import annotations

from typing import Any

import pytest

from cdk.constructs.ingest import INGEST_HANDLER
from plateguard import schema
from plateguard.models.settings import IngestSettings
from tests.infra.helpers import Synthesized, allowed_actions, as_list, function_by_handler, role_statements


@pytest.fixture(scope="module")
def ingest(synth: Synthesized) -> dict[str, Any]:
    return function_by_handler(synth, INGEST_HANDLER)[1]


def test_ingest_function_runtime_tracing_and_limits(ingest: dict[str, Any]) -> None:
    props = ingest["Properties"]
    assert props["Runtime"] == "python3.12"
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Timeout"] == schema.INGEST_FUNCTION_TIMEOUT_SECONDS
    assert props["MemorySize"] == 1769  # one full vCPU for one ONNX thread; the peak is ~600 MB (issue 19)
    assert props["ReservedConcurrentExecutions"] >= 2
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert len(props["Layers"]) == 2  # runtime + recognition


def test_ingest_environment_satisfies_ingest_settings(synth: Synthesized, ingest: dict[str, Any]) -> None:
    # Given the settings model the handler reads / Then every required alias is set, plus retention
    env = ingest["Properties"]["Environment"]["Variables"]
    required = {f.validation_alias for f in IngestSettings.model_fields.values() if f.is_required()}
    assert required <= set(env), required - set(env)
    # And retention and alert rules are the policy's (plateguard.policy.enforcement.ingest_environment)
    assert {k: env[k] for k in synth.config.ingest_environment()} == synth.config.ingest_environment()
    assert env["READ_RETENTION_DAYS"] == "30" and env["PERSIST_NON_HIT_READS"] == "true"
    assert env["POWERTOOLS_SERVICE_NAME"] == "plateguard"
    # And every variable it sets is one the settings model knows (no dead configuration)
    known = {f.validation_alias for f in IngestSettings.model_fields.values()}
    assert set(env) - known <= {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


def test_ingest_is_fed_by_sqs_with_partial_batch_failures(synth: Synthesized) -> None:
    name, _ = function_by_handler(synth, INGEST_HANDLER)
    synth.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": name},
            "EventSourceArn": {"Fn::GetAtt": [schema.INGEST_QUEUE.logical_id, "Arn"]},
            "BatchSize": 5,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_ingest_role_has_no_wildcard_actions(synth: Synthesized, ingest: dict[str, Any]) -> None:
    for statement in role_statements(synth, ingest):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            # Then no action is '*' or a whole service ('s3:*', 'dynamodb:*')
            assert action != "*" and not action.endswith(":*"), action
            # And '*' resources are only for X-Ray, which has no resource-level permissions
            if statement["Resource"] == "*":
                assert action.startswith("xray:"), action


def test_ingest_reads_incoming_and_writes_only_crops_and_quarantine(synth: Synthesized, ingest: dict[str, Any]) -> None:
    s3 = allowed_actions(role_statements(synth, ingest), "s3:")
    bucket = f"<{schema.IMAGES_BUCKET.logical_id}.Arn>"
    objects = {r for resources in s3.values() for r in resources if r.startswith(bucket + "/")}
    assert objects == {f"{bucket}/{p}*" for p in schema.IMAGES_BUCKET.prefixes}
    assert s3["s3:GetObject*"] == {bucket, f"{bucket}/{schema.INCOMING_PREFIX}*"}
    assert s3["s3:PutObject"] == {f"{bucket}/{schema.CROPS_PREFIX}*", f"{bucket}/{schema.QUARANTINE_PREFIX}*"}
    # And it can delete nothing in S3 (images expire by lifecycle and the sweeper, not by the ingest function):
    # quarantine copies a bad upload and leaves the original to expire (tests/integration/test_iam_evaluation.py)
    assert not [a for a in s3 if "Delete" in a]
    assert not {r for resources in s3.values() for r in resources if "AuditBucket" in r}


def test_ingest_writes_its_tables_and_only_reads_the_registries(synth: Synthesized, ingest: dict[str, Any]) -> None:
    dynamo = allowed_actions(role_statements(synth, ingest), "dynamodb:")
    writable = {t.logical_id for t in (schema.READS, schema.IMAGES, schema.ALERTS)}
    readable = writable | {schema.CAMERAS.logical_id, schema.HOTLIST.logical_id}

    def tables(action: str) -> set[str]:
        return {r.strip("<>").split(".")[0] for r in dynamo.get(action, set())}

    assert tables("dynamodb:PutItem") == writable
    assert tables("dynamodb:Query") == readable
    # And it deletes nothing: expiry is TTL's and the retention sweep's job (BatchWriteItem can delete)
    assert not {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & set(dynamo)
    # Never the user registry or the audit trail
    touched = {t for action in dynamo for t in tables(action)}
    assert not touched & {schema.USERS.logical_id, schema.AUDIT.logical_id}


def test_ingest_publishes_only_to_the_alert_topic(synth: Synthesized, ingest: dict[str, Any]) -> None:
    sns = allowed_actions(role_statements(synth, ingest), "sns:")
    assert sns == {"sns:Publish": {f"<{schema.ALERT_TOPIC.logical_id}>"}}
