"""stack_outputs(): a deployed stack's outputs, or one clear error saying why they cannot be read."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from plateguard.commands.stack_outputs import OUTPUT_KEYS, StackOutputsError, stack_outputs


def _client() -> Any:
    return boto3.client("cloudformation", region_name="us-gov-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def _described(outputs: dict[str, str]) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": "PlateGuard",
                "CreationTime": "2026-11-24T00:00:00Z",
                "StackStatus": "UPDATE_COMPLETE",
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }


def test_returns_every_output_of_a_plateguard_stack() -> None:
    # Given a deployed stack with every output the CLI needs (and one more, from another construct)
    client = _client()
    values = {key: f"value-of-{key}" for key in (*OUTPUT_KEYS, "CameraUploadPolicyArn")}
    with Stubber(client) as stub:
        stub.add_response("describe_stacks", _described(values), {"StackName": "PlateGuard"})
        # When its outputs are read
        got = stack_outputs("PlateGuard", None, None, client=client)
    # Then they come back by key
    assert got == values
    assert got["ReadsTableName"] == "value-of-ReadsTableName"


def test_missing_stack_is_a_clear_error() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error(
            "describe_stacks",
            "ValidationError",
            "Stack with id Nope does not exist",
            expected_params={"StackName": "Nope"},
        )
        with pytest.raises(StackOutputsError, match=r"'Nope' does not exist in us-gov-west-1"):
            stack_outputs("Nope", None, None, client=client)


def test_stack_without_the_outputs_is_refused() -> None:
    # Given some other stack (or one deployed before the outputs existed)
    client = _client()
    with Stubber(client) as stub:
        stub.add_response("describe_stacks", _described({"ApiUrl": "https://x"}), {"StackName": "Other"})
        # Then nothing partial comes back: the error names what is missing
        with pytest.raises(StackOutputsError, match="lacks outputs ImagesBucketName"):
            stack_outputs("Other", None, None, client=client)


def test_absent_credentials_are_a_clear_error() -> None:
    class NoCredentials:
        def describe_stacks(self, **_: Any) -> None:
            raise NoCredentialsError()

    with pytest.raises(StackOutputsError, match="no AWS credentials"):
        stack_outputs("PlateGuard", None, None, client=NoCredentials())


def test_unknown_profile_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with pytest.raises(StackOutputsError, match="profile 'nobody' not found"):
        stack_outputs("PlateGuard", "nobody", "us-east-1")
