"""`plateguard local`: run the embedded local AWS with the real handlers until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plateguard.commands.state import DEFAULT_STATE_DIR, DEMO_AGENCY
from plateguard.models.roles import Role


def _when(value: Any) -> str:
    """`2026-12-02 13:59:12Z`: to the second, UTC (the alert's JSON keeps the full timestamp)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + ("Z" if moment.tzinfo is not None else "")


def format_alert(alert: dict[str, Any]) -> str:
    """Two lines that fit a terminal: what and where, then (indented) the alert id and its notice."""
    kind = "HISTORICAL ALERT" if alert.get("historical") else "ALERT"
    plate = str(alert.get("plate"))
    if alert.get("match_quality") == "ambiguous":
        plate += f" (listed {alert.get('listed_plate')}, differs at {alert.get('differing_positions')})"
    headline = (
        f"{kind} [{str(alert.get('priority', '?')).upper()}] {alert.get('list_type')} {plate} "
        f"at {alert.get('camera_name')} {_when(alert.get('captured_at'))} "
        f"confidence={alert.get('confidence')} match={alert.get('match_quality')}"
    )
    details = textwrap.fill(
        f"alert {alert.get('alert_id')} - {alert.get('notice')}",
        width=100,
        initial_indent="    ",
        subsequent_indent="    ",
    )
    return f"{headline}\n{details}"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "local", help="run PlateGuard on an embedded local AWS (moto server on 127.0.0.1) until Ctrl-C"
    )
    parser.add_argument("--port", type=int, default=0, help="port for the local AWS endpoint (default: a free one)")
    parser.add_argument(
        "--empty",
        action="store_true",
        help="start as a new deployment does: no users, cameras or reads (see docs/deploy.md)",
    )
    parser.set_defaults(func=run_local)
    actions = parser.add_subparsers(dest="local_command", metavar="ACTION")
    add_user = actions.add_parser(
        "add-iam-user",
        help="in a running local mode: create an IAM user with an access key and a virtual MFA device "
        "(the agency IT's step before `plateguard users add`)",
    )
    add_user.add_argument("username", help="the IAM user name to create")
    add_user.add_argument("--role", required=True, choices=[r.value for r in Role], help="the role it may assume")
    add_user.add_argument("--agency", default=DEMO_AGENCY, help=f"agency (default: {DEMO_AGENCY})")
    add_user.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)
    add_user.set_defaults(func=run_add_iam_user)


def run_add_iam_user(args: argparse.Namespace) -> int:
    """Creates the user in the running local mode's IAM (ordinary IAM calls) and lists it in local.json."""
    import boto3

    from plateguard.local.runner import _LOCAL_ENV, read_state
    from plateguard.local.users import create_iam_user

    state = read_state(args.state_dir)
    if not state:
        print("error: plateguard local is not running here; start it first", file=sys.stderr)
        return 2
    iam = boto3.client(
        "iam",
        region_name=state["region"],
        endpoint_url=state["aws_endpoint_url"],
        aws_access_key_id=_LOCAL_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=_LOCAL_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    try:
        identity = create_iam_user(iam, args.username, args.agency, Role(args.role))
    except iam.exceptions.EntityAlreadyExistsException:
        print(f"error: IAM user {args.username} already exists", file=sys.stderr)
        return 1
    state.setdefault("users", {})[args.username] = identity.public()
    path = args.state_dir / "local.json"
    path.write_text(json.dumps(state, indent=2))
    print(
        f"IAM user {args.username} ({identity.principal_arn}) may assume {identity.role_arn} with MFA; "
        f"use --as {args.username}"
    )
    return 0


def run_local(args: argparse.Namespace) -> int:
    from plateguard.local.runner import AlreadyRunning, LocalEnvironment

    stop = threading.Event()
    environment = LocalEnvironment(
        state_dir=DEFAULT_STATE_DIR,
        port=args.port,
        on_alert=lambda a: print(format_alert(a), flush=True),
        seed=not args.empty,
    )
    try:
        environment.start()
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # Ctrl-C and SIGTERM both stop cleanly (a shell may start background jobs with SIGINT ignored).
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    state = environment.state
    print(f"PlateGuard local mode: AWS endpoint {state['aws_endpoint_url']} (region {state['region']})")
    for name in ("images_bucket", "ingest_queue_url", "alert_topic_arn", "inbox_queue_url", "api_url"):
        if name in state:
            print(f"  {name}: {state[name]}")
    print(f"  state: {DEFAULT_STATE_DIR / 'local.json'}")
    print("Upload to s3://{}/incoming/... ; alerts print here. Ctrl-C to stop.".format(state["images_bucket"]))
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        environment.stop()
        print("PlateGuard local mode stopped.")
    return 0
