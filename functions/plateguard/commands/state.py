"""Where local mode describes itself, for commands, without importing local mode (moto, handlers: ~0.6 s).

The constants equal plateguard.local.runner's (tests/unit/test_cli_conventions.py checks); read_state
delegates to it when a command actually runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULT_STATE_DIR = Path(".plateguard")
INBOX_FILE = "inbox.jsonl"
DEMO_AGENCY = "demo-pd"  # the agency local mode seeds (plateguard.local.users)


def read_state(state_dir: Path = DEFAULT_STATE_DIR) -> dict[str, Any] | None:
    """The running local environment's description (`local.json`), or None."""
    from plateguard.local.runner import read_state as read_local_state

    return read_local_state(state_dir)
