"""The local IoT credentials provider: credentials only for the holder of an ACTIVE certificate's key,
attached to the named thing, with the context the camera role's policy is evaluated with."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from plateguard.dal.cameras import IotCameraIdentities
from plateguard.local.credentials_provider import (
    CredentialsProvider,
    CredentialsRefused,
    signed_headers,
    start_credentials_provider,
)
from plateguard.local.provision import provision_camera_identity
from plateguard.logic.cameras import IssuedCertificate

REGION = "us-west-2"


@dataclass
class World:
    iot: Any
    alias: str
    identities: IotCameraIdentities
    certificate: IssuedCertificate
    provider: CredentialsProvider
    issued: list[tuple[str, str, str | None]]

    def headers(self, thing: str = "cam-1", key: str | None = None, when: datetime | None = None) -> dict[str, str]:
        return signed_headers(
            key or self.certificate.private_key,
            self.alias,
            thing,
            self.certificate.certificate_id,
            when or datetime.now(UTC),
        )


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        iot, iam = boto3.client("iot", region_name=REGION), boto3.client("iam", region_name=REGION)
        resources = provision_camera_identity(iot, iam, REGION, "pg", "pg-images")
        identities = IotCameraIdentities(iot, resources.iot_policy_name)
        for camera in ("cam-1", "cam-2"):
            identities.ensure_thing("demo-pd", camera)
        certificate = identities.create_certificate()
        identities.attach("cam-1", certificate)
        issued: list[tuple[str, str, str | None]] = []
        provider = CredentialsProvider(iot, lambda *args: issued.append(args))
        yield World(iot, resources.role_alias, identities, certificate, provider, issued)


def refused(world: World, headers: dict[str, str], alias: str | None = None) -> CredentialsRefused:
    with pytest.raises(CredentialsRefused) as caught:
        world.provider.issue(alias or world.alias, headers)
    return caught.value


def test_the_key_holder_gets_15_minute_credentials_bound_to_its_thing_and_agency(world: World) -> None:
    issued = world.provider.issue(world.alias, world.headers())
    assert issued.access_key_id.startswith("ASIA") and issued.role_arn.endswith(":role/pg-camera-upload")
    assert timedelta(minutes=14) < issued.expiration - datetime.now(UTC) <= timedelta(minutes=15)
    assert issued.context["credentials-iot:ThingName"] == "cam-1"
    assert issued.context["credentials-iot:ThingTypeName"] == "demo-pd"
    # And the hook hears of it (local mode binds the key to the camera role for the IAM recorder)
    assert world.issued == [(issued.access_key_id, "cam-1", "demo-pd")]
    # And the response is the real provider's shape
    assert set(issued.response()["credentials"]) == {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"}


def test_anyone_without_the_key_or_with_a_stale_or_replayed_request_is_refused(world: World) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert refused(world, world.headers(key=other_key.decode())).status == 403
    assert refused(world, world.headers(when=datetime.now(UTC) - timedelta(minutes=6))).status == 403
    headers = world.headers()
    world.provider.issue(world.alias, headers)
    assert "already used" in refused(world, headers).message
    assert refused(world, {"x-amzn-iot-thingname": "cam-1"}).status == 400
    assert world.issued[1:] == []


def test_a_certificate_gets_nothing_for_another_thing_or_another_alias(world: World) -> None:
    # Camera 1's certificate naming camera 2's thing: not attached there
    assert "not attached" in refused(world, world.headers(thing="cam-2")).message
    assert refused(world, world.headers(), alias="some-other-alias").status in (403, 404)


def test_an_inactive_or_detached_certificate_gets_nothing(world: World) -> None:
    # When the certificate is revoked (retire or rotate): INACTIVE and detached
    world.identities.revoke("cam-1", world.certificate.certificate_id)
    assert "INACTIVE" in refused(world, world.headers()).message
    # And re-activated but still detached from the thing: still refused
    world.iot.update_certificate(certificateId=world.certificate.certificate_id, newStatus="ACTIVE")
    assert refused(world, world.headers()).status == 403


def test_the_http_endpoint_serves_the_real_path_and_refuses_with_403(world: World) -> None:
    server = start_credentials_provider(world.iot)
    try:
        url = f"{server.url}/role-aliases/{world.alias}/credentials"
        with urllib.request.urlopen(urllib.request.Request(url, headers=world.headers()), timeout=10) as response:
            body = json.loads(response.read())
        assert body["credentials"]["accessKeyId"].startswith("ASIA")
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(urllib.request.Request(url, headers=world.headers(thing="cam-2")), timeout=10)
        assert error.value.code == 403
    finally:
        server.stop()
