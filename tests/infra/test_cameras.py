"""Cameras may only add frames under their own incoming/<agency>/<camera>/ prefix."""

from __future__ import annotations

from typing import Any

from cdk.constructs.cameras import AGENCY_TAG, CAMERA_TAG
from plateguard import schema
from tests.infra.helpers import Synthesized, as_list, resolve_arn


def _camera_statements(synth: Synthesized) -> list[dict[str, Any]]:
    (policy,) = [
        p for p in synth.resources("AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Description"].startswith("PlateGuard camera upload")
    ]  # fmt: skip
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def test_camera_can_only_put_under_its_tagged_prefix(synth: Synthesized) -> None:
    s3 = [s for s in _camera_statements(synth) if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    (statement,) = s3
    # Then the only S3 action is PutObject: no read, list, delete or ACL change
    assert as_list(statement["Action"]) == ["s3:PutObject"]
    # And the prefix is bound to the caller's own tags by IAM policy variables
    assert resolve_arn(statement["Resource"]) == (
        f"<{schema.IMAGES_BUCKET.logical_id}.Arn>/{schema.INCOMING_PREFIX}"
        f"${{aws:PrincipalTag/{AGENCY_TAG}}}/${{aws:PrincipalTag/{CAMERA_TAG}}}/*"
    )
    # And an identity missing either tag gets nothing (fail closed)
    assert statement["Condition"] == {
        "Null": {f"aws:PrincipalTag/{AGENCY_TAG}": "false", f"aws:PrincipalTag/{CAMERA_TAG}": "false"}
    }


def test_camera_uses_the_data_key_only_through_s3(synth: Synthesized) -> None:
    kms = [s for s in _camera_statements(synth) if any(a.startswith("kms:") for a in as_list(s["Action"]))]
    (statement,) = kms
    assert set(as_list(statement["Action"])) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert "kms:ViaService" in statement["Condition"]["StringEquals"]
