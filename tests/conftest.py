"""One synthesis per test session (session scope), shared by the infra tests and by the integration
tests that check recorded AWS calls against its IAM policies: the stack takes ~10 s to build with cdk-nag.

Layers: the stack is pointed at tiny stub layer directories through the `plateguard:layersDir`
context key (see cdk/packaging.py), so these tests never download or build anything.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import botocore.loaders
import botocore.session
import pytest

if TYPE_CHECKING:
    from tests.infra.helpers import Synthesized

# One botocore data loader for the whole test process. Every botocore session (each moto world gets a new
# default session, pynamodb makes one per table binding) otherwise re-parses the service models and
# endpoint rules from JSON: ~70% of a moto world's set-up. A session's loader already hands the same
# parsed models to every client it makes; sharing it across sessions changes nothing else.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    # Imported here: the CDK costs ~1.5 s to import, which the unit and functional tiers never need.
    from aws_cdk.assertions import Template

    from cdk.app_factory import build_app
    from cdk.config import PlateGuardConfig
    from cdk.packaging import LAYERS, LAYERS_DIR_CONTEXT
    from cdk.stack import STACK_NAME
    from tests.infra.helpers import Synthesized

    layers = tmp_path_factory.mktemp("layers")
    for name in LAYERS:
        (layers / name / "python").mkdir(parents=True)
        (layers / name / "python" / "stub.py").write_text("# test stub layer\n")
    outdir = tmp_path_factory.mktemp("cdk.out")
    # The built-in CloudFormation validation plugin costs ~5 s; cfn-lint runs in its own test.
    previous = os.environ.get("CDK_VALIDATION")
    os.environ["CDK_VALIDATION"] = "false"
    try:
        app = build_app(outdir=outdir, context={LAYERS_DIR_CONTEXT: str(layers)})
        config = PlateGuardConfig.from_context(app.node)
        assembly = app.synth()
    finally:
        if previous is None:
            os.environ.pop("CDK_VALIDATION", None)
        else:
            os.environ["CDK_VALIDATION"] = previous
    artifact = assembly.get_stack_by_name(STACK_NAME)
    raw = artifact.template
    yield Synthesized(
        assembly=assembly,
        template=Template.from_json(raw),
        raw=raw,
        outdir=outdir,
        template_path=outdir / artifact.template_file,
        config=config,
    )
