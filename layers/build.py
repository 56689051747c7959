"""Build PlateGuard's Lambda layers without Docker, and prove they fit in Lambda.

    .venv/bin/python layers/build.py [--force] [--out DIR]

Each layer is `pip install --platform ... --only-binary=:all: --target` of `layers/<name>/requirements.txt`
into `layers/build/<name>/python/` (the Powertools recipe): binary wheels for Lambda's Linux x86_64,
CPython 3.12, whatever this machine is. Then it drops what the Lambda runtime already has (boto3 and
its dependencies) and what is never imported at run time (tests, type stubs, sources, caches).

A layer is rebuilt only when the hash of its requirements and of these build rules changes.
Always prints the unzipped sizes and exits non-zero if the ingest function (code + both layers)
would exceed Lambda's 250 MB unzipped limit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from cdk.packaging import (
    DEFAULT_LAYERS_DIR,
    FUNCTION_ASSET_EXCLUDE,
    FUNCTIONS_DIR,
    LAMBDA_UNZIPPED_LIMIT_BYTES,
    LAYERS,
    RECOGNITION_LAYER,
    RUNTIME_LAYER,
)

LAYERS_SRC = Path(__file__).resolve().parent

# Lambda python3.12 runs on Amazon Linux 2023 (glibc 2.34): manylinux2014 wheels run there, and so
# do manylinux_2_28 ones, which recent numpy/onnxruntime releases ship exclusively.
PYTHON_VERSION = "3.12"  # Lambda runtime of cdk/constructs/function.py; smoke tests may build others
PIP_PLATFORM_ARGS = [
    "--platform",
    "manylinux2014_x86_64",
    "--platform",
    "manylinux_2_28_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    "3.12",
    "--only-binary=:all:",
]

# Provided by the Lambda runtime (boto3 and everything only it pulls in); shipping our own copies
# would shadow the runtime's and waste ~25 MB.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "python_dateutil", "six")
# Pulled in by onnxruntime for its offline tools (symbolic shape inference, logging), never by
# InferenceSession: sympy + mpmath alone are ~80 MB.
# protobuf/flatbuffers/packaging serve only onnxruntime.backend and its tools (checked by grep and
# by layers/smoke.py importing and running the models without them).
NOT_IMPORTED_AT_RUNTIME = (
    "sympy", "mpmath", "coloredlogs", "humanfriendly", "isympy", "protobuf", "google", "flatbuffers", "packaging",
)  # fmt: skip
DROP_DIR_NAMES = ("__pycache__", "tests", "benchmarks")
DROP_SUFFIXES = (".pyc", ".pyi", ".pyx", ".pxd", ".c", ".cpp", ".h", ".hpp", ".a", ".md", ".rst")
# Globs under site-packages that inference never loads: onnxruntime's model tooling and its C-API
# library (the Python binding links the runtime statically: `readelf -d` shows no NEEDED entry for
# it; 35 MB), OpenCV's Haar cascades (PlateGuard decodes/encodes JPEGs only; 9 MB), C headers.
DROP_GLOBS = (
    "onnxruntime/transformers",
    "onnxruntime/quantization",
    "onnxruntime/tools",
    "onnxruntime/capi/libonnxruntime.so*",
    "cv2/data",
    "numpy/_core/include",
    "numpy/f2py",
)
# No `strip` of native libraries: auditwheel-patched libraries (numpy.libs, opencv .libs) come out
# unloadable ("ELF load command address/offset not page-aligned"), measured on numpy 2.4.
# Packages installed only for data files: everything else in them is deleted. rapidocr ships the
# PP-OCR models plateguard.recognition loads via importlib.resources; its runtime is never used, and
# its __init__ imports only `utils.typings` (stdlib enums).
KEEP_ONLY = {
    "rapidocr": (
        "__init__.py", "utils/__init__.py", "utils/typings.py",
        "models/PP-OCRv6_det_small.onnx", "models/PP-OCRv6_rec_small.onnx",
    ),
}  # fmt: skip
STRIP_RULES_VERSION = 5  # bump when the rules change meaningfully


def requirements_path(name: str) -> Path:
    return LAYERS_SRC / name / "requirements.txt"


def nodeps_requirements_path(name: str) -> Path:
    """Optional second file, installed with --no-deps (packages wanted only for their data)."""
    return LAYERS_SRC / name / "requirements-nodeps.txt"


def content_hash(name: str) -> str:
    rules = [
        PIP_PLATFORM_ARGS,
        RUNTIME_PROVIDED,
        NOT_IMPORTED_AT_RUNTIME,
        DROP_DIR_NAMES,
        DROP_SUFFIXES,
        DROP_GLOBS,
        STRIP_RULES_VERSION,
    ]
    digest = hashlib.sha256(requirements_path(name).read_bytes())
    nodeps = nodeps_requirements_path(name)
    if nodeps.is_file():
        digest.update(nodeps.read_bytes())
    digest.update(json.dumps(rules).encode())
    return digest.hexdigest()


def _dist_names(prefixes: Iterable[str]) -> set[str]:
    return {p.lower().replace("-", "_") for p in prefixes}


def prune(site: Path) -> None:
    """Remove runtime-provided and unused distributions, then files never imported in Lambda."""
    dropped = _dist_names((*RUNTIME_PROVIDED, *NOT_IMPORTED_AT_RUNTIME))
    for entry in list(site.iterdir()):
        stem = entry.name.split("-")[0].lower().replace("-", "_")
        base = entry.stem.lower() if entry.is_file() else entry.name.lower()
        if stem in dropped or base in dropped:
            _remove(entry)
    for package, keep in KEEP_ONLY.items():
        root = site / package
        for path in sorted(root.rglob("*"), reverse=True) if root.is_dir() else []:
            rel = path.relative_to(root).as_posix()
            if path.is_file() and rel not in keep:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    for pattern in DROP_GLOBS:
        for match in list(site.glob(pattern)):
            _remove(match)
    # bin/ holds console scripts with a shebang for this machine: useless in a layer.
    _remove(site / "bin")
    for path in sorted(site.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name in DROP_DIR_NAMES and ".dist-info" not in str(path):
            _remove(path)
        elif path.is_file() and path.suffix in DROP_SUFFIXES and ".dist-info" not in str(path.parent):
            path.unlink()


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def build_layer(name: str, out: Path, force: bool) -> bool:
    """Build one layer; returns False when the existing build is current and was kept."""
    layer_dir = out / name
    stamp = layer_dir / ".build-hash"
    wanted = content_hash(name)
    if not force and stamp.is_file() and stamp.read_text().strip() == wanted and (layer_dir / "python").is_dir():
        print(f"{name}: up to date ({wanted[:12]}), skipping")
        return False
    out.mkdir(parents=True, exist_ok=True)
    # Build beside the target and swap in at the end: a failed build never leaves half a layer.
    with tempfile.TemporaryDirectory(dir=out, prefix=f".{name}-") as tmp:
        site = Path(tmp) / "python"
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-warn-conflicts",
            *PIP_PLATFORM_ARGS,
            "--target",
            str(site),
            "-r",
            str(requirements_path(name)),
        ]
        print(f"{name}: {' '.join(cmd[1:])}")
        subprocess.run(cmd, check=True)  # noqa: S603  (fixed argument list)
        nodeps = nodeps_requirements_path(name)
        if nodeps.is_file():
            _remove(site / "bin")  # pip refuses to overwrite the first run's console scripts
            subprocess.run([*cmd[:-2], "--no-deps", "-r", str(nodeps)], check=True)  # noqa: S603
        prune(site)
        (Path(tmp) / ".build-hash").write_text(wanted + "\n")
        _remove(layer_dir)
        Path(tmp).chmod(0o755)  # mkdtemp makes it 0700
        Path(tmp).rename(layer_dir)
        Path(tmp).mkdir()  # TemporaryDirectory cleans up the (now empty) path it created
    return True


def tree_size(root: Path, exclude: Iterable[str] = ()) -> int:
    patterns = list(exclude)
    total = 0
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(rel.match(p) or any(parent.match(p) for parent in rel.parents if parent.parts) for p in patterns):
            continue
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def mb(size: int) -> str:
    return f"{size / 1_048_576:6.1f} MiB"


def report(out: Path) -> int:
    """Print sizes; non-zero when the biggest function (ingest: code + both layers) is over the limit."""
    code = tree_size(FUNCTIONS_DIR, FUNCTION_ASSET_EXCLUDE)
    sizes = {name: tree_size(out / name / "python") for name in LAYERS}
    for name, size in sizes.items():
        print(f"layer {name:<12} {mb(size)} unzipped")
    print(f"function code      {mb(code)} unzipped (functions/, asset excludes applied)")
    ingest = code + sizes[RECOGNITION_LAYER] + sizes[RUNTIME_LAYER]
    api = code + sizes[RUNTIME_LAYER]
    limit = LAMBDA_UNZIPPED_LIMIT_BYTES
    print(f"ingest total       {mb(ingest)} of {mb(limit)} limit ({ingest / limit:.0%})")
    print(f"api total          {mb(api)} of {mb(limit)} limit ({api / limit:.0%})")
    if ingest >= limit:
        print(f"ERROR: ingest function would be {mb(ingest)} unzipped, over Lambda's {mb(limit)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_LAYERS_DIR, help="build directory (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the content hash is unchanged")
    parser.add_argument(
        "--python-version",
        default=PYTHON_VERSION,
        help="CPython of the wheels (default %(default)s, Lambda's); another one only for layers/smoke.py",
    )
    args = parser.parse_args(argv)
    PIP_PLATFORM_ARGS[PIP_PLATFORM_ARGS.index(PYTHON_VERSION)] = args.python_version
    for name in LAYERS:
        build_layer(name, args.out, args.force)
    return report(args.out)


if __name__ == "__main__":
    sys.exit(main())
