"""Shared helpers of the infra tests: the synthesized stack and ways to read its IAM documents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import cx_api
from aws_cdk.assertions import Template

from cdk.config import PlateGuardConfig


@dataclass(frozen=True)
class Synthesized:
    assembly: cx_api.CloudAssembly
    template: Template  # aws_cdk.assertions
    raw: dict[str, Any]  # the same template as plain JSON, for walking it in Python
    outdir: Path
    template_path: Path
    config: PlateGuardConfig  # the settings the stack was built from (cdk.json context + policy file)

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.raw["Resources"].items() if r["Type"] == type_}


def resolve_arn(value: Any) -> str:
    """Flatten a Fn::Join / Fn::GetAtt / Ref ARN into a readable string such as
    '<ImagesBucket.Arn>/crops/*' or 'arn:<AWS::Partition>:execute-api:...'."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(resolve_arn(p) for p in parts)
    if "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    if "Ref" in value:
        return f"<{value['Ref']}>"
    return str(value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_by_handler(synth: Synthesized, handler: str) -> tuple[str, dict[str, Any]]:
    matches = [
        (name, fn) for name, fn in synth.resources("AWS::Lambda::Function").items()
        if fn["Properties"].get("Handler") == handler
    ]  # fmt: skip
    assert len(matches) == 1, handler
    return matches[0]


def role_statements(synth: Synthesized, function: dict[str, Any]) -> list[dict[str, Any]]:
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements: list[dict[str, Any]] = []
    for policy in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    assert not synth.raw["Resources"][role]["Properties"].get("ManagedPolicyArns")
    return statements


def allowed_actions(statements: list[dict[str, Any]], prefix: str) -> dict[str, set[str]]:
    """Action -> resources (flattened) for actions starting with `prefix`."""
    allowed: dict[str, set[str]] = {}
    for statement in statements:
        for action in as_list(statement["Action"]):
            if action.startswith(prefix):
                allowed.setdefault(action, set()).update(resolve_arn(r) for r in as_list(statement["Resource"]))
    return allowed
