"""Where the Lambda code and layers live, what the code asset leaves out, and Lambda's size limit.

Shared by `layers/build.py` (which measures sizes) and the CDK constructs (which package the assets),
so the size that the build prints is the size that gets deployed. No AWS imports here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
DEFAULT_LAYERS_DIR = REPO_ROOT / "layers" / "build"
BUILD_SCRIPT = REPO_ROOT / "layers" / "build.py"
BUILD_COMMAND = ".venv/bin/python layers/build.py"
# The exact versions both the dev environment (`make install`) and the layers install (`pip -c`).
CONSTRAINTS_FILE = REPO_ROOT / "constraints.txt"
# What the last build for Lambda's target installed and measured; committed, and compared with
# constraints.txt by tests/infra/test_runtime_parity.py.
MANIFEST_FILE = REPO_ROOT / "layers" / "manifest.json"

# Lambda's interpreter and CPU for every function (cdk/constructs/function.py and layers.py read these).
# arm64 because its opencv/onnxruntime wheels are ~70 MiB smaller unzipped than x86_64's: with the
# versions in constraints.txt the x86_64 ingest function would not fit in 250 MiB (docs/infrastructure.md).
LAMBDA_PYTHON_VERSION = "3.12"
LAMBDA_ARCHITECTURE = "arm64"
# pip --platform tags per Lambda architecture (Lambda python3.12 is Amazon Linux 2023, glibc 2.34).
PIP_PLATFORMS = {
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
}

# Layer names; each is built into <layers dir>/<name>/python (the layout Lambda unpacks under /opt).
RECOGNITION_LAYER = "recognition"
RUNTIME_LAYER = "runtime"
LAYERS = (RECOGNITION_LAYER, RUNTIME_LAYER)

# Glob patterns (relative to functions/) that never ship in the code asset.
FUNCTION_ASSET_EXCLUDE = [
    "**/__pycache__",
    "**/*.pyc",
    "**/tests",
    "**/test_*.py",
    "*.egg-info",
    "**/.mypy_cache",
    "**/.pytest_cache",
]

# Lambda's limit on the unzipped size of a function plus all of its layers (262,144,000 bytes).
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
# What the ingest function (code + both layers) must leave free under that limit, so a model update
# or a dependency bump does not turn into a failed deploy.
REQUIRED_HEADROOM_BYTES = 30 * 1024 * 1024

# Context key / environment variable that point synthesis at other layer directories
# (tests use tiny stub layers so they never download anything).
LAYERS_DIR_CONTEXT = "plateguard:layersDir"
LAYERS_DIR_ENV = "PLATEGUARD_LAYERS_DIR"


class LayersMissingError(RuntimeError):
    pass


def layer_code_dir(layers_dir: Path, name: str) -> Path:
    """The directory handed to `Code.from_asset`: it holds `python/` as Lambda expects."""
    return layers_dir / name


def missing_layers(layers_dir: Path) -> list[str]:
    return [name for name in LAYERS if not (layer_code_dir(layers_dir, name) / "python").is_dir()]


def ensure_layers(layers_dir: Path) -> None:
    """Build the default layers once if absent, so `python app.py` works from a fresh clone.

    Only the default directory is built automatically (it needs PyPI once; later runs are skipped
    by the content hash). A custom directory that lacks a layer is an error: nothing is guessed.
    """
    missing = missing_layers(layers_dir)
    if not missing:
        return
    if layers_dir.resolve() != DEFAULT_LAYERS_DIR.resolve():
        raise LayersMissingError(
            f"layer directories {missing} are missing under {layers_dir} "
            f"(set by {LAYERS_DIR_CONTEXT} / {LAYERS_DIR_ENV}); each needs a python/ folder"
        )
    print(f"Lambda layers {missing} not built yet: running {BUILD_COMMAND} (needs PyPI once)", file=sys.stderr)
    result = subprocess.run([sys.executable, str(BUILD_SCRIPT)], cwd=REPO_ROOT, check=False)  # noqa: S603
    if result.returncode != 0 or missing_layers(layers_dir):
        raise LayersMissingError(f"building the Lambda layers failed; run `{BUILD_COMMAND}` and read its output")


def resolve_layers_dir(context_value: object | None) -> Path:
    """Context beats environment beats the default build directory."""
    chosen = context_value or os.environ.get(LAYERS_DIR_ENV)
    return Path(str(chosen)).resolve() if chosen else DEFAULT_LAYERS_DIR
