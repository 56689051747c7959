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
