"""What a camera (or camera gateway) may do: put frames under its own `incoming/<agency>/<camera>/`.

Attribute-based: the policy names the prefix through principal tags, so one managed policy serves every
camera and a camera can never write another camera's (or agency's) prefix. Attach it to each camera
identity (an IAM Roles Anywhere / federated role session with session tags, or an IAM user) tagged with
`PlateGuardAgency` and `PlateGuardCamera`; an identity without both tags can upload nothing.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from plateguard import schema

AGENCY_TAG = "PlateGuardAgency"
CAMERA_TAG = "PlateGuardCamera"


def camera_prefix() -> str:
    """`incoming/${aws:PrincipalTag/PlateGuardAgency}/${aws:PrincipalTag/PlateGuardCamera}/` (IAM variables)."""
    return f"{schema.INCOMING_PREFIX}${{aws:PrincipalTag/{AGENCY_TAG}}}/${{aws:PrincipalTag/{CAMERA_TAG}}}/"


class CameraAccess(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, images_bucket: s3.IBucket, data_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        both_tags_present = {
            "Null": {f"aws:PrincipalTag/{AGENCY_TAG}": "false", f"aws:PrincipalTag/{CAMERA_TAG}": "false"}
        }
        self.policy = iam.ManagedPolicy(
            self,
            "CameraUploadPolicy",
            description="PlateGuard camera upload: PutObject under incoming/<agency tag>/<camera tag>/ only",
            statements=[
                iam.PolicyStatement(
                    sid="PutOwnFramesOnly",
                    # PutObject only: retries overwrite the same key (idempotent); no read, list or delete.
                    actions=["s3:PutObject"],
                    resources=[images_bucket.arn_for_objects(f"{camera_prefix()}*")],
                    conditions=both_tags_present,
                ),
                iam.PolicyStatement(
                    sid="EncryptThroughS3Only",
                    # The bucket's default SSE-KMS encrypts with the data key on the caller's behalf
                    # (Decrypt: multipart uploads); only through S3, where the camera can read nothing.
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[data_key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}},
                ),
            ],
        )
        CfnOutput(self, "CameraUploadPolicyArn", value=self.policy.managed_policy_arn)
        NagSuppressions.add_resource_suppressions(
            self.policy,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="The wildcard is the object name below the camera's own prefix, which IAM "
                    "policy variables bind to the caller's PlateGuardAgency/PlateGuardCamera tags.",
                    applies_to=[
                        # cdk-nag renders the IAM variables ${...} as <...>
                        f"Resource::<ImagesBucket.Arn>/{schema.INCOMING_PREFIX}<aws:PrincipalTag/{AGENCY_TAG}>"
                        f"/<aws:PrincipalTag/{CAMERA_TAG}>/*"
                    ],
                )
            ],
        )
