"""Plate recognition: find license plates in a photo and read them (ONNX models, CPU, offline)."""

from ._sessions import model_paths
from .reader import PlateReader, RecognizedPlate, get_reader

__all__ = ["PlateReader", "RecognizedPlate", "get_reader", "model_paths"]
