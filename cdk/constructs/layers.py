"""Lambda layers from the directories `layers/build.py` produces (or test stubs, see cdk.packaging)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk.constructs.function import ARCHITECTURE, RUNTIME
from cdk.packaging import RECOGNITION_LAYER, RUNTIME_LAYER, ensure_layers, layer_code_dir


class Layers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, layers_dir: Path) -> None:
        super().__init__(scope, construct_id)
        ensure_layers(layers_dir)

        def layer(construct_id: str, name: str, description: str) -> lambda_.LayerVersion:
            return lambda_.LayerVersion(
                self,
                construct_id,
                code=lambda_.Code.from_asset(str(layer_code_dir(layers_dir, name))),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                description=description,
            )

        self.recognition = layer("Recognition", RECOGNITION_LAYER, "onnxruntime, opencv-python-headless, numpy")
        self.runtime = layer("Runtime", RUNTIME_LAYER, "pydantic, pydantic-settings, pynamodb, powertools")
