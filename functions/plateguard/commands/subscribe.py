"""`plateguard subscribe`: register a phone, email, push or HTTPS endpoint for hot-list alerts.

Through the audited API (`POST /subscriptions`): the handler pins the subscription's SNS filter to the
caller's agency, so an endpoint never receives another agency's alerts; e-mail and HTTPS endpoints only
under the domains the agency's policy lists. `plateguard subscriptions list|remove` manages them.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from plateguard.commands.search import add_target_arguments, call_api_ok


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "subscribe", help="send hot-list alerts to a phone (SMS), email, push endpoint or HTTPS webhook"
    )
    parser.add_argument(
        "--protocol",
        required=True,
        choices=("sms", "email", "application", "https"),
        help="how alerts arrive: %(choices)s (application: a mobile push endpoint)",
    )
    parser.add_argument("--endpoint", required=True, help="+15551234567, an email address, an SNS endpoint ARN, a URL")
    parser.add_argument("--camera", action="append", default=[], help="only this camera's alerts (repeatable)")
    parser.add_argument("--district", action="append", default=[], help="only this district's cameras (repeatable)")
    parser.add_argument("--list", dest="lists", action="append", default=[], help="only this hot list (repeatable)")
    parser.add_argument(
        "--priority",
        action="append",
        default=[],
        choices=("high", "medium", "low"),
        help="only this priority (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(parser, default_user="officer")
    parser.set_defaults(func=run_subscribe)


def run_subscribe(args: argparse.Namespace) -> int:
    body = {
        "protocol": args.protocol,
        "endpoint": args.endpoint,
        "cameras": args.camera,
        "regions": args.district,
        "lists": args.lists,
        "priorities": args.priority,
    }
    answer, code = call_api_ok(args, "POST", "/subscriptions", body=body)
    if answer is None:
        return code
    if args.json:
        print(json.dumps(answer, indent=2))
    else:
        print(f"subscribed {args.protocol} {args.endpoint}: {answer['subscription_id']}")
        print(f"  filter: {json.dumps(answer['filter_policy'], sort_keys=True)}")
    return 0
