"""Integration fixtures: PlateGuard's local mode (moto's ThreadedMotoServer on 127.0.0.1)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from plateguard.local.runner import LocalEnvironment
from plateguard.logic.imaging import encode_jpeg
from plateguard.logic.keys import build_upload_key


def _prefix() -> str:
    return f"pg-{uuid.uuid4().hex[:8]}"


# Only one environment may run at a time in a process (handlers read it from os.environ):
# a module uses either manual_env or live_env, never both.
@pytest.fixture(scope="module")
def manual_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    """Local mode whose ingest queue is drained by the test itself (no background dispatcher)."""
    with LocalEnvironment(state_dir=tmp_path_factory.mktemp("state"), dispatch=False, prefix=_prefix()) as env:
        yield env


@pytest.fixture(scope="module")
def live_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    """Local mode as `plateguard local` runs it: dispatcher and inbox watcher in the background."""
    with LocalEnvironment(state_dir=tmp_path_factory.mktemp("state"), prefix=_prefix()) as env:
        yield env


def scene_jpeg(plates: list[str], seed: int = 0) -> bytes:
    from plateguard.recognition.synth import render_scene

    return encode_jpeg(render_scene(plates, seed=seed))


def upload(
    env: LocalEnvironment,
    body: bytes,
    camera_id: str = "cam-main-st",
    metadata: dict[str, str] | None = None,
    key: str | None = None,
) -> str:
    now = datetime.now(UTC)
    key = key or build_upload_key("demo-pd", camera_id, now, str(uuid.uuid4()))
    meta = {"captured-at": now.isoformat()} if metadata is None else metadata
    env.client("s3").put_object(Bucket=env.state["images_bucket"], Key=key, Body=body, Metadata=meta)
    return key


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout}s")


def repository() -> Any:
    from plateguard.wiring import ingest as ingest_wiring

    return ingest_wiring.dependencies().repository


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / ".plateguard"


def role_target(env: LocalEnvironment, user: str) -> Any:
    """An ApiTarget signing as `user`'s MFA role session, the way officers reach the API."""
    from plateguard.commands.search import ApiTarget
    from plateguard.local.sts import assume_local_role

    state = env.state
    return ApiTarget(state["api_url"], state["region"], assume_local_role(state["users"][user], state["api_url"],
                                                                          state["region"]))  # fmt: skip
