"""Opaque, integrity-protected pagination tokens.

A token is base64url(JSON payload) + "." + base64url(HMAC-SHA256(key, payload)). The payload binds
the cursor to the query and caller that produced it (`binding`) and carries an expiry, so a token
that was altered, expired, or replayed by another caller, agency or query is refused with a 400 and
never reaches DynamoDB as an ExclusiveStartKey.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from plateguard.models.errors import InvalidPaginationToken

MAX_TOKEN_LENGTH = 4096
_VERSION = 1


def query_binding(*parts: object) -> str:
    """A digest of everything a token must stay tied to (caller, agency, normalized query)."""
    canonical = json.dumps([str(p) for p in parts], separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenCodec:
    def __init__(self, key: bytes, ttl_seconds: int, clock: Callable[[], datetime]) -> None:
        if len(key) < 16:
            raise ValueError("pagination key must be at least 16 bytes")
        self._key = key
        self._ttl = ttl_seconds
        self._clock = clock

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def encode(self, cursor: dict[str, Any], binding: str) -> str:
        expires = int(self._clock().timestamp()) + self._ttl
        payload = json.dumps(
            {"v": _VERSION, "b": binding, "c": cursor, "e": expires}, separators=(",", ":"), sort_keys=True
        ).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(payload))}"

    def decode(self, token: str, binding: str) -> dict[str, Any]:
        """The cursor inside a valid token, or InvalidPaginationToken (never any other exception)."""
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise InvalidPaginationToken("next_token is malformed")
        body, signature = token.split(".")
        try:
            payload = _b64decode(body)
            mac = _b64decode(signature)
        except (binascii.Error, ValueError) as exc:
            raise InvalidPaginationToken("next_token is malformed") from exc
        if _b64encode(payload) != body or _b64encode(mac) != signature:
            # base64's unused low bits let several strings decode alike: accept only the canonical one
            raise InvalidPaginationToken("next_token is malformed")
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidPaginationToken("next_token failed its integrity check")
        try:
            data = json.loads(payload)
        except ValueError as exc:  # only reachable with the key, but never crash on it
            raise InvalidPaginationToken("next_token is malformed") from exc
        if not isinstance(data, dict) or data.get("v") != _VERSION or not isinstance(data.get("c"), dict):
            raise InvalidPaginationToken("next_token is malformed")
        if not hmac.compare_digest(str(data.get("b", "")), binding):
            raise InvalidPaginationToken("next_token belongs to a different query or caller")
        expires = data.get("e")
        if not isinstance(expires, int) or self._clock().timestamp() >= expires:
            raise InvalidPaginationToken("next_token has expired; repeat the search")
        return dict(data["c"])
