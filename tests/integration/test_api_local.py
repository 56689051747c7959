"""The officer API over HTTP in local mode: SigV4 emulator, CLI search, audit verify (no ONNX loaded)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from plateguard.cli import main
from plateguard.commands.search import ApiTarget, signed_request
from plateguard.local.api_emulator import LocalApi, start_local_api
from plateguard.local.provision import provision
from plateguard.local.runner import _LOCAL_ENV, LOCAL_REGION
from plateguard.logic.audit_chain import format_seq

PURPOSE = [
    "--purpose",
    "Locate stolen grey sedan reported 2026-11-20",
    "--case-number",
    "DPD-2026-004417",
    "--offense-type",
    "stolen-vehicle",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class World:
    def __init__(self, endpoint: str, api: LocalApi, state_dir: Path, state: dict[str, Any]) -> None:
        self.endpoint = endpoint
        self.api = api
        self.state_dir = state_dir
        self.state = state

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=LOCAL_REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=_LOCAL_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=_LOCAL_ENV["AWS_SECRET_ACCESS_KEY"],
        )

    def target(self, user: str = "officer", secret: str | None = None) -> ApiTarget:
        """The user's MFA role session (as officers call the API); with `secret`, a forged signature."""
        from plateguard.local.sts import assume_local_role

        creds = self.state["users"][user]
        if secret is not None:
            return ApiTarget(self.state["api_url"], LOCAL_REGION, Credentials(creds["access_key_id"], secret))
        return ApiTarget(
            self.state["api_url"], LOCAL_REGION, assume_local_role(creds, self.state["api_url"], LOCAL_REGION)
        )

    def cli(self, *args: str) -> int:
        return main([*args, "--state-dir", str(self.state_dir)])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from moto.iam.models import iam_backends
    from moto.server import ThreadedMotoServer

    from plateguard.local.runner import _reset_cached_configuration

    iam_backends.reset()  # a new account's IAM, whatever ran earlier in this process
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            **_LOCAL_ENV,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_REGION": LOCAL_REGION,
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }.items():
            env.setenv(name, value)
        _reset_cached_configuration()
        boot = World(endpoint, None, Path(), {})  # type: ignore[arg-type]
        # With IoT and IAM: the API reads its camera settings at start, as a deployment always has them.
        clients = ("dynamodb", "s3", "sqs", "sns", "iot", "iam")
        resources = provision({n: boot.client(n) for n in clients}, LOCAL_REGION, "pg-api")
        for name, value in resources.environment().items():
            env.setenv(name, value)

        def set_env(values: dict[str, str]) -> None:
            for name, value in values.items():
                env.setenv(name, value)

        api = start_local_api(boot.client, set_env, LOCAL_REGION)
        state_dir = tmp_path_factory.mktemp("state")
        state = {
            "aws_endpoint_url": endpoint,
            "region": LOCAL_REGION,
            "audit_bucket": resources.audit_bucket,
            "tables": resources.table_names,
            **api.state(),
        }
        (state_dir / "local.json").write_text(json.dumps(state))
        try:
            yield World(endpoint, api, state_dir, state)
        finally:
            api.stop()
            server.stop()
            _reset_cached_configuration()


def test_local_state_advertises_the_api_and_a_user_per_role(world: World) -> None:
    users = world.state["users"]
    assert world.state["api_url"].startswith("http://127.0.0.1:")
    assert set(users) == {"officer", "supervisor", "auditor", "admin", "officer_other_agency"}
    assert users["officer_other_agency"]["agency"] == "other-pd" and users["officer"]["agency"] == "demo-pd"
    for user in users.values():
        assert {"access_key_id", "secret_access_key", "agency", "principal_arn"} <= set(user)


def test_a_signed_search_returns_reads_and_leaves_a_verifiable_audit_record(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the officer searches through the CLI (SigV4-signed, default local credentials)
    assert world.cli("search", "--plate", "7KDR394", *PURPOSE, "--json") == 0
    body = json.loads(capsys.readouterr().out)
    # Then the seeded demo-pd reads come back (and not other-pd's read of the same plate)
    assert body["count"] == 2 and {r["camera_id"] for r in body["reads"]} == {"cam-main-st", "cam-harbor-bridge"}
    # And `plateguard audit verify` passes
    assert world.cli("audit", "verify") == 0
    assert "audit verify passed" in capsys.readouterr().out


def test_the_human_readable_table(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("search", "--plate", "7KDR394", *PURPOSE) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["CAPTURED_AT", "PLATE", "CAMERA", "CONF", "LAT,LON", "READ_ID"]
    assert "2 read(s), exact search" in out


def test_a_search_without_purpose_is_400_and_audited(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("search", "--plate", "7KDR394", "--case-number", "DPD-1234", "--offense-type", "robbery") == 1
    assert "error 400: InvalidRequest" in capsys.readouterr().err
    status, audit = signed_request(
        world.target("auditor"),
        "GET",
        "/audit",
        {"since": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "until": datetime.now(UTC).isoformat()},
    )
    assert status == 200
    denial = next(e for e in audit["events"] if e["eventName"] == "SearchReads" and e["outcome"] == "Rejected")
    assert denial["requestParameters"]["plate"] == "7KDR394" and "purpose" in denial["errorMessage"]


def _raw(world: World, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(world.state["api_url"] + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _signed_headers(
    world: World, url_path: str, user: str = "officer", secret: str | None = None, session: Any = None
) -> dict[str, str]:
    """Headers of a request signed with the user's MFA role session (`secret`: with a wrong secret)."""
    session = session or world.target(user).credentials
    credentials = Credentials(session.access_key, secret or session.secret_key, session.token)
    request = AWSRequest(method="GET", url=world.state["api_url"] + url_path)
    SigV4Auth(credentials, "execute-api", LOCAL_REGION).add_auth(request)
    return dict(request.headers.items())


QUERY = "/reads?case_number=DPD-2026-004417&offense_type=robbery&plate=7KDR394&purpose=Locate%20armed%20robbery%20car"


class TestSigV4Emulator:
    def test_a_correctly_signed_request_is_served(self, world: World) -> None:
        status, body = _raw(world, QUERY, _signed_headers(world, QUERY))
        assert status == 200 and body["count"] == 2

    def test_an_unsigned_request_is_403(self, world: World) -> None:
        status, body = _raw(world, QUERY)
        assert status == 403 and body["message"] == "Missing Authentication Token"

    def test_a_wrong_secret_is_403(self, world: World) -> None:
        status, body = _raw(world, QUERY, _signed_headers(world, QUERY, secret="not-the-secret"))
        assert status == 403 and body["error"] == "InvalidSignatureException"

    def test_an_unknown_access_key_is_403(self, world: World) -> None:
        headers = _signed_headers(world, QUERY)
        signed_key = headers["Authorization"].split("Credential=", 1)[1].split("/", 1)[0]
        headers["Authorization"] = headers["Authorization"].replace(signed_key, "ASIAUNKNOWN000000000")
        status, body = _raw(world, QUERY, headers)
        assert status == 403 and body["error"] == "UnrecognizedClientException"

    def test_a_signature_over_other_parameters_is_403(self, world: World) -> None:
        # Given a valid signature for one plate, When the query is changed to another plate
        headers = _signed_headers(world, QUERY)
        status, _ = _raw(world, QUERY.replace("7KDR394", "8ABC123"), headers)
        assert status == 403

    def test_a_request_replayed_after_five_minutes_is_403(self, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a request signed six minutes ago (captured and replayed)
        session = world.target().credentials
        monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: datetime.now(UTC) - timedelta(minutes=6))
        headers = _signed_headers(world, QUERY, session=session)
        monkeypatch.undo()
        status, body = _raw(world, QUERY, headers)
        assert status == 403 and "expired" in body["message"]

    def test_an_unknown_resource_is_403_like_api_gateway(self, world: World) -> None:
        status, _ = _raw(world, "/admin/secrets", _signed_headers(world, "/admin/secrets"))
        assert status == 403


def test_openapi_is_served_and_describes_every_route(world: World) -> None:
    from plateguard.models.routes import ROUTES

    status, body = signed_request(world.target(), "GET", "/openapi.json")
    assert status == 200
    assert all(route.method.lower() in body["paths"][route.path] for route in ROUTES)


def test_audit_verify_fails_naming_an_altered_record(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a healthy chain
    assert world.cli("search", "--plate", "8ABC123", *PURPOSE) == 0
    assert world.cli("audit", "verify") == 0
    capsys.readouterr()
    # When someone with table access rewrites the purpose of record #1
    table = world.state["tables"]["AuditTable"]
    db = world.client("dynamodb")
    chains = {i["agency"]["S"] for i in db.scan(TableName=table)["Items"] if i["agency"]["S"].startswith("demo-pd/")}
    chain = min(chains)  # a writer's chain of demo-pd (one per API execution environment)
    key = {"agency": {"S": chain}, "seq": {"S": format_seq(1)}}
    record = json.loads(db.get_item(TableName=table, Key=key)["Item"]["record"]["S"])
    record["requestParameters"]["purpose"] = "Investigation"
    db.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #r = :r",
        ExpressionAttributeNames={"#r": "record"},
        ExpressionAttributeValues={":r": {"S": json.dumps(record)}},
    )
    # Then verify exits non-zero and names it
    assert world.cli("audit", "verify") == 1
    assert f"{chain} #1: altered" in capsys.readouterr().err
