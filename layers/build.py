"""Build PlateGuard's Lambda layers without Docker, and prove they fit in Lambda.

    .venv/bin/python layers/build.py [--force] [--out DIR] [--python-version X.Y] [--arch arm64|x86_64]

Each layer is `pip install --platform ... --only-binary=:all: -c constraints.txt --target` of
`layers/<name>/requirements.txt` into `layers/build/<name>/python/` (the Powertools recipe): binary wheels
for Lambda's Linux CPU and CPython (cdk/packaging.py), whatever this machine is, at exactly the versions
`make install` puts in the dev environment. Then it drops what the Lambda runtime already has (boto3 and
its dependencies) and what is never imported at run time (tests, type stubs, sources, caches).

A layer is rebuilt only when the hash of its requirements, the constraints and these build rules changes.
Always prints the unzipped sizes and exits non-zero if the ingest function (code + both layers) would
leave less than REQUIRED_HEADROOM_BYTES under Lambda's 250 MiB unzipped limit. A build for Lambda's own
target also rewrites layers/manifest.json (shipped versions and sizes; committed, checked by the tests).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from cdk.packaging import (
    CONSTRAINTS_FILE,
    DEFAULT_LAYERS_DIR,
    FUNCTION_ASSET_EXCLUDE,
    FUNCTIONS_DIR,
    LAMBDA_ARCHITECTURE,
    LAMBDA_PYTHON_VERSION,
    LAMBDA_UNZIPPED_LIMIT_BYTES,
    LAYERS,
    MANIFEST_FILE,
    PIP_PLATFORMS,
    RECOGNITION_LAYER,
    REQUIRED_HEADROOM_BYTES,
    RUNTIME_LAYER,
)

LAYERS_SRC = Path(__file__).resolve().parent


def pip_platform_args(python_version: str = LAMBDA_PYTHON_VERSION, arch: str = LAMBDA_ARCHITECTURE) -> list[str]:
    """Binary wheels for Lambda's Amazon Linux 2023 (glibc 2.34): manylinux2014 and manylinux_2_28 wheels
    both run there (recent numpy/onnxruntime releases ship only the latter)."""
    platforms = [arg for tag in PIP_PLATFORMS[arch] for arg in ("--platform", tag)]
    return [*platforms, "--implementation", "cp", "--python-version", python_version, "--only-binary=:all:"]


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
STRIP_RULES_VERSION = 6  # bump when the rules change meaningfully


def requirements_path(name: str) -> Path:
    return LAYERS_SRC / name / "requirements.txt"


def nodeps_requirements_path(name: str) -> Path:
    """Optional second file, installed with --no-deps (packages wanted only for their data)."""
    return LAYERS_SRC / name / "requirements-nodeps.txt"


def content_hash(name: str, platform_args: Sequence[str] | None = None) -> str:
    rules = [
        list(platform_args if platform_args is not None else pip_platform_args()),
        RUNTIME_PROVIDED,
        NOT_IMPORTED_AT_RUNTIME,
        DROP_DIR_NAMES,
        DROP_SUFFIXES,
        DROP_GLOBS,
        STRIP_RULES_VERSION,
    ]
    digest = hashlib.sha256(requirements_path(name).read_bytes())
    digest.update(CONSTRAINTS_FILE.read_bytes())
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


def build_layer(name: str, out: Path, force: bool, platform_args: Sequence[str] | None = None) -> bool:
    """Build one layer; returns False when the existing build is current and was kept."""
    platform_args = list(platform_args if platform_args is not None else pip_platform_args())
    layer_dir = out / name
    stamp = layer_dir / ".build-hash"
    wanted = content_hash(name, platform_args)
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
            *platform_args,
            "-c",
            str(CONSTRAINTS_FILE),
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


def shipped_versions(site: Path) -> dict[str, str]:
    """Distribution name -> version of what a pruned layer still holds (from its .dist-info folders)."""
    versions = {}
    for info in site.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        versions[name.lower().replace("_", "-")] = version
    return dict(sorted(versions.items()))


def report(
    out: Path, manifest: Path | None = None, target: dict[str, str] | None = None, *, enforce: bool = True
) -> int:
    """Print sizes (and write `manifest`); non-zero when the ingest function leaves too little headroom.

    `enforce=False` for builds that never deploy (the smoke test's x86_64 layers are bigger than arm64's).
    """
    code = tree_size(FUNCTIONS_DIR, FUNCTION_ASSET_EXCLUDE)
    sizes = {name: tree_size(out / name / "python") for name in LAYERS}
    for name, size in sizes.items():
        print(f"layer {name:<12} {mb(size)} unzipped")
    print(f"function code      {mb(code)} unzipped (functions/, asset excludes applied)")
    ingest = code + sizes[RECOGNITION_LAYER] + sizes[RUNTIME_LAYER]
    api = code + sizes[RUNTIME_LAYER]
    limit = LAMBDA_UNZIPPED_LIMIT_BYTES
    headroom = limit - ingest
    print(f"ingest total       {mb(ingest)} of {mb(limit)} limit ({ingest / limit:.0%}), headroom {mb(headroom)}")
    print(f"api total          {mb(api)} of {mb(limit)} limit ({api / limit:.0%})")
    if manifest is not None:
        record = {
            **(target or {}),
            "limit_bytes": limit,
            "function_code_bytes": code,
            "layers": {
                name: {"bytes": size, "packages": shipped_versions(out / name / "python")}
                for name, size in sizes.items()
            },
            "ingest_total_bytes": ingest,
            "ingest_headroom_bytes": headroom,
        }
        manifest.write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {manifest}")
    if not enforce:
        print("(not Lambda's python/CPU: sizes reported, limit not enforced)")
        return 0
    if ingest >= limit:
        print(f"ERROR: ingest function would be {mb(ingest)} unzipped, over Lambda's {mb(limit)}", file=sys.stderr)
        return 1
    if headroom < REQUIRED_HEADROOM_BYTES:
        print(
            f"ERROR: ingest function leaves {mb(headroom)} under Lambda's limit, less than the "
            f"{mb(REQUIRED_HEADROOM_BYTES)} required (cdk/packaging.py REQUIRED_HEADROOM_BYTES): prune "
            "more in layers/build.py or pick smaller versions in constraints.txt",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_LAYERS_DIR, help="build directory (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the content hash is unchanged")
    parser.add_argument(
        "--python-version",
        default=LAMBDA_PYTHON_VERSION,
        help="CPython of the wheels (default %(default)s, Lambda's); another one only for layers/smoke.py",
    )
    parser.add_argument(
        "--arch",
        choices=sorted(PIP_PLATFORMS),
        default=LAMBDA_ARCHITECTURE,
        help="CPU of the wheels (default %(default)s, Lambda's); this machine's only for layers/smoke.py",
    )
    args = parser.parse_args(argv)
    platform_args = pip_platform_args(args.python_version, args.arch)
    for name in LAYERS:
        build_layer(name, args.out, args.force, platform_args)
    # Only a build of what Lambda runs is the record of what ships.
    lambda_target = (args.python_version, args.arch) == (LAMBDA_PYTHON_VERSION, LAMBDA_ARCHITECTURE)
    target = {"python_version": args.python_version, "architecture": args.arch}
    return report(args.out, MANIFEST_FILE if lambda_target else None, target, enforce=lambda_target)


if __name__ == "__main__":
    sys.exit(main())
