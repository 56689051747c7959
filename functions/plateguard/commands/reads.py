"""`plateguard reads show ID [--crop FILE]`: one stored read with its plate crop, through the audited API.

`GET /reads/{read_id}` needs the same purpose, case number and offense type as a search (the fetch is
audited like one); the answer carries a short-lived crop URL, which `--crop FILE` downloads at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from plateguard.commands.search import OFFENSE_TYPE_HELP, add_target_arguments, call_api_ok

_FIELDS = ("read_id", "plate", "confidence", "captured_at", "camera_id", "lat", "lon", "crop_url_expires_at")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("reads", help="fetch one stored read and its plate crop through the audited API")
    actions = parser.add_subparsers(dest="reads_command", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show",
        help="one read (as `search` lists it) with its crop URL; audited like a search",
        description="Fetch one read. Purpose, case number and offense type are required and recorded.",
    )
    show.add_argument("read_id", metavar="ID", help="the READ_ID column of `plateguard search`")
    show.add_argument("--purpose", required=True, help="why you are looking (specific, at least 10 characters)")
    show.add_argument("--case-number", required=True, help="case or incident number")
    show.add_argument("--offense-type", required=True, help=OFFENSE_TYPE_HELP)
    show.add_argument("--agency", help="another agency's read, under its sharing grant (default: yours)")
    show.add_argument("--crop", type=Path, metavar="FILE", help="save the plate crop image to FILE")
    show.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(show, default_user="officer")
    show.set_defaults(func=run_show)


def download(url: str, path: Path) -> int:
    """Save the crop (a presigned S3 URL, valid for minutes) to path; the number of bytes written."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"crop URL is not http(s): {url[:60]}")
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - scheme checked above
        data = response.read()
    path.write_bytes(data)
    return len(data)


def run_show(args: argparse.Namespace) -> int:
    params = {"purpose": args.purpose, "case_number": args.case_number, "offense_type": args.offense_type}
    if args.agency:
        params["agency"] = args.agency
    body, code = call_api_ok(args, "GET", f"/reads/{quote(args.read_id, safe='')}", params)
    if body is None:
        return code
    if args.crop:
        size = download(str(body["crop_url"]), args.crop)
        print(f"crop saved to {args.crop} ({size} bytes)", file=sys.stderr)
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    for field in _FIELDS:
        if field in body:
            print(f"{field:20} {body[field]}")
    alternatives = ", ".join(f"{text} {float(conf):.2f}" for text, conf in body.get("alternatives", []))
    print(f"{'alternatives':20} {alternatives or '-'}")
    if not args.crop:
        print(f"{'crop_url':20} {body['crop_url']}")
    print(body.get("notice", ""))
    return 0
