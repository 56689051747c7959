"""Local mode, end to end: an admin adds a camera with the CLI, the camera trades its certificate for
credentials at the emulated IoT credentials provider, uploads a frame, and ingest reads it."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from plateguard.cli import main
from plateguard.local.runner import LocalEnvironment
from plateguard.models.records import Outcome

from .conftest import repository, scene_jpeg, wait_for


def cli(env: LocalEnvironment, *argv: str) -> int:
    """An admin command against this environment's API, or (`camera ...`) the camera side, which needs
    nothing but its identity folder."""
    return main([*argv, "--state-dir", str(env.state_dir)] if argv[0] == "cameras" else list(argv))


def test_a_camera_added_with_the_cli_uploads_with_its_own_credentials_and_is_read(
    live_env: LocalEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = tmp_path / "cam-elm-st"
    # Given an admin registers a camera through the audited API
    code = cli(live_env, "cameras", "add", "cam-elm-st", "--name", "Elm St & 3rd", "--lat", "37.78", "--lon",
               "-122.41", "--heading", "270", "--district", "central", "--out", str(identity))  # fmt: skip
    assert code == 0, capsys.readouterr()
    # Then its identity is on disk: the key readable by its owner only, no key in camera.json
    assert stat.S_IMODE((identity / "private.key").stat().st_mode) == 0o600
    config = json.loads((identity / "camera.json").read_text())
    assert (config["thing_name"], config["agency"], config["prefix"]) == (
        "cam-elm-st",
        "demo-pd",
        "incoming/demo-pd/cam-elm-st/",
    )
    assert config["credentials_endpoint"] == live_env.state["camera_credentials_endpoint"]
    assert "private_key" not in config
    capsys.readouterr()

    # When the camera uploads a frame with credentials from the (emulated) credentials provider
    frame = tmp_path / "frame.jpg"
    frame.write_bytes(scene_jpeg(["7KDR394"], seed=11))
    assert cli(live_env, "camera", "upload", "--credentials", str(identity), str(frame)) == 0
    (key,) = re.findall(r"s3://[^/]+/(\S+)", capsys.readouterr().out)
    assert key.startswith("incoming/demo-pd/cam-elm-st/")
    # Then the credentials were issued for this camera, and ingest reads the frame (not quarantined)
    provider = live_env.credentials_provider.provider
    assert any(c.context["credentials-iot:ThingName"] == "cam-elm-st" for c in provider.issued.values())
    outcome = wait_for(lambda: repository().get_outcome(key), timeout=60)
    assert outcome.outcome is Outcome.READS_STORED, outcome
    (read,) = repository().reads_for_source(key, outcome.read_ids)
    assert (read.plate, read.camera_id, read.lat) == ("7KDR394", "cam-elm-st", 37.78)

    # When the camera is retired, Then its certificate gets no more credentials
    assert cli(live_env, "cameras", "retire", "cam-elm-st") == 0
    assert "retired cam-elm-st" in capsys.readouterr().out
    assert cli(live_env, "camera", "upload", "--credentials", str(identity), str(frame)) == 2
    assert "credentials refused (403)" in capsys.readouterr().err
    # And the registry lists it as retired
    assert cli(live_env, "cameras", "list") == 0
    assert re.search(r"cam-elm-st\s+retired", capsys.readouterr().out)
