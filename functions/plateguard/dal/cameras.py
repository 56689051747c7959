"""Camera registry (CamerasTable) and camera upload identities (AWS IoT things and certificates).

Every IoT call made here is one the API Lambda's role is granted in cdk/constructs/api.py
(`CAMERA_REGISTRATION_ACTIONS`): keep the two in step.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError

from plateguard.dal.repositories import camera_from_item, camera_item
from plateguard.dal.tables import CameraItem
from plateguard.logic.cameras import CameraConflict, IssuedCertificate
from plateguard.models.records import Camera

CREDENTIALS_ENDPOINT_TYPE = "iot:CredentialProvider"


class DynamoCameraRegistry:
    """Implements plateguard.logic.cameras.CameraRegistry."""

    def get(self, agency: str, camera_id: str) -> Camera | None:
        try:
            return camera_from_item(CameraItem.get(agency, camera_id, consistent_read=True))
        except CameraItem.DoesNotExist:
            return None

    def list_agency(self, agency: str) -> list[Camera]:
        return sorted((camera_from_item(i) for i in CameraItem.query(agency)), key=lambda c: c.camera_id)

    def create(self, camera: Camera) -> bool:
        try:
            camera_item(camera).save(condition=CameraItem.camera_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def put(self, camera: Camera) -> None:
        camera_item(camera).save()


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class IotCameraIdentities:
    """Implements plateguard.logic.cameras.CameraIdentities with AWS IoT Core.

    Thing name = camera id, thing type = agency id (created by the stack per agency), so the
    credentials provider resolves `${credentials-iot:ThingName}` and `${credentials-iot:ThingTypeName}`
    in the camera upload role's policy to the camera's own prefix.
    """

    def __init__(self, iot: Any, policy_name: str) -> None:
        self._iot = iot
        self._policy_name = policy_name

    def ensure_thing(self, agency: str, camera_id: str) -> None:
        try:
            thing = self._iot.describe_thing(thingName=camera_id)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            self._iot.create_thing(
                thingName=camera_id,
                thingTypeName=agency,
                attributePayload={"attributes": {"agency": agency}},
            )
            return
        # Thing names are unique per account: the id may belong to another agency's camera.
        if thing.get("thingTypeName") != agency:
            owner = thing.get("thingTypeName") or "a retired camera"
            raise CameraConflict(f"IoT thing {camera_id} already exists for {owner}: choose another id")

    def create_certificate(self) -> IssuedCertificate:
        created = self._iot.create_keys_and_certificate(setAsActive=True)
        return IssuedCertificate(
            certificate_id=created["certificateId"],
            certificate_arn=created["certificateArn"],
            certificate_pem=created["certificatePem"],
            private_key=created["keyPair"]["PrivateKey"],
        )

    def attach(self, camera_id: str, certificate: IssuedCertificate) -> None:
        self._iot.attach_policy(policyName=self._policy_name, target=certificate.certificate_arn)
        # EXCLUSIVE_THING: this certificate can never also be attached to another camera's thing.
        self._iot.attach_thing_principal(
            thingName=camera_id, principal=certificate.certificate_arn, thingPrincipalType="EXCLUSIVE_THING"
        )

    def certificates(self, camera_id: str) -> list[str]:
        arns: list[str] = []
        kwargs: dict[str, Any] = {"thingName": camera_id}
        while True:
            try:
                page = self._iot.list_thing_principals(**kwargs)
            except ClientError as exc:
                if _code(exc) == "ResourceNotFoundException":
                    return []
                raise
            arns.extend(page.get("principals", []))
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return [arn.rsplit("/", 1)[-1] for arn in arns if ":cert/" in arn]

    def revoke(self, camera_id: str, certificate_id: str) -> None:
        description = self._iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]
        arn = description["certificateArn"]
        # INACTIVE first: from here the credentials provider refuses it, whatever else fails.
        self._iot.update_certificate(certificateId=certificate_id, newStatus="INACTIVE")
        self._iot.detach_thing_principal(thingName=camera_id, principal=arn)
        try:
            self._iot.detach_policy(policyName=self._policy_name, target=arn)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":  # already detached (a retried retire)
                raise

    def remove_thing_type(self, camera_id: str) -> None:
        self._iot.update_thing(thingName=camera_id, removeThingType=True)

    def credentials_endpoint(self) -> str:
        return str(self._iot.describe_endpoint(endpointType=CREDENTIALS_ENDPOINT_TYPE)["endpointAddress"])
