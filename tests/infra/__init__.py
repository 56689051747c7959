"""Infrastructure tests: one synthesized stack (conftest.py), assertions on the template."""

import os

# Imported before conftest: silence jsii's Node-version banner before the node process starts.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
