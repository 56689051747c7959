"""The `plateguard` command. Each subcommand lives in its own module exposing register(subparsers)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that add subcommands, in help order.
COMMAND_MODULES = (
    "plateguard.commands.local",
    "plateguard.commands.demo",
    "plateguard.commands.alerts",
    "plateguard.commands.hotlist",
    "plateguard.recognition.cli",
    "plateguard.commands.policy",
    "plateguard.commands.retention",
    "plateguard.commands.report",
    "plateguard.commands.search",
    "plateguard.commands.audit",
    "plateguard.commands.review",
    "plateguard.commands.cameras",
    "plateguard.commands.admin",
    "plateguard.commands.users",
    "plateguard.commands.subscribe",
    "plateguard.commands.subscriptions",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plateguard", description="PlateGuard: privacy-first automatic license plate reader backend"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
