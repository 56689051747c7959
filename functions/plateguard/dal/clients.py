"""Lazily created, cached boto3 clients (never at import time)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30)


@lru_cache(maxsize=32)
def aws_client(service: str, region: str, endpoint_url: str | None = None) -> Any:
    """One client per (service, region, endpoint); boto3 clients are thread-safe."""
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url, config=_CONFIG)
