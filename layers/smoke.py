"""Smoke-test built layers: import what the functions import and run the OCR models, layers only.

`make layer-smoke` builds the layers for CPython 3.12 (Lambda's) from the same requirements, constraints
and pruning rules as the deployed ones, for this machine's CPU (Lambda's arm64 wheels cannot run on an
x86_64 workstation; the versions are the same), and runs this file in an isolated 3.12 interpreter
(`-S`, no site-packages) that sees only the layers and functions/:

    .venv/bin/python layers/build.py --python-version 3.12 --arch x86_64 --out layers/build/smoke-3.12
    python3.12 -m pip install -q -c constraints.txt --target layers/build/smoke-3.12/var-runtime boto3
    python3.12 -S layers/smoke.py layers/build/smoke-3.12

`var-runtime/` stands in for Lambda's /var/runtime, which provides boto3, botocore and jmespath (the
layers drop them); like there, it comes after the layers on sys.path.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(layers_dir: Path) -> int:
    sys.path[:0] = [str(layers_dir / "recognition" / "python"), str(layers_dir / "runtime" / "python"),
                    str(ROOT / "functions")]  # fmt: skip
    sys.path.append(str(layers_dir / "var-runtime"))
    import cv2
    import numpy as np
    import onnxruntime as ort

    from plateguard.recognition import _sessions

    frame = np.zeros((720, 1280, 3), np.uint8)
    ok, jpeg = cv2.imencode(".jpg", frame)
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    assert ok and decoded is not None and decoded.shape == frame.shape
    for path in _sessions.model_paths():
        session = _sessions.session(path, 1)
        spec = session.get_inputs()[0]
        # Dynamic dimensions get a small NCHW-shaped value (heights multiple of 32 for the detector).
        shape = [d if isinstance(d, int) else (1, 3, 64, 320)[i] for i, d in enumerate(spec.shape)]
        output = session.run(None, {spec.name: np.zeros(shape, np.float32)})
        print(f"{path.name}: input {shape} -> output {output[0].shape}")
    # What the handlers import at cold start, through the runtime layer.
    from zoneinfo import ZoneInfo

    import plateguard.handlers.api
    import plateguard.handlers.ingest
    import plateguard.handlers.jobs
    import plateguard.handlers.sweeper  # noqa: F401

    ZoneInfo("America/Los_Angeles")  # the jobs' agency-local hours

    # The layers must hold exactly what constraints.txt pins (and so what `make install` runs).
    pins = dict(
        line.split("#")[0].strip().split("==")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line.split("#")[0]
    )
    got = {"numpy": np.__version__, "onnxruntime": ort.__version__}
    wrong = {name: (version, pins[name]) for name, version in got.items() if pins[name] != version}
    if not pins["opencv-python-headless"].startswith(cv2.__version__ + "."):  # wheel adds a build number
        wrong["opencv-python-headless"] = (cv2.__version__, pins["opencv-python-headless"])
    assert not wrong, f"layers differ from constraints.txt (got, pinned): {wrong}"
    python = ".".join(map(str, sys.version_info[:3]))
    print(f"ok: python {python}, numpy {np.__version__}, opencv {cv2.__version__}, onnxruntime {ort.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
