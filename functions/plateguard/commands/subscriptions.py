"""`plateguard subscriptions list|remove ID`: the alert subscriptions you registered (supervisors: your agency's).

Through the audited API (`GET /subscriptions`, `DELETE /subscriptions/{id}`). An officer sees and
removes only their own; a supervisor any of the agency's. Disabling or separating an account removes
its subscriptions by itself.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from plateguard.commands.search import add_target_arguments, call_api_ok

_COLUMNS = ("subscription_id", "username", "protocol", "endpoint", "created_at")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("subscriptions", help="list or remove alert subscriptions (yours; supervisors: all)")
    actions = parser.add_subparsers(dest="subscriptions_command", metavar="ACTION")
    listing = actions.add_parser("list", help="your subscriptions (supervisors: the agency's)")
    _common(listing, run_list)
    remove = actions.add_parser("remove", help="remove a subscription (SNS stops delivering at once)")
    remove.add_argument("subscription_id", metavar="ID", help="the id `subscriptions list` shows")
    _common(remove, run_remove)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


def _common(parser: argparse.ArgumentParser, func: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print the API's JSON response")
    add_target_arguments(parser, default_user="officer")
    parser.set_defaults(func=func)


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [tuple(c.upper() for c in _COLUMNS)]
    lines += [tuple(str(r.get(c) or "-")[:48] for c in _COLUMNS) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(_COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def run_list(args: argparse.Namespace) -> int:
    answer, code = call_api_ok(args, "GET", "/subscriptions")
    if answer is None:
        return code
    if args.json:
        print(json.dumps(answer, indent=2))
    elif not answer["subscriptions"]:
        print("no subscriptions")
    else:
        print(_table(answer["subscriptions"]))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    answer, code = call_api_ok(args, "DELETE", f"/subscriptions/{args.subscription_id}")
    if answer is None:
        return code
    if args.json:
        print(json.dumps(answer, indent=2))
    else:
        removed = answer["removed"]
        print(f"removed {removed['protocol']} {removed['endpoint']} of {removed['username']}")
    return 0
