"""`plateguard hotlist import|add` and `plateguard disposition`: hot lists and alert outcomes through
the audited officer API (SigV4-signed, local mode by default or `--api-url` for a deployed stage)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from plateguard.commands.search import add_target_arguments, call_api_ok
from plateguard.logic.alert_lifecycle import Disposition
from plateguard.logic.hotlist_admin import HotListError, decode_import


def register(subparsers: Any) -> None:
    hotlist = subparsers.add_parser("hotlist", help="manage hot lists through the audited API")
    commands = hotlist.add_subparsers(dest="hotlist_command", metavar="COMMAND", required=True)

    importer = commands.add_parser("import", help="import a CSV or NCIC-style file into a list")
    importer.add_argument("file", type=Path)
    importer.add_argument("--list", required=True, dest="list_name")
    importer.add_argument("--replace", action="store_true", help="remove the list's entries the file does not have")
    importer.add_argument("--format", choices=("csv", "ncic"), default="csv")
    add_target_arguments(importer, default_user="supervisor")
    importer.set_defaults(func=run_import)

    adder = commands.add_parser("add", help="add one entry (checked against reads already stored)")
    adder.add_argument("plate")
    adder.add_argument("--list", required=True, dest="list_name")
    adder.add_argument("--reason", required=True)
    adder.add_argument("--case-number", required=True)
    adder.add_argument("--state")
    adder.add_argument("--expires", help="ISO 8601 date or time, or a number of days (e.g. 14)")
    adder.add_argument("--json", action="store_true")
    add_target_arguments(adder, default_user="officer")
    adder.set_defaults(func=run_add)

    disposition = subparsers.add_parser("disposition", help="record what happened after an alert")
    disposition.add_argument("alert_id")
    disposition.add_argument("disposition", choices=[d.value for d in Disposition if d is not Disposition.NEW])
    disposition.add_argument("--note", default="")
    add_target_arguments(disposition, default_user="officer")
    disposition.set_defaults(func=run_disposition)


def run_import(args: argparse.Namespace) -> int:
    try:
        content = decode_import(args.file.read_bytes())
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}")
        return 2
    except HotListError as exc:
        print(f"error: {args.file}: {exc}")
        return 2
    payload = {"format": args.format, "replace": args.replace, "content": content}
    body, code = call_api_ok(args, "POST", f"/hotlists/{args.list_name}/import", body=payload)
    if body is None:
        return code
    print(f"accepted={body['accepted']} rejected={len(body['rejected'])} removed={body['removed']}")
    for row in body["rejected"]:
        print(f"  line {row['row']}: {row['reason']}")
    print(f"historical hits: {body['historical_hits']} alert(s) raised for reads already stored")
    return 0


def _expiry(value: str | None) -> str | None:
    if value is None:
        return None
    if value.isdigit():
        return (datetime.now(UTC) + timedelta(days=int(value))).isoformat()
    if len(value) == 10:  # a bare date: the end of that day, UTC
        return f"{value}T23:59:59+00:00"
    return value


def run_add(args: argparse.Namespace) -> int:
    payload = {
        "plate": args.plate,
        "reason": args.reason,
        "case_number": args.case_number,
        "state": args.state,
        "expires": _expiry(args.expires),
    }
    body, code = call_api_ok(args, "POST", f"/hotlists/{args.list_name}/entries", body=payload)
    if body is None:
        return code
    if args.json:
        print(json.dumps(body))
    else:
        entry = body["entry"]
        print(f"added {entry['plate']} to {args.list_name} until {entry['expires_at']}")
        historical = body["historical_alerts"]
        if historical:
            print(f"historical hits: {len(historical)} alert(s) raised for reads already stored")
    return 0


def run_disposition(args: argparse.Namespace) -> int:
    payload = {"disposition": args.disposition, "note": args.note}
    body, code = call_api_ok(args, "POST", f"/alerts/{args.alert_id}/disposition", body=payload)
    if body is None:
        return code
    print(f"alert {body['alert_id']} ({body['plate']}) is now {body['disposition']}")
    return 0
