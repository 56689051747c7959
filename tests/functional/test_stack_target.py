"""`--stack NAME --assume-role ROLE`: the CLI finds the API in the stack's outputs and assumes the role as
its trust policy demands (MFA, session named after the caller's IAM user)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from plateguard.commands import search
from plateguard.commands.search import TargetError, resolve_target
from plateguard.commands.stack_outputs import API_URL, ROLE_OUTPUT_KEYS, StackOutputsError
from plateguard.models.routes import Role

OUTPUTS = {
    API_URL: "https://abc123.execute-api.us-west-2.amazonaws.com/v1/",
    **{key: f"arn:aws:iam::123456789012:role/PlateGuard-{role.value}" for role, key in ROLE_OUTPUT_KEYS.items()},
}


def _args(**changes: Any) -> argparse.Namespace:
    values = {"stack": "PlateGuard", "profile": None, "region": "us-west-2", "api_url": None,
              "assume_role": None, "mfa_serial": None, "mfa_code": None}  # fmt: skip
    return argparse.Namespace(**{**values, **changes})


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setattr("plateguard.commands.stack_outputs.stack_outputs", lambda *a, **k: dict(OUTPUTS))
    requests: list[dict[str, Any]] = []
    with mock_aws():
        original = boto3.Session.client

        def client(self: Any, service: str, *a: Any, **k: Any) -> Any:
            made = original(self, service, *a, **k)
            if service == "sts":  # what the CLI asks STS for
                made.meta.events.register("provide-client-params.sts.AssumeRole", lambda params, **_: requests.append(
                    dict(params)))  # fmt: skip
            return made

        monkeypatch.setattr(boto3.Session, "client", client)
        yield requests


def test_the_api_url_comes_from_the_stack_outputs(aws: list[dict[str, Any]]) -> None:
    target = resolve_target(_args())
    assert target.url == OUTPUTS[API_URL].rstrip("/") and target.region == "us-west-2"


def test_assume_role_names_the_session_after_the_iam_user_with_mfa(aws: list[dict[str, Any]]) -> None:
    serial = "arn:aws:iam::123456789012:mfa/moto"
    resolve_target(_args(assume_role="officer", mfa_serial=serial, mfa_code="123456"))
    (request,) = aws
    assert request["RoleArn"] == OUTPUTS[ROLE_OUTPUT_KEYS[Role.OFFICER]]
    caller = boto3.client("sts", region_name="us-west-2").get_caller_identity()["Arn"]
    assert request["RoleSessionName"] == caller.rsplit("/", 1)[-1]
    assert request["SerialNumber"] == serial and request["TokenCode"] == "123456"


def test_a_user_without_an_mfa_device_is_told_so(aws: list[dict[str, Any]]) -> None:
    # Given the caller's IAM user exists but has no MFA device
    caller = boto3.client("sts", region_name="us-west-2").get_caller_identity()["Arn"]
    boto3.client("iam", region_name="us-west-2").create_user(UserName=caller.rsplit("/", 1)[-1])
    with pytest.raises(TargetError, match="no MFA device"):
        resolve_target(_args(assume_role="officer", mfa_code="123456"))


def test_an_unreadable_stack_is_a_target_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*_a: Any, **_k: Any) -> dict[str, str]:
        raise StackOutputsError("stack PlateGuard not found in us-west-2")

    monkeypatch.setattr("plateguard.commands.stack_outputs.stack_outputs", missing)
    with pytest.raises(TargetError, match="not found"):
        search.stack_target_outputs(_args())
