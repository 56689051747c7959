"""Cameras upload with IoT credentials-provider credentials: only PutObject, only under their own prefix.

The camera role's synthesized policy is evaluated (plateguard.compliance.iam_eval) with the request
context the credentials provider gives a camera: its thing name and its thing type (the agency).
"""

from __future__ import annotations

from typing import Any

import pytest

from cdk.constructs.api import CAMERA_CERTIFICATE_ACTIONS, CAMERA_THING_ACTIONS
from plateguard import schema
from plateguard.compliance.iam_eval import TemplatePolicies
from plateguard.logic.cameras import CREDENTIAL_DURATION_SECONDS
from tests.infra.helpers import Synthesized, as_list, role_statements

ACCOUNT, REGION, BUCKET = "111122223333", "us-west-2", "pg-images"
CAMERA_A = {"credentials-iot:ThingName": "cam-a", "credentials-iot:ThingTypeName": "demo-pd"}


def frame(agency: str, camera: str) -> str:
    return f"arn:aws:s3:::{BUCKET}/{schema.INCOMING_PREFIX}{agency}/{camera}/20261201T120000Z-0b9d.jpg"


@pytest.fixture(scope="module")
def camera_role(synth: Synthesized) -> tuple[TemplatePolicies, str]:
    policies = TemplatePolicies.from_template(
        synth.raw, {schema.IMAGES_BUCKET.logical_id: BUCKET}, account=ACCOUNT, region=REGION
    )
    return policies, policies.role_by_path("Cameras/CameraUploadRole/Resource")


def test_a_camera_puts_frames_under_its_own_prefix_and_nowhere_else(camera_role: tuple[TemplatePolicies, str]) -> None:
    policies, role = camera_role
    # Given camera A of demo-pd, When it puts a frame under its own prefix, Then it is allowed
    assert policies.evaluate(role, "s3:PutObject", frame("demo-pd", "cam-a"), CAMERA_A).allowed
    # And never under another camera's or another agency's prefix, nor outside incoming/
    for other in (frame("demo-pd", "cam-b"), frame("other-pd", "cam-a"), f"arn:aws:s3:::{BUCKET}/crops/x.jpg"):
        assert not policies.evaluate(role, "s3:PutObject", other, CAMERA_A).allowed, other


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:GetObject", frame("demo-pd", "cam-a")),
        ("s3:DeleteObject", frame("demo-pd", "cam-a")),
        ("s3:PutObjectAcl", frame("demo-pd", "cam-a")),
        ("s3:ListBucket", f"arn:aws:s3:::{BUCKET}"),
        ("s3:GetObject", f"arn:aws:s3:::{BUCKET}/crops/demo-pd/cam-a/r.jpg"),
    ],
)
def test_a_camera_can_read_list_or_delete_nothing(
    camera_role: tuple[TemplatePolicies, str], action: str, resource: str
) -> None:
    policies, role = camera_role
    assert not policies.evaluate(role, action, resource, CAMERA_A).allowed


def test_a_retired_camera_whose_thing_has_no_type_can_write_nothing(camera_role: tuple[TemplatePolicies, str]) -> None:
    policies, role = camera_role
    # Given retire removed the thing type: the credentials carry the thing name but no type
    untyped = {"credentials-iot:ThingName": "cam-a"}
    # Then no prefix matches, not even its former own one or an empty agency segment
    for resource in (frame("demo-pd", "cam-a"), f"arn:aws:s3:::{BUCKET}/{schema.INCOMING_PREFIX}/cam-a/x.jpg"):
        assert not policies.evaluate(role, "s3:PutObject", resource, untyped).allowed
    # And credentials not from the provider at all (no thing) write nothing either
    assert not policies.evaluate(role, "s3:PutObject", frame("demo-pd", "cam-a"), {}).allowed


def _one(synth: Synthesized, type_: str) -> dict[str, Any]:
    (resource,) = synth.resources(type_).values()
    return dict(resource["Properties"])


def test_only_the_iot_credentials_provider_assumes_the_role_through_a_15_minute_alias(synth: Synthesized) -> None:
    policies = TemplatePolicies.from_template(synth.raw, {}, account=ACCOUNT, region=REGION)
    role = policies.role_by_path("Cameras/CameraUploadRole/Resource")
    assert policies.evaluate_trust(role, "credentials.iot.amazonaws.com", {}).allowed
    assert not policies.evaluate_trust(role, "lambda.amazonaws.com", {}).allowed
    assert not policies.evaluate_trust(role, f"arn:aws:iam::{ACCOUNT}:root", {}).allowed
    alias = _one(synth, "AWS::IoT::RoleAlias")
    assert alias["CredentialDurationSeconds"] == CREDENTIAL_DURATION_SECONDS == 900
    assert alias["RoleArn"] == {"Fn::GetAtt": [role, "Arn"]}


def test_camera_certificates_may_only_assume_the_camera_alias_for_their_own_thing(synth: Synthesized) -> None:
    (statement,) = _one(synth, "AWS::IoT::Policy")["PolicyDocument"]["Statement"]
    (alias,) = synth.resources("AWS::IoT::RoleAlias")
    assert statement["Action"] == "iot:AssumeRoleWithCertificate"
    assert statement["Resource"] == {"Fn::GetAtt": [alias, "RoleAliasArn"]}
    assert statement["Condition"] == {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}
    # And each configured agency has its thing type (the agency segment of the prefix)
    types = {t["Properties"]["ThingTypeName"] for t in synth.resources("AWS::IoT::ThingType").values()}
    assert types == set(synth.config.agencies)


def test_the_api_function_gets_exactly_the_iot_calls_camera_registration_makes(synth: Synthesized) -> None:
    from tests.infra.helpers import function_by_handler

    _, function = function_by_handler(synth, "plateguard.handlers.api.app.handle_api_request")
    iot_actions = {a for s in role_statements(synth, function) for a in as_list(s["Action"]) if a.startswith("iot:")}
    expected = {f"iot:{a}" for a in (*CAMERA_THING_ACTIONS, *CAMERA_CERTIFICATE_ACTIONS)}
    assert iot_actions == expected | {"iot:CreateKeysAndCertificate", "iot:DescribeEndpoint"}
    # And its environment names the camera policy and role alias
    environment = function["Properties"]["Environment"]["Variables"]
    assert {"CAMERA_IOT_POLICY_NAME", "CAMERA_ROLE_ALIAS"} <= set(environment)
    # And the outputs give an operator the alias and how to find the credentials endpoint
    outputs = " ".join(synth.raw["Outputs"])
    assert "CameraRoleAliasName" in outputs and "CameraCredentialsEndpointHint" in outputs
