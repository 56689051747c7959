"""Layer building and deployment settings: pure checks, nothing downloaded or synthesized here."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from aws_cdk import App

from cdk.config import POLICY_FILE_CONTEXT, PlateGuardConfig
from cdk.constructs.function import retention_at_most
from cdk.packaging import DEFAULT_LAYERS_DIR, LayersMissingError, ensure_layers, resolve_layers_dir

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layer_build", REPO / "layers" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _touch(path: Path, size: int = 10) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_prune_drops_runtime_provided_and_unused_files(build: ModuleType, tmp_path: Path) -> None:
    # Given a site-packages as pip leaves it
    keep = ["numpy/core.py", "cv2/cv2.abi3.so", "onnxruntime/capi/onnxruntime_pybind11_state.so",
            "pydantic-2.0.dist-info/METADATA", "pydantic/main.py"]  # fmt: skip
    drop = ["boto3/__init__.py", "botocore/data/x.json", "boto3-1.0.dist-info/METADATA", "sympy/core.py",
            "numpy/_core/tests/test_x.py", "pydantic/main.pyi", "onnxruntime/capi/libonnxruntime.so.1.32.0",
            "cv2/data/haarcascade.xml", "x/__pycache__/a.cpython-312.pyc", "bin/f2py"]  # fmt: skip
    for rel in keep + drop:
        _touch(tmp_path / rel)
    # When pruned
    build.prune(tmp_path)
    # Then what Lambda imports stays and the rest is gone
    assert all((tmp_path / rel).exists() for rel in keep)
    assert not [rel for rel in drop if (tmp_path / rel).exists()]


def test_content_hash_changes_with_requirements(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "runtime").mkdir()
    requirements = tmp_path / "runtime" / "requirements.txt"
    monkeypatch.setattr(build, "LAYERS_SRC", tmp_path)
    requirements.write_text("pydantic>=2\n")
    first = build.content_hash("runtime")
    assert build.content_hash("runtime") == first  # stable: a rebuild is skipped
    requirements.write_text("pydantic>=2.6\n")
    assert build.content_hash("runtime") != first


def test_size_report_fails_over_lambdas_limit(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("recognition", "runtime"):
        _touch(tmp_path / name / "python" / "lib.so", 1000)
    monkeypatch.setattr(build, "LAMBDA_UNZIPPED_LIMIT_BYTES", 10**9)
    assert build.report(tmp_path) == 0
    monkeypatch.setattr(build, "LAMBDA_UNZIPPED_LIMIT_BYTES", 1500)
    assert build.report(tmp_path) == 1


def test_missing_custom_layer_dir_is_an_error_not_a_download(tmp_path: Path) -> None:
    with pytest.raises(LayersMissingError, match="recognition"):
        ensure_layers(tmp_path)


def test_layers_dir_defaults_to_the_build_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PLATEGUARD_LAYERS_DIR", raising=False)
    assert resolve_layers_dir(None) == DEFAULT_LAYERS_DIR
    monkeypatch.setenv("PLATEGUARD_LAYERS_DIR", str(tmp_path))
    assert resolve_layers_dir(None) == tmp_path.resolve()


def test_retention_comes_from_context() -> None:
    # Given an agency choosing Maine's 21 days for non-hit reads (strings, as `-c key=value` gives)
    # (no policy file: a quick non-production synth)
    app = App(context={"plateguard:readRetentionDays": "21", "plateguard:hitRetentionDays": "400"})
    config = PlateGuardConfig.from_context(app.node)
    assert (config.read_retention_days, config.hit_retention_days) == (21, 400)
    assert (config.image_lifecycle_days, config.crop_lifecycle_days) == (21, 400)
    # And function logs (which may name plates) are kept no longer than a non-hit read
    assert retention_at_most(21).value == "TWO_WEEKS"


def test_inconsistent_retention_is_refused() -> None:
    with pytest.raises(ValueError, match="readRetentionDays"):
        PlateGuardConfig(read_retention_days=400, hit_retention_days=30)


def test_recognition_layer_keeps_the_models_the_reader_loads(build: ModuleType) -> None:
    # Given the model files plateguard.recognition opens through importlib.resources("rapidocr")
    from plateguard.recognition import _sessions

    wanted = {f"models/{path.name}" for path in _sessions.model_paths() if "rapidocr" in path.parts}
    assert wanted, "no model comes from rapidocr any more: drop it from the recognition layer"
    # Then the layer build keeps exactly those (and the package __init__ that makes them importable)
    assert wanted <= set(build.KEEP_ONLY["rapidocr"])
    assert "__init__.py" in build.KEEP_ONLY["rapidocr"]


def test_policy_file_drives_retention_lock_and_function_settings() -> None:
    # Given New Hampshire's policy: non-hit data kept 3 minutes, audit records 1 year
    app = App(context={POLICY_FILE_CONTEXT: "examples/policy/new-hampshire.yaml"})
    config = PlateGuardConfig.from_context(app.node)
    # Then S3 lifecycle uses its 1-day minimum (the sweeper deletes on time) and logs keep 1 day
    assert config.image_lifecycle_days == 1 and config.crop_lifecycle_days == 1
    assert retention_at_most(config.log_retention_cap_days).value == "ONE_DAY"
    # And ingest stores no non-hit read at all, with the fractional retention as the backstop
    env = config.ingest_environment()
    assert env["PERSIST_NON_HIT_READS"] == "false"
    assert float(env["READ_RETENTION_DAYS"]) == pytest.approx(3 / 1440)
    # And the jobs serve the policy's agency; audit records stay locked at least a year
    assert config.job_environment()["AGENCIES"] == "granite-pd"
    # And the sweeper runs every minute, deleting frames after 3 minutes
    assert config.sweep_interval_seconds == 60
    assert config.sweeper_environment()["IMAGES_RETENTION_SECONDS"] == "180"
    assert config.audit_lock_days >= 365
    assert "OFFENSE_TYPES" in config.api_environment()
