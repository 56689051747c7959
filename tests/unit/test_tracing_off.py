"""With tracing off (local mode, tests, benchmarks) the X-Ray SDK is never imported: about 240 ms of a
cold start that would trace nothing (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_ingest_handler_with_tracing_off_imports_no_xray_sdk_and_still_runs_traced_methods() -> None:
    # Given a fresh interpreter with tracing disabled
    script = (
        "import sys\n"
        "from plateguard.observability import tracer\n"
        "import plateguard.handlers.ingest\n"
        "@tracer.capture_method\n"
        "def work():\n"
        "    return 42\n"
        "assert work() == 42\n"
        "print('aws_xray_sdk' in sys.modules)\n"
    )
    environment = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}
    # When the handler module is imported and a traced method runs
    result = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True)
    # Then the X-Ray SDK was never loaded
    assert result.stdout.strip() == "False"
