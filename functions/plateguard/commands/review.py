"""`plateguard review list|decide|sign-off`: the search-audit review workflow through the audited
officer API (SigV4-signed; local mode by default, or `--api-url` for a deployed stage)."""

from __future__ import annotations

import argparse
import json
from typing import Any
from urllib.parse import quote

from plateguard.commands.search import add_target_arguments, call_api_ok
from plateguard.logic.sampling import ReviewStatus


def register(subparsers: Any) -> None:
    review = subparsers.add_parser(
        "review", help="search-audit reviews: list sampled searches, record findings, sign a period off"
    )
    commands = review.add_subparsers(dest="review_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="your agency's sampled searches (supervisors: yours by default)")
    listing.add_argument("--batch", help="one period, e.g. 2026-11, 2026-W09, 2026-Q1")
    listing.add_argument("--status", choices=[s.value for s in ReviewStatus], help="only reviews in this state")
    listing.add_argument("--all", action="store_true", help="also reviews assigned to others (supervisors)")
    listing.add_argument("--json", action="store_true", help="print the API's JSON response")
    add_target_arguments(listing, default_user="supervisor")
    listing.set_defaults(func=run_list)

    decide = commands.add_parser("decide", help="record whether a sampled search was justified")
    decide.add_argument("batch_id", help="the period, e.g. 2026-11")
    decide.add_argument("item", type=int, help="the item number within the period")
    verdict = decide.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--justified", dest="justified", action="store_true", help="the search was justified")
    verdict.add_argument(
        "--not-justified", dest="justified", action="store_false", help="it was not (say why with --notes)"
    )
    decide.add_argument("--notes", default="", help="what is missing or wrong (required with --not-justified)")
    decide.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(decide, default_user="supervisor")
    decide.set_defaults(func=run_decide)

    signing = commands.add_parser("sign-off", help="close a period once every sampled search has a finding")
    signing.add_argument("batch_id", help="the period, e.g. 2026-11")
    signing.add_argument("--note", default="", help="a note recorded with the sign-off")
    signing.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(signing, default_user="supervisor")
    signing.set_defaults(func=run_sign_off)


def _review_line(r: dict[str, Any]) -> str:
    search = r.get("search") or {}
    state = r["status"] + (" (escalated)" if r.get("escalated_at") and r["status"] == "pending" else "")
    return (
        f"{r['batch_id']} #{r['item']:<4}  {state:<22} searcher={r['searcher']}  assignee={r['assignee'] or '-'}  "
        f"due={r['due_at'][:10]}  strata={','.join(r['strata'])}  plate={search.get('plate', '?')}  "
        f"case={search.get('caseNumber', '?')}  purpose={search.get('purpose', '')!r}"
    )


def _batch_line(b: dict[str, Any]) -> str:
    signed = f"signed off by {b['signed_off_by']} {b['signed_off_at'][:10]}" if b["signed_off_by"] else "not signed off"
    return (
        f"batch {b['batch_id']}: {b['items']} item(s), {b['pending']} pending, {b['unjustified']} unjustified; {signed}"
    )


def run_list(args: argparse.Namespace) -> int:
    params = {"batch": args.batch, "status": args.status, "mine": "false" if args.all else None}
    body, code = call_api_ok(args, "GET", "/reviews", {k: v for k, v in params.items() if v is not None})
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    for review in body["reviews"]:
        print(_review_line(review))
    for batch in body["batches"]:
        print(_batch_line(batch))
    print(f"{body['count']} review(s)" + (" assigned to you" if body.get("mine") else ""))
    return 0


def run_decide(args: argparse.Namespace) -> int:
    path = f"/reviews/{quote(args.batch_id, safe='')}/{args.item}"
    review, code = call_api_ok(args, "POST", path, body={"justified": args.justified, "notes": args.notes})
    if review is None:
        return code
    if args.json:
        print(json.dumps(review, indent=2))
    else:
        print(f"review {review['review_id']}: {review['status']} (by {review['reviewed_by']})")
    return 0


def run_sign_off(args: argparse.Namespace) -> int:
    batch, code = call_api_ok(
        args, "POST", f"/reviews/{quote(args.batch_id, safe='')}/sign-off", body={"note": args.note}
    )
    if batch is None:
        return code
    if args.json:
        print(json.dumps(batch, indent=2))
    else:
        print(_batch_line(batch))
    return 0
