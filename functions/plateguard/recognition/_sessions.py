"""ONNX model files and sessions: located in installed packages, built lazily, cached per thread count."""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

import onnxruntime as ort

# PP-OCRv6 small text detector and recognizer ship inside the `rapidocr` wheel (Apache-2.0). We only load
# its .onnx files; rapidocr's own Python runtime is not used.
_RAPIDOCR_DET = "PP-OCRv6_det_small.onnx"
_RAPIDOCR_REC = "PP-OCRv6_rec_small.onnx"


class ModelNotFoundError(RuntimeError):
    """A model file the reader needs is not installed."""


def _rapidocr_model(name: str) -> Path:
    try:
        root = importlib.resources.files("rapidocr") / "models" / name
    except ModuleNotFoundError as exc:
        raise ModelNotFoundError("the 'rapidocr' package (which ships the OCR models) is not installed") from exc
    path = Path(str(root))
    if not path.is_file():
        raise ModelNotFoundError(f"model file missing from the rapidocr package: {path}")
    return path


def det_model_path() -> Path:
    return _rapidocr_model(_RAPIDOCR_DET)


def rec_model_path() -> Path:
    return _rapidocr_model(_RAPIDOCR_REC)


def plate_rec_model_path() -> Path:
    """Our plate-text CRNN, shipped in this package (see models/plate_rec.md)."""
    return Path(__file__).with_name("models") / "plate_rec.onnx"


def plate_det_model_path() -> Path:
    """Our plate detector, shipped in this package (see models/plate_det.md)."""
    return Path(__file__).with_name("models") / "plate_det.onnx"


def model_paths() -> list[Path]:
    return [plate_det_model_path(), det_model_path(), rec_model_path(), plate_rec_model_path()]


@functools.cache
def session(path: Path, threads: int) -> ort.InferenceSession:
    """One session per (model, thread count); sequential execution avoids oversubscribing small CPUs."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
