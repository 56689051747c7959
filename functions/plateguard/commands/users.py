"""`plateguard users`: account administration through the audited officer API (admins).

Every change is a SigV4-signed API request, so it is authorized against the registry and recorded in
the agency's audit trail like a search. Default target: local mode as its `admin` user; a deployed
stack with `--stack NAME --assume-role admin` (or `--api-url`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from plateguard.commands.search import add_target_arguments, call_api_ok
from plateguard.models.roles import Role

_COLUMNS = ("username", "role", "status", "training_expires_at", "last_activity_at", "approved_by")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("users", help="add, list, disable, separate and reactivate accounts (admins)")
    actions = parser.add_subparsers(dest="users_command", metavar="ACTION")

    add = actions.add_parser("add", help="create (or update) an account of your agency")
    add.add_argument("username", help="username, normally the person's IAM user name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role], help="PlateGuard role")
    add.add_argument("--approved-by", required=True, help="the approving supervisor or admin (not the person)")
    add.add_argument("--trained-on", required=True, help="date the ALPR training was completed (ISO 8601)")
    add.add_argument("--full-name", help="the person's name, for display")
    add.add_argument("--iam-user", help="IAM user ARN (default: the IAM user USERNAME in the stack's account)")
    add.add_argument("--disabled", action="store_true", help="create the account disabled")
    _common(add, run_add)

    listing = actions.add_parser("list", help="the accounts of your agency")
    _common(listing, run_list)
    show = actions.add_parser("show", help="one account")
    show.add_argument("username", help="the account's username")
    _common(show, run_show)

    for name, help_text in (("disable", "disable an account now"), ("separate", "separate an account for good")):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("username", help="the account's username")
        action.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
        _common(action, run_account_action)

    training = actions.add_parser("record-training", help="record a completed training or refresher")
    training.add_argument("username", help="the account's username")
    training.add_argument("--completed-on", required=True, help="completion date or time (ISO 8601)")
    _common(training, run_record_training)

    reactivate = actions.add_parser("reactivate", help="reactivate a disabled account (training must be current)")
    reactivate.add_argument("username", help="the account's username")
    _common(reactivate, run_reactivate)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


def _common(parser: argparse.ArgumentParser, func: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print the API's JSON response")
    add_target_arguments(parser, default_user="admin")
    parser.set_defaults(func=func)


def _print(args: argparse.Namespace, body: Any, text: str) -> int:
    print(json.dumps(body, indent=2) if args.json else text)
    return 0


def _table(users: list[dict[str, Any]]) -> str:
    rows = [tuple(c.upper() for c in _COLUMNS)]
    rows += [tuple(str(u.get(c) or "-")[:25] for c in _COLUMNS) for u in users]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)


def run_add(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {
        "role": args.role,
        "approved_by": args.approved_by,
        "training_completed_at": args.trained_on,
        "status": "disabled" if args.disabled else "active",
    }
    if args.full_name:
        body["full_name"] = args.full_name
    if args.iam_user:
        body["principal_arn"] = args.iam_user
    saved, code = call_api_ok(args, "PUT", f"/users/{args.username}", body=body)
    if saved is None:
        return code
    return _print(
        args, saved, f"user {saved['username']}: {saved['role']}, {saved['status']} ({saved['principal_arn']})"
    )


def run_list(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "GET", "/users")
    if body is None:
        return code
    return _print(args, body, _table(body["users"]) + f"\n{body['count']} account(s)")


def run_show(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "GET", f"/users/{args.username}")
    if body is None:
        return code
    return _print(args, body, "\n".join(f"{k:20} {v}" for k, v in body.items()))


def _change(args: argparse.Namespace, action: str, body: dict[str, Any]) -> int:
    answer, code = call_api_ok(args, "POST", f"/users/{args.username}/{action}", body=body)
    if answer is None:
        return code
    return _print(args, answer, f"user {answer['username']}: {answer['action']}, now {answer['status']}")


def run_account_action(args: argparse.Namespace) -> int:
    return _change(args, args.users_command, {"reason": args.reason})


def run_record_training(args: argparse.Namespace) -> int:
    return _change(args, "training", {"completed_at": args.completed_on})


def run_reactivate(args: argparse.Namespace) -> int:
    return _change(args, "reactivate", {})
