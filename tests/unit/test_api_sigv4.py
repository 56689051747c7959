"""The local API Gateway's SigV4 check, against botocore-signed requests (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from plateguard.local.api_emulator import LocalCredential, SignatureRejected, SigV4Verifier

URL = "http://127.0.0.1:8080/reads?plate=7KDR394&purpose=Locate%20the%20robbery%20car"
KEY, SECRET, ARN = "AKIALOCALTEST", "s3cret-s3cret", "arn:aws:iam::123456789012:user/demo-pd/officer"


def signed(url: str = URL, secret: str = SECRET, region: str = "us-west-2", body: bytes = b"") -> dict[str, str]:
    request = AWSRequest(method="GET", url=url, data=body)
    SigV4Auth(Credentials(KEY, secret), "execute-api", region).add_auth(request)
    return {**dict(request.headers.items()), "Host": "127.0.0.1:8080"}  # as the HTTP client sends it


def verifier(now: datetime | None = None) -> SigV4Verifier:
    return SigV4Verifier({KEY: LocalCredential(SECRET, ARN)}, "us-west-2", clock=lambda: now or datetime.now(UTC))


def test_a_valid_signature_yields_the_principal() -> None:
    caller = verifier().verify("GET", URL, signed(), b"")
    assert caller.principal_arn == ARN and caller.access_key_id == KEY


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda h: {k: v for k, v in h.items() if k != "Authorization"}, "MissingAuthenticationTokenException"),
        (lambda h: {**h, "Authorization": h["Authorization"].replace(KEY, "AKIAOTHER")}, "UnrecognizedClientException"),
        (lambda h: {**h, "Authorization": h["Authorization"][:-4] + "0000"}, "InvalidSignatureException"),
        (lambda h: {**h, "X-Amz-Date": "20200101T000000Z"}, "InvalidSignatureException"),
        (lambda h: {**h, "Authorization": "Bearer abc"}, "MissingAuthenticationTokenException"),
    ],
    ids=["unsigned", "unknown-key", "wrong-signature", "old-date-header", "other-scheme"],
)
def test_bad_signatures_are_rejected(change: object, error: str) -> None:
    with pytest.raises(SignatureRejected) as rejected:
        verifier().verify("GET", URL, change(signed()), b"")  # type: ignore[operator]
    assert rejected.value.error == error


def test_a_changed_method_query_or_body_breaks_the_signature() -> None:
    headers = signed()
    for method, url, body in (
        ("DELETE", URL, b""),
        ("GET", URL.replace("7KDR394", "8ABC123"), b""),
        ("GET", URL, b"{}"),
    ):
        with pytest.raises(SignatureRejected, match="does not match"):
            verifier().verify(method, url, headers, body)


@pytest.mark.parametrize("skew", [timedelta(minutes=6), -timedelta(minutes=6)])
def test_a_request_more_than_five_minutes_from_now_is_rejected(skew: timedelta) -> None:
    # Given a request signed now, When it arrives (replayed) six minutes later, or from a clock six minutes behind
    with pytest.raises(SignatureRejected, match="expired"):
        headers = signed()
        verifier(now=datetime.now(UTC) + skew).verify("GET", URL, headers, b"")


def test_a_signature_for_another_region_is_rejected() -> None:
    with pytest.raises(SignatureRejected, match="scope"):
        verifier().verify("GET", URL, signed(region="eu-west-1"), b"")
