"""Per-camera upload identities with AWS IoT Core: each camera trades its X.509 certificate for
15-minute credentials of one role that may only put frames under its own `incoming/<agency>/<camera>/`.

* one IoT thing type per agency (name = agency id); each camera is a thing (name = camera id) of its
  agency's type, created with its certificate by the API (plateguard.dal.cameras) when an admin
  registers it;
* `CameraUploadRole`, trusted only by the IoT credentials provider, behind an `AWS::IoT::RoleAlias`
  (credential duration 15 min); its one policy names the prefix with `${credentials-iot:ThingTypeName}`
  and `${credentials-iot:ThingName}` and allows only s3:PutObject there (plus the data key via S3);
* `CameraCertificatePolicy`, the IoT policy on every camera certificate: AssumeRoleWithCertificate on
  that alias, only for the thing the certificate is attached to.

The documents come from plateguard.logic.cameras, which local mode provisions too. See docs/cameras.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, CfnOutput, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from plateguard import schema
from plateguard.logic.cameras import (
    CREDENTIAL_DURATION_SECONDS,
    camera_iot_policy_document,
    camera_upload_policy_document,
)

CREDENTIALS_ENDPOINT_HINT = "aws iot describe-endpoint --endpoint-type iot:CredentialProvider"


class CameraAccess(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        images_bucket: s3.IBucket,
        data_key: kms.IKey,
        agencies: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.thing_types = {
            agency: iot.CfnThingType(
                self,
                f"ThingType-{agency}",
                thing_type_name=agency,  # ${credentials-iot:ThingTypeName}: the agency in the upload key
                thing_type_properties=iot.CfnThingType.ThingTypePropertiesProperty(
                    thing_type_description=f"PlateGuard cameras of {agency}"
                ),
            )
            for agency in agencies
        }
        document = camera_upload_policy_document(images_bucket.bucket_arn, data_key.key_arn, Aws.REGION)
        self.policy = iam.ManagedPolicy(
            self,
            "CameraUploadPolicy",
            description="PlateGuard camera upload: PutObject under incoming/<thing type>/<thing name>/ only",
            document=iam.PolicyDocument.from_json(document),
        )
        self.role = iam.Role(
            self,
            "CameraUploadRole",
            assumed_by=iam.ServicePrincipal("credentials.iot.amazonaws.com"),
            description="PlateGuard camera upload (IoT credentials provider): PutObject under the camera's "
            "own incoming/<thing type>/<thing name>/ only",
            managed_policies=[self.policy],
            max_session_duration=Duration.hours(1),
        )
        self.role_alias = iot.CfnRoleAlias(
            self,
            "CameraRoleAlias",
            role_arn=self.role.role_arn,
            credential_duration_seconds=CREDENTIAL_DURATION_SECONDS,
        )
        self.certificate_policy = iot.CfnPolicy(
            self,
            "CameraCertificatePolicy",
            policy_document=camera_iot_policy_document(self.role_alias.attr_role_alias_arn),
        )
        CfnOutput(self, "CameraRoleAliasName", value=self.role_alias.ref)
        CfnOutput(self, "CameraCertificatePolicyName", value=self.certificate_policy.ref)
        CfnOutput(
            self,
            "CameraCredentialsEndpointHint",
            value=CREDENTIALS_ENDPOINT_HINT,
            description="The account's credentials-provider endpoint (cameras connect to it with mTLS)",
        )
        NagSuppressions.add_resource_suppressions(
            self.policy,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="The wildcard is the object name below the camera's own prefix, which the IoT "
                    "credentials provider binds to the certificate's thing type (agency) and thing name "
                    "(camera); without both the statement matches nothing.",
                    applies_to=[
                        # cdk-nag renders the IAM variables ${...} as <...>
                        f"Resource::<{schema.IMAGES_BUCKET.logical_id}.Arn>/{schema.INCOMING_PREFIX}"
                        "<credentials-iot:ThingTypeName>/<credentials-iot:ThingName>/*"
                    ],
                )
            ],
        )

    @property
    def environment(self) -> dict[str, str]:
        """What the API function needs to register cameras (the camera fields of ApiSettings)."""
        return {"CAMERA_IOT_POLICY_NAME": self.certificate_policy.ref, "CAMERA_ROLE_ALIAS": self.role_alias.ref}

    def thing_type_arns(self) -> list[str]:
        return [
            f"arn:{Aws.PARTITION}:iot:{Aws.REGION}:{Aws.ACCOUNT_ID}:thingtype/{agency}" for agency in self.thing_types
        ]

    def certificate_policy_arn(self) -> str:
        return f"arn:{Aws.PARTITION}:iot:{Aws.REGION}:{Aws.ACCOUNT_ID}:policy/{self.certificate_policy.ref}"
