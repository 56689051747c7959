"""Runtime parity: the dev environment, the layer build and Lambda run the same pinned versions and fit.

Pure checks, nothing downloaded: constraints.txt against the requirements that name the packages, the
committed layers/manifest.json (what the last build for Lambda's target shipped and measured) and the
packages installed in this environment. `make layer-smoke` is the slow check that imports the layers.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cdk.packaging import (
    CONSTRAINTS_FILE,
    LAMBDA_ARCHITECTURE,
    LAMBDA_PYTHON_VERSION,
    LAMBDA_UNZIPPED_LIMIT_BYTES,
    LAYERS,
    MANIFEST_FILE,
    REQUIRED_HEADROOM_BYTES,
)

REPO = Path(__file__).resolve().parents[2]
# What the readings and figures depend on: these must be the pinned versions in every environment.
RECOGNITION_STACK = ("onnxruntime", "opencv-python-headless", "numpy", "rapidocr")


def _pins(path: Path = CONSTRAINTS_FILE) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        text = line.split("#")[0].strip()
        if text:
            requirement = Requirement(text)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{text}: constraints.txt pins exact versions only"
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def _requirements(path: Path) -> list[Requirement]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def _manifest() -> dict[str, Any]:
    assert MANIFEST_FILE.is_file(), "no layers/manifest.json: run `make layer` and commit it"
    return json.loads(MANIFEST_FILE.read_text())


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layer_build_parity", REPO / "layers" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_requirement_accepts_its_pin() -> None:
    # Given the pins and every place that names a runtime package with a range
    pins = _pins()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    named = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    for layer_dir in (REPO / "layers").iterdir():
        for requirements in layer_dir.glob("requirements*.txt"):
            named += _requirements(requirements)
    # Then each of them is pinned, and the pin is inside its range (pip would refuse the build otherwise)
    for requirement in named:
        name = canonicalize_name(requirement.name)
        if name == "boto3":
            continue  # Lambda's runtime provides its own boto3; the layers drop it
        assert name in pins, f"{requirement} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{requirement} excludes {pins[name]}"


def test_layers_ship_exactly_the_pinned_versions() -> None:
    # Given what the last Lambda build installed (after pruning) and the pins
    manifest, pins = _manifest(), _pins()
    shipped = {name: v for layer in manifest["layers"].values() for name, v in layer["packages"].items()}
    assert set(RECOGNITION_STACK) <= set(shipped)
    # Then every shipped package is pinned at the version that shipped: a pin changed without a rebuild,
    # or a new dependency the constraints do not cover, fails here
    wrong = {name: (version, pins.get(name)) for name, version in shipped.items() if pins.get(name) != version}
    assert not wrong, f"layers/manifest.json (shipped, pinned) differ: {wrong}; run `make layer` and commit it"


def test_ingest_function_fits_with_headroom(build: ModuleType) -> None:
    # Given the manifest of a build for Lambda's interpreter and CPU
    manifest = _manifest()
    assert (manifest["python_version"], manifest["architecture"]) == (LAMBDA_PYTHON_VERSION, LAMBDA_ARCHITECTURE)
    assert set(manifest["layers"]) == set(LAYERS)
    # When today's function code is added to the layers that shipped
    code = build.tree_size(build.FUNCTIONS_DIR, build.FUNCTION_ASSET_EXCLUDE)
    ingest = code + sum(layer["bytes"] for layer in manifest["layers"].values())
    # Then at least REQUIRED_HEADROOM_BYTES (30 MiB) stay free under Lambda's 250 MiB unzipped
    headroom = LAMBDA_UNZIPPED_LIMIT_BYTES - ingest
    assert headroom >= REQUIRED_HEADROOM_BYTES, f"ingest function leaves {headroom / 2**20:.1f} MiB"
    assert manifest["ingest_headroom_bytes"] >= REQUIRED_HEADROOM_BYTES


def test_dev_environment_runs_the_pinned_recognition_stack() -> None:
    # Given the packages `make install` put in this environment (with -c constraints.txt)
    pins = _pins()
    installed = {name: importlib.metadata.version(name) for name in RECOGNITION_STACK}
    # Then they are the versions the ingest function runs: the figures measured here hold in Lambda
    assert installed == {name: pins[name] for name in RECOGNITION_STACK}, "stale .venv: `make clean install`"


def test_layer_build_and_make_install_use_the_constraints(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a layer build that records the pip commands instead of running them
    commands: list[list[str]] = []

    def fake_run(cmd: list[str], check: bool) -> None:
        commands.append(cmd)
        Path(cmd[cmd.index("--target") + 1]).mkdir(parents=True, exist_ok=True)

    monkeypatch.setattr(build.subprocess, "run", fake_run)
    # When the recognition layer is built for Lambda
    build.build_layer("recognition", tmp_path, force=True)
    # Then every pip run (the --no-deps one too) is constrained, for Lambda's CPU and Python
    assert len(commands) == 2
    for cmd in commands:
        assert cmd[cmd.index("-c") + 1] == str(CONSTRAINTS_FILE)
        assert cmd[cmd.index("--python-version") + 1] == LAMBDA_PYTHON_VERSION
        assert any("aarch64" in arg for arg in cmd) == (LAMBDA_ARCHITECTURE == "arm64")
    # And `make install` installs the dev environment with the same file
    makefile = (REPO / "Makefile").read_text()
    installs = re.findall(r"\$\(BIN\)/pip install .*", makefile.split("install: $(STAMP)")[0])
    assert installs and all("-c constraints.txt" in line for line in installs if "--upgrade pip" not in line)


def test_content_hash_changes_with_the_constraints(build: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    first = build.content_hash("runtime")
    monkeypatch.setattr(build, "CONSTRAINTS_FILE", REPO / "pyproject.toml")  # any other content
    assert build.content_hash("runtime") != first  # a changed pin rebuilds the layer


def test_size_report_fails_without_the_required_headroom(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given layers that fit under Lambda's limit but leave less than the required headroom
    for name in LAYERS:
        (tmp_path / name / "python").mkdir(parents=True)
        (tmp_path / name / "python" / "lib.so").write_bytes(b"x" * 1000)
    code = build.tree_size(build.FUNCTIONS_DIR, build.FUNCTION_ASSET_EXCLUDE)
    monkeypatch.setattr(build, "LAMBDA_UNZIPPED_LIMIT_BYTES", code + 2000 + REQUIRED_HEADROOM_BYTES - 1)
    # Then the build fails; with the headroom it passes, and a non-Lambda (smoke) build is never held to it
    assert build.report(tmp_path) == 1
    assert build.report(tmp_path, enforce=False) == 0
    monkeypatch.setattr(build, "LAMBDA_UNZIPPED_LIMIT_BYTES", code + 2000 + REQUIRED_HEADROOM_BYTES)
    assert build.report(tmp_path) == 0
