"""Stack outputs: every key plateguard.commands.stack_outputs reads exists, under its own stable name,
pointing at the resource it names; and the functions run on the CPU their layers were built for."""

from __future__ import annotations

from typing import Any

from cdk.packaging import LAMBDA_ARCHITECTURE
from plateguard import schema
from plateguard.commands import stack_outputs as out
from plateguard.models.routes import Role
from tests.infra.helpers import Synthesized


def _referenced(value: Any) -> str:
    """Logical id a Ref / Fn::GetAtt output value points at."""
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])


def _type_of(synth: Synthesized, key: str) -> str:
    return str(synth.raw["Resources"][_referenced(synth.raw["Outputs"][key]["Value"])]["Type"])


def test_every_output_the_cli_reads_exists_under_its_stable_key(synth: Synthesized) -> None:
    # Given the outputs of the synthesized template (logical id = the key CloudFormation returns)
    outputs = synth.raw["Outputs"]
    # Then every key the CLI reads is there, exactly (no construct-path hash appended)
    missing = [key for key in out.OUTPUT_KEYS if key not in outputs]
    assert not missing, f"outputs missing from the template: {missing}"
    # And none is exported (an export would pin the value across stacks and block replacements)
    assert not [key for key in out.OUTPUT_KEYS if "Export" in outputs[key]]


def test_table_outputs_name_every_schema_table(synth: Synthesized) -> None:
    for table in schema.TABLES:
        key = out.table_output_key(table)
        # Each table of the schema has `<LogicalId>Name`, referencing that very table
        assert key == f"{table.logical_id}Name"
        assert _type_of(synth, key) == "AWS::DynamoDB::Table"
        assert _referenced(synth.raw["Outputs"][key]["Value"]) == table.logical_id  # storage.py fixes the ids


def test_outputs_point_at_the_resources_they_name(synth: Synthesized) -> None:
    expected_types = {
        out.IMAGES_BUCKET_NAME: "AWS::S3::Bucket",
        out.AUDIT_BUCKET_NAME: "AWS::S3::Bucket",
        out.ALERT_TOPIC_ARN: "AWS::SNS::Topic",
        out.SUPERVISOR_TOPIC_ARN: "AWS::SNS::Topic",
        out.INGEST_QUEUE_URL: "AWS::SQS::Queue",
        out.INGEST_QUEUE_ARN: "AWS::SQS::Queue",
        out.INGEST_DLQ_URL: "AWS::SQS::Queue",
        out.JOBS_DLQ_URL: "AWS::SQS::Queue",
        out.SWEEPER_DLQ_URL: "AWS::SQS::Queue",
        **{out.role_output_key(role): "AWS::IAM::Role" for role in Role},
    }
    assert {key: _type_of(synth, key) for key in expected_types} == expected_types
    outputs = synth.raw["Outputs"]
    # The images bucket is not the audit bucket, the queue is not its DLQ, each role output is its role
    assert _referenced(outputs[out.IMAGES_BUCKET_NAME]["Value"]) == schema.IMAGES_BUCKET.logical_id
    assert _referenced(outputs[out.AUDIT_BUCKET_NAME]["Value"]) == schema.AUDIT_BUCKET.logical_id
    assert _referenced(outputs[out.INGEST_QUEUE_URL]["Value"]) == schema.INGEST_QUEUE.logical_id
    assert _referenced(outputs[out.INGEST_DLQ_URL]["Value"]).startswith("IngestIngestDeadLetterQueue")
    for role in Role:
        name = role.value.capitalize()
        assert _referenced(outputs[out.role_output_key(role)]["Value"]).startswith(f"Api{name}Role")
    # And the API URL is the stage's invoke URL
    assert "execute-api" in str(outputs[out.API_URL]["Value"])


def test_functions_and_layers_use_the_architecture_the_layers_are_built_for(synth: Synthesized) -> None:
    # Given PlateGuard's functions (those with layers; CDK's own helper functions carry none)
    functions = [f for f in synth.resources("AWS::Lambda::Function").values() if f["Properties"].get("Layers")]
    assert len(functions) >= 4
    # Then each runs on the CPU of the layer wheels (cdk/packaging.py), as do the layers themselves
    assert {tuple(f["Properties"]["Architectures"]) for f in functions} == {(LAMBDA_ARCHITECTURE,)}
    layers = synth.resources("AWS::Lambda::LayerVersion").values()
    assert {tuple(layer["Properties"]["CompatibleArchitectures"]) for layer in layers} == {(LAMBDA_ARCHITECTURE,)}
