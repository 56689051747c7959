"""The `plateguard` command, shaped like the AWS CLI.

Each subcommand lives in its own module exposing register(subparsers). Only the module of the command
being run is imported (the others appear in `--help` from COMMANDS), so `plateguard --help` stays fast.
Every command takes `--output json|table|text` and `--debug`; errors are one line on stderr with a
non-zero exit code (plateguard.commands.output.describe_error), never a traceback for credentials,
profiles, the network or API refusals; a closed pipe (`| head`) ends the command quietly.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence
from typing import Any

# Command name -> (module that registers it, one-line help), in help order. The help is repeated here so
# that `plateguard --help` imports no command module; tests/unit/test_cli_conventions.py keeps it equal
# to what each module registers.
COMMANDS: dict[str, tuple[str, str]] = {
    "local": (
        "plateguard.commands.local",
        "run PlateGuard on an embedded local AWS (moto server on 127.0.0.1) until Ctrl-C",
    ),
    "demo": ("plateguard.commands.demo", "start local mode, upload camera frames, print reads and alerts"),
    "alerts": ("plateguard.commands.alerts", "alerts: the local device inbox, or the outcome summary (summary)"),
    "hotlist": ("plateguard.commands.hotlist", "manage hot lists through the audited API"),
    "disposition": ("plateguard.commands.hotlist", "record what happened after an alert"),
    "read": ("plateguard.recognition.cli", "read license plates from image files (offline)"),
    "reads": ("plateguard.commands.reads", "fetch one stored read and its plate crop through the audited API"),
    "policy": ("plateguard.commands.policy", "validate, check and render the agency's policy file"),
    "retention": ("plateguard.commands.retention", "retention sweeper and legal holds (local mode)"),
    "report": ("plateguard.commands.report", "public reports generated from the running configuration"),
    "search": (
        "plateguard.commands.search",
        "search plate reads through the officer API (SigV4-signed; every search is audited)",
    ),
    "audit": ("plateguard.commands.audit", "verify or query the tamper-evident audit trail"),
    "review": (
        "plateguard.commands.review",
        "search-audit reviews: list sampled searches, record findings, sign a period off",
    ),
    "cameras": ("plateguard.commands.cameras", "register, list, retire cameras and rotate their certificates"),
    "camera": ("plateguard.commands.cameras", "the camera side: upload frames with a camera's certificate"),
    "admin": ("plateguard.commands.admin", "first-admin bootstrap of a new deployment (deployer only)"),
    "users": ("plateguard.commands.users", "add, list, disable, separate and reactivate accounts (admins)"),
    "subscribe": (
        "plateguard.commands.subscribe",
        "send hot-list alerts to a phone (SMS), email, push endpoint or HTTPS webhook",
    ),
    "subscriptions": (
        "plateguard.commands.subscriptions",
        "list or remove alert subscriptions (yours; supervisors: all)",
    ),
    "completion": ("plateguard.commands.completion", "print a shell completion script (bash or zsh)"),
}

OUTPUT_FORMATS = ("text", "json", "table")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"plateguard {version('plateguard')} Python/{sys.version.split()[0]}"
    except PackageNotFoundError:
        return "plateguard (not installed) Python/" + sys.version.split()[0]


class _VersionAction(argparse.Action):
    """`--version`, resolved only when asked (package metadata is slow to read)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        print(_version())
        parser.exit()


def add_global_options(parser: argparse.ArgumentParser, *, root: bool = False) -> None:
    """`--output` and `--debug`, accepted before the command (root) and after it (every subcommand).

    On subcommands the defaults are SUPPRESS so that a value given before the command is not overwritten.
    """
    default_output = "text" if root else argparse.SUPPRESS
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--output",
        choices=OUTPUT_FORMATS,
        default=default_output,
        help="text (default: the human lines), json (the API's JSON), table (rendered with rich)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=False if root else argparse.SUPPRESS,
        help="show the full traceback of an error",
    )


def _subparsers_of(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.extend(dict.fromkeys(action.choices.values()))  # aliases share one parser
    return found


def _add_global_options_below(parser: argparse.ArgumentParser) -> None:
    for child in _subparsers_of(parser):
        if not any("--output" in action.option_strings for action in child._actions):
            add_global_options(child)
        _add_global_options_below(child)


def build_parser(load: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The `plateguard` parser. `load`: the commands whose modules are imported (default: all); the
    others are listed for `--help` only."""
    names = COMMANDS if load is None else [name for name in load if name in COMMANDS]
    wanted = {COMMANDS[name][0] for name in names}  # modules; one may register several commands
    parser = argparse.ArgumentParser(
        prog="plateguard",
        description="PlateGuard: privacy-first automatic license plate reader backend",
        epilog="`plateguard COMMAND --help` describes a command. Exit codes: 0 ok, 1 refused or failed, "
        "2 usage or where/as whom, 130 interrupted, 141 output pipe closed.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    add_global_options(parser, root=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    loaded: set[str] = set()
    for name, (module_name, help_text) in COMMANDS.items():
        if name in subparsers.choices:
            continue  # registered by a module loaded for a command listed earlier
        if module_name in wanted and module_name not in loaded:
            importlib.import_module(module_name).register(subparsers)
            loaded.add(module_name)
        else:
            subparsers.add_parser(name, help=help_text)
    _add_global_options_below(parser)
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    """The command named in argv (the first word that is not an option or the value of --output)."""
    skip_next = False
    for word in argv:
        if skip_next:
            skip_next = False
        elif word == "--output":
            skip_next = True
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    from plateguard.commands.output import close_broken_stdout, describe_error, run_with_output

    words = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in words
    try:
        command = _command_word(words)
        parser = build_parser([command] if command in COMMANDS else [])
        args = parser.parse_args(words)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return run_with_output(args)
    except BrokenPipeError:
        close_broken_stdout()
        return 141  # as a command killed by SIGPIPE: `plateguard ... | head` is not an error
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        described = None if debug else describe_error(exc)
        if described is None:
            raise
        message, code = described
        print(f"error: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
