"""`plateguard hotlist list|create|import|add|export|remove-entry|delete` and `plateguard disposition`: hot
lists and alert outcomes through the audited officer API (SigV4-signed, local mode by default or
`--stack`/`--api-url` for a deployed stage)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from plateguard.commands.search import add_target_arguments, call_api_ok
from plateguard.models.vocabulary import Disposition, ListType, Priority

_JSON_HELP = "print the API's JSON response (= --output json)"
_LIST_COLUMNS = ("name", "list_type", "priority", "max_entry_days", "owner", "description")
_ENTRY_COLUMNS = ("plate", "state", "reason", "case_number", "entered_by", "entered_at", "expires_at")


def _path(*parts: str) -> str:
    return "/hotlists/" + "/".join(quote(part, safe="") for part in parts)


def register(subparsers: Any) -> None:
    hotlist = subparsers.add_parser("hotlist", help="manage hot lists through the audited API")
    commands = hotlist.add_subparsers(dest="hotlist_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="your agency's hot lists")
    listing.add_argument("--json", action="store_true", help=_JSON_HELP)
    add_target_arguments(listing, default_user="supervisor")
    listing.set_defaults(func=run_list)

    create = commands.add_parser("create", help="create (or update) a hot list (supervisors, admins)")
    create.add_argument("list_name", metavar="LIST", help="the list's name, e.g. stolen-vehicles")
    create.add_argument(
        "--type",
        dest="list_type",
        required=True,
        choices=[t.value for t in ListType],
        help="what the list holds: %(choices)s",
    )
    create.add_argument(
        "--priority", required=True, choices=[p.value for p in Priority], help="alert priority: %(choices)s"
    )
    create.add_argument("--owner", required=True, help="who keeps the list (unit or person, recorded)")
    create.add_argument(
        "--max-entry-days", type=int, required=True, help="longest an entry may stay before it expires (1-365)"
    )
    create.add_argument("--description", default="", help="what the list is for (up to 500 characters)")
    create.add_argument("--json", action="store_true", help=_JSON_HELP)
    add_target_arguments(create, default_user="supervisor")
    create.set_defaults(func=run_create)

    importer = commands.add_parser("import", help="import a CSV or NCIC-style file into a list")
    importer.add_argument("file", type=Path, help="the file to import (UTF-8 text)")
    importer.add_argument("--list", required=True, dest="list_name", help="the hot list to import into")
    importer.add_argument("--replace", action="store_true", help="remove the list's entries the file does not have")
    importer.add_argument(
        "--format", choices=("csv", "ncic"), default="csv", help="file layout (default: csv; see docs/api.md)"
    )
    importer.add_argument("--json", action="store_true", help=_JSON_HELP)
    add_target_arguments(importer, default_user="supervisor")
    importer.set_defaults(func=run_import)

    adder = commands.add_parser("add", help="add one entry (checked against reads already stored)")
    adder.add_argument("plate", help="the plate, as on the vehicle")
    adder.add_argument("--list", required=True, dest="list_name", help="the hot list to add to")
    adder.add_argument("--reason", required=True, help="why the plate is listed (recorded)")
    adder.add_argument("--case-number", required=True, help="case or incident number")
    adder.add_argument("--state", help="two-letter state of the plate")
    adder.add_argument("--expires", help="ISO 8601 date or time, or a number of days (e.g. 14)")
    adder.add_argument("--json", action="store_true", help=_JSON_HELP)
    add_target_arguments(adder, default_user="officer")
    adder.set_defaults(func=run_add)

    export = commands.add_parser("export", help="a list's entries (as CSV with --csv)")
    export.add_argument("list_name", metavar="LIST", help="the hot list to export")
    export.add_argument("--csv", action="store_true", help="print CSV (plate,state,reason,case_number,...)")
    export.add_argument("--json", action="store_true", help=_JSON_HELP)
    add_target_arguments(export, default_user="supervisor")
    export.set_defaults(func=run_export)

    remove = commands.add_parser("remove-entry", help="remove one plate from a list")
    remove.add_argument("list_name", metavar="LIST", help="the hot list")
    remove.add_argument("plate", help="the plate to remove")
    remove.add_argument("--json", action="store_true", help=_JSON_HELP)
    add_target_arguments(remove, default_user="supervisor")
    remove.set_defaults(func=run_remove_entry)

    delete = commands.add_parser("delete", help="retire a list and remove its entries")
    delete.add_argument("list_name", metavar="LIST", help="the hot list to retire")
    delete.add_argument("--json", action="store_true", help=_JSON_HELP)
    add_target_arguments(delete, default_user="supervisor")
    delete.set_defaults(func=run_delete)

    disposition = subparsers.add_parser("disposition", help="record what happened after an alert")
    disposition.add_argument("alert_id", help="the alert's id (24 hex characters, as the alert shows)")
    disposition.add_argument(
        "disposition",
        choices=[d.value for d in Disposition if d is not Disposition.NEW],
        help="the outcome: %(choices)s",
    )
    disposition.add_argument("--note", default="", help="what happened (up to 500 characters)")
    disposition.add_argument("--json", action="store_true", help=_JSON_HELP)
    add_target_arguments(disposition, default_user="officer")
    disposition.set_defaults(func=run_disposition)


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    lines = [tuple(c.upper() for c in columns)]
    lines += [tuple(str(r.get(c) if r.get(c) is not None else "-")[:40] for c in columns) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def run_list(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "GET", "/hotlists")
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        print(_table(body["hotlists"], _LIST_COLUMNS) if body["hotlists"] else "no hot lists")
    return 0


def run_create(args: argparse.Namespace) -> int:
    payload = {
        "list_type": args.list_type,
        "owner": args.owner,
        "priority": args.priority,
        "max_entry_days": args.max_entry_days,
        "description": args.description,
    }
    body, code = call_api_ok(args, "PUT", _path(args.list_name), body=payload)
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        print(
            f"hot list {body['name']}: {body['list_type']}, priority {body['priority']}, "
            f"entries up to {body['max_entry_days']} day(s), owner {body['owner']}"
        )
    return 0


def run_export(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "GET", _path(args.list_name, "entries"))
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
    elif args.csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=_ENTRY_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(body["entries"])
        sys.stdout.write(out.getvalue())
    else:
        if body["entries"]:
            print(_table(body["entries"], _ENTRY_COLUMNS))
        print(f"{body['count']} entr{'y' if body['count'] == 1 else 'ies'} in {body['list']}")
    return 0


def run_remove_entry(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "DELETE", _path(args.list_name, "entries", args.plate))
    if body is None:
        return code
    print(json.dumps(body, indent=2) if args.json else f"removed {body['removed']} from {args.list_name}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "DELETE", _path(args.list_name))
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        print(f"retired hot list {body['retired']}; {body['entries_removed']} entr(ies) removed")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from plateguard.logic.hotlist_admin import HotListError, decode_import

    try:
        content = decode_import(args.file.read_bytes())
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except HotListError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    payload = {"format": args.format, "replace": args.replace, "content": content}
    body, code = call_api_ok(args, "POST", f"/hotlists/{args.list_name}/import", body=payload)
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        print(f"accepted={body['accepted']} rejected={len(body['rejected'])} removed={body['removed']}")
        for row in body["rejected"]:
            print(f"  line {row['row']}: {row['reason']}")
        print(f"historical hits: {body['historical_hits']} alert(s) raised for reads already stored")
    if body["accepted"] == 0 and body["rejected"]:
        # Nothing imported is a failure a script must see, whatever the output format.
        other = "ncic" if args.format == "csv" else "csv"
        print(
            f"error: no entry of {args.file} was accepted ({len(body['rejected'])} rejected); "
            f"check the rows above, and --format (is the file {other}?)",
            file=sys.stderr,
        )
        return 1
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
        print(json.dumps(body))  # one line, as before
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
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        print(f"alert {body['alert_id']} ({body['plate']}) is now {body['disposition']}")
    return 0
