"""What every command shares: `--output json|table|text`, one-line errors, a closed pipe, progress bars.

`json` sets the command's `--json` (the older per-command flag stays an alias); `table` runs the command
for JSON and renders that JSON with rich; `text` is the command's own human lines. Commands that print
JSON only (e.g. `policy schema`) say so with `set_defaults(prints_json=True)`; commands with neither
(`local`, `demo`, files written) answer `--output json` with a one-line error.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from typing import Any, TextIO

# A streaming command never ends, so its output cannot be collected into one table.
_STREAMING_FLAGS = ("follow", "repeat")


class OutputError(Exception):
    """The requested --output cannot be produced by this command (exit 2)."""


def output_format(args: argparse.Namespace) -> str:
    if getattr(args, "json", False):
        return "json"
    return str(getattr(args, "output", None) or "text")


def _speaks_json(args: argparse.Namespace) -> bool:
    return "json" in vars(args) or bool(getattr(args, "prints_json", False))


def _command_name(args: argparse.Namespace) -> str:
    words = [str(v) for k, v in vars(args).items() if (k == "command" or k.endswith("_command")) and v]
    return " ".join(["plateguard", *words])


def run_with_output(args: argparse.Namespace) -> int:
    """Run args.func with the requested output format; returns the exit code."""
    wanted = output_format(args)
    if wanted != "text" and not _speaks_json(args):
        if wanted == "table":  # its text is the only rendering it has
            wanted = "text"
        else:
            raise OutputError(f"`{_command_name(args)}` prints text only; run it without --output json")
    if "json" in vars(args):
        args.json = wanted in ("json", "table")
    if wanted != "table":
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside main's handler, not at interpreter exit
        return code
    if any(getattr(args, flag, False) for flag in _STREAMING_FLAGS):
        raise OutputError("--output table cannot stream; use --output text or json with --follow/--repeat")
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        code = int(args.func(args) or 0)
    documents = parse_json_documents(captured.getvalue())
    if documents is None:
        sys.stdout.write(captured.getvalue())
    else:
        render_tables(documents, sys.stdout)
    sys.stdout.flush()
    return code


def parse_json_documents(text: str) -> list[Any] | None:
    """One JSON document, or JSON lines; None when the text is neither (or empty)."""
    if not text.strip():
        return None
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError:
        return None


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def render_tables(documents: list[Any], stream: TextIO) -> None:
    """Render JSON as rich tables: the scalar fields of an object as KEY/VALUE rows, each list of objects
    as its own table (columns: the keys in first-seen order); JSON lines as one table."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, soft_wrap=False, width=None if stream.isatty() else 200)

    def rows_table(rows: list[dict[str, Any]], title: str | None) -> Table:
        columns = list(dict.fromkeys(key for row in rows for key in row))
        table = Table(title=title, title_justify="left", show_lines=False)
        for column in columns:
            table.add_column(column.upper(), overflow="fold")
        for row in rows:
            table.add_row(*(_cell(row.get(column)) for column in columns))
        return table

    if all(isinstance(document, dict) for document in documents) and len(documents) > 1:
        console.print(rows_table(documents, None))
        return
    for document in documents:
        if _is_rows(document):
            console.print(rows_table(document, None))
        elif isinstance(document, dict):
            scalars = {k: v for k, v in document.items() if not _is_rows(v)}
            if scalars:
                pairs = Table(show_header=True)
                pairs.add_column("KEY")
                pairs.add_column("VALUE", overflow="fold")
                for key, value in scalars.items():
                    pairs.add_row(key, _cell(value))
                console.print(pairs)
            for key, value in document.items():
                if _is_rows(value):
                    console.print(rows_table(value, key))
        else:
            console.print(_cell(document))


def close_broken_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so Python's flush at exit does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file descriptor (tests capture stdout): nothing to silence


def _chain(exc: BaseException) -> list[BaseException]:
    """exc and what caused it (pynamodb wraps botocore's errors), outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = getattr(current, "cause", None) or current.__cause__ or current.__context__
    return seen


_CREDENTIALS_HINT = "pass --profile, set AWS_PROFILE or the AWS_* variables, or run `aws configure` / `aws sso login`"


def describe_error(exc: BaseException) -> tuple[str, int] | None:
    """One line saying what failed and what to do next, and the exit code; None for a bug (traceback).

    botocore's exceptions are matched by module and name, so that botocore is not imported to tell them apart.
    """
    from plateguard.commands.search import TargetError

    for cause in _chain(exc):
        module, name = type(cause).__module__, type(cause).__name__
        if isinstance(cause, OutputError | TargetError):
            return str(cause), 2
        if module.startswith("botocore"):
            return _describe_botocore(cause, name)
        if module == "urllib.error" or name in ("URLError", "HTTPError"):
            reason = getattr(cause, "reason", cause)
            return (
                f"cannot reach the API: {reason}; check the network, --api-url/--stack, "
                "or that `plateguard local` is running"
            ), 1
        if isinstance(cause, TimeoutError | ConnectionError):
            return f"network: {cause}; check the network and retry", 1
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}", 2
    return None


def _describe_botocore(exc: BaseException, name: str) -> tuple[str, int]:
    if name == "ProfileNotFound":
        return f"{exc}: `aws configure list-profiles` lists the profiles; pass one with --profile", 2
    if name in ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"):
        return f"no usable AWS credentials ({exc}): {_CREDENTIALS_HINT}", 2
    if name in ("SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError"):
        return f"{exc}: run `aws sso login` (with --profile as for this command)", 2
    if name == "NoRegionError":
        return "no AWS region: pass --region or set it in the profile (AWS_REGION)", 2
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"):
        return f"network: {exc}; check the network and --region, then retry", 1
    if name == "ClientError":
        error = getattr(exc, "response", {}).get("Error", {})
        code = str(error.get("Code", "?"))
        operation = getattr(exc, "operation_name", "the call")
        hint = "check the --stack/--region and your credentials' permissions"
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            hint = "your session expired: log in again (`aws sso login`) or renew the profile's credentials"
        elif code in ("InvalidClientTokenId", "UnrecognizedClientException", "InvalidSignatureException"):
            hint = _CREDENTIALS_HINT
        return f"AWS refused {operation}: {code}: {error.get('Message', '')}; {hint}", 1
    return f"AWS: {exc}", 1


class Progress:
    """A progress bar on stderr that redraws in place on a terminal and prints nothing when piped."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total, self.width = total, width
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty()
        self._drawn = False

    def line(self, done: int) -> str:
        filled = int(self.width * done / self.total) if self.total else self.width
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total}"

    def update(self, done: int) -> None:
        if self.live:
            self.stream.write("\r" + self.line(done))
            self.stream.flush()
            self._drawn = True

    def clear(self) -> None:
        """Erase the bar (before printing a line, and at the end), so lines never mix with it."""
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False
