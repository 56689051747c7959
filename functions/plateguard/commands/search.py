"""`plateguard search`: a SigV4-signed officer search, against local mode or a deployed stage.

Default target: `api_url` and the officer's credentials from `.plateguard/local.json`. With
`--api-url`, credentials come from the standard AWS chain (or `--profile`), as for any AWS API.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from plateguard.commands.state import DEFAULT_STATE_DIR, read_state
from plateguard.models.roles import Role

# The allowed values are the agency policy's purposes.offense_types (the API refuses others, listing them);
# `policy init` starts every agency with these (a unit test keeps the list equal to the starter's).
STARTER_OFFENSE_TYPES = (
    "stolen-vehicle", "homicide", "robbery", "kidnapping", "missing-person", "amber-alert", "hit-and-run", "carjacking"
)  # fmt: skip
OFFENSE_TYPE_HELP = (
    "offense type: one of the agency policy's purposes.offense_types; a starter policy's are "
    + ", ".join(STARTER_OFFENSE_TYPES)
    + " (a value not in the policy is refused with the list)"
)
_REGION_IN_URL = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")


@dataclass(frozen=True)
class ApiTarget:
    url: str
    region: str
    credentials: Any  # botocore Credentials (frozen or refreshable)


class TargetError(Exception):
    """Where the command should act (local mode, a stack, an API URL) or as whom cannot be reached;
    the message says why. The one such error for every command."""


def add_target_arguments(parser: argparse.ArgumentParser, default_user: str, state_dir: bool = True) -> None:
    """`state_dir=False` when a parent parser already has --state-dir (a subparser's default would win)."""
    group = parser.add_argument_group("where and as whom")
    group.add_argument("--stack", help="deployed stack name: the API URL and role ARNs come from its outputs")
    group.add_argument("--api-url", help="deployed stage URL (default: local mode's api_url)")
    group.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    group.add_argument("--region", help="AWS region (default: from the URL or the profile)")
    group.add_argument(
        "--assume-role",
        choices=[role.value for role in Role],
        help="with --stack: assume this PlateGuard role with MFA, session named after your IAM user",
    )
    group.add_argument("--mfa-serial", help="with --assume-role: your MFA device ARN (default: your first device)")
    group.add_argument("--mfa-code", help="with --assume-role: the current MFA code (default: prompt)")
    group.add_argument(
        "--as",
        dest="local_user",
        default=default_user,
        help=f"local-mode user from local.json: officer, supervisor, auditor, admin, officer_other_agency "
        f"(default: {default_user})",
    )
    if state_dir:
        group.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)


def resolve_target(args: argparse.Namespace) -> ApiTarget:
    if getattr(args, "stack", None):
        return _stack_target(args)
    if args.api_url:
        import boto3

        session = boto3.Session(profile_name=args.profile) if args.profile else boto3.Session()
        credentials = session.get_credentials()
        if credentials is None:
            raise TargetError("no AWS credentials found (set a profile or the standard AWS variables)")
        found = _REGION_IN_URL.search(args.api_url)
        region = args.region or (found.group(1) if found else None) or session.region_name
        if not region:
            raise TargetError("cannot tell the region of --api-url; pass --region")
        return ApiTarget(args.api_url.rstrip("/"), region, credentials)
    state = read_state(args.state_dir)
    if not state or "api_url" not in state:
        raise TargetError(
            "plateguard local is not running here (no api_url in .plateguard/local.json); start it, or pass --api-url"
        )
    user = state.get("users", {}).get(args.local_user)
    if not user:
        known = ", ".join(sorted(state.get("users", {}))) or "none yet"
        raise TargetError(f"no local user {args.local_user!r} in local.json (known: {known})")
    from botocore.exceptions import ClientError

    from plateguard.local.sts import assume_local_role

    try:  # as an officer does: assume the PlateGuard role with MFA, session name = IAM user name
        credentials = assume_local_role(user, state["api_url"], str(state["region"]))
    except ClientError as exc:
        raise TargetError(f"cannot assume {user.get('role_arn')}: {exc.response['Error']['Message']}") from exc
    return ApiTarget(state["api_url"].rstrip("/"), str(state["region"]), credentials)


def stack_target_outputs(args: argparse.Namespace) -> dict[str, str]:
    """The outputs of `--stack` (with `--profile`/`--region`); TargetError with the reason if unreadable."""
    from plateguard.commands.stack_outputs import StackOutputsError, stack_outputs

    try:
        return stack_outputs(args.stack, args.profile, args.region)
    except StackOutputsError as exc:
        raise TargetError(str(exc)) from exc


def _stack_target(args: argparse.Namespace) -> ApiTarget:
    """A deployed stack's API. With --assume-role the CLI assumes that role itself, as the trust policy
    demands: with MFA and a session named after the caller's IAM user; otherwise the profile's own
    credentials are used (e.g. a profile with role_arn, mfa_serial and role_session_name set)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from plateguard.commands.stack_outputs import API_URL, ROLE_OUTPUT_KEYS

    outputs = stack_target_outputs(args)
    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        region = str(session.region_name)
        if not args.assume_role:
            credentials = session.get_credentials()
            if credentials is None:
                raise TargetError("no AWS credentials found (set a profile or the standard AWS variables)")
            return ApiTarget(outputs[API_URL].rstrip("/"), region, credentials)
        caller = session.client("sts").get_caller_identity()["Arn"]
        if ":user/" not in caller:
            raise TargetError(f"--assume-role needs your IAM user's credentials, not {caller}")
        user_name = caller.rsplit("/", 1)[-1]
        serial = args.mfa_serial or _first_mfa_device(session, user_name)
        code = args.mfa_code or _prompt(f"MFA code for {serial}: ")
        answer = session.client("sts").assume_role(
            RoleArn=outputs[ROLE_OUTPUT_KEYS[Role(args.assume_role)]],
            RoleSessionName=user_name,  # the trust policy requires exactly this
            SerialNumber=serial,
            TokenCode=code,
        )["Credentials"]
    except (BotoCoreError, ClientError) as exc:
        raise TargetError(f"cannot reach the stack's API as {args.assume_role or 'this profile'}: {exc}") from exc
    from botocore.credentials import Credentials

    session_credentials = Credentials(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])
    return ApiTarget(outputs[API_URL].rstrip("/"), region, session_credentials)


def _first_mfa_device(session: Any, user_name: str) -> str:
    devices = session.client("iam").list_mfa_devices(UserName=user_name)["MFADevices"]
    if not devices:
        raise TargetError(f"IAM user {user_name} has no MFA device; the PlateGuard roles require one")
    return str(devices[0]["SerialNumber"])


def _prompt(text: str) -> str:
    if not sys.stdin.isatty():
        raise TargetError("pass --mfa-code (no terminal to ask for it)")
    import getpass

    return getpass.getpass(text)


def encode_query(params: dict[str, str]) -> str:
    """RFC 3986 encoding, sorted: the same bytes go on the wire and into the SigV4 canonical request."""
    pairs = sorted((quote(k, safe="-_.~"), quote(str(v), safe="-_.~")) for k, v in params.items() if v is not None)
    return "&".join(f"{k}={v}" for k, v in pairs)


def signed_request(
    target: ApiTarget, method: str, path: str, params: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    """Send one SigV4-signed request; return (status, JSON body)."""
    from botocore.auth import SigV4Auth  # botocore takes ~0.3 s to import: only when a request is sent
    from botocore.awsrequest import AWSRequest

    query = encode_query(params or {})
    url = f"{target.url}{path}" + (f"?{query}" if query else "")
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = AWSRequest(method=method, url=url, data=body or b"", headers=headers)
    credentials = (
        target.credentials.get_frozen_credentials()
        if hasattr(target.credentials, "get_frozen_credentials")
        else target.credentials
    )
    SigV4Auth(credentials, "execute-api", target.region).add_auth(request)
    if not url.startswith(("https://", "http://")):
        raise TargetError(f"API URL must be http(s): {target.url}")
    prepared = urllib.request.Request(url, data=body, method=method, headers=dict(request.headers.items()))  # noqa: S310
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:  # noqa: S310 - URL is the API endpoint
            return int(response.status), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return int(error.code), json.loads(raw or b"null")
        except ValueError:
            return int(error.code), {"error": f"HTTP{error.code}", "message": raw.decode(errors="replace")[:500]}


def call_api(
    args: argparse.Namespace, method: str, path: str, params: dict[str, str] | None = None, body: Any = None
) -> tuple[int, Any] | None:
    """One signed request with a JSON body; None (after saying why) when the API cannot be reached."""
    import urllib.error

    try:
        target = resolve_target(args)
        payload = None if body is None else json.dumps(body).encode()
        return signed_request(target, method, path, params, payload)
    except (TargetError, urllib.error.URLError) as exc:
        print_error(exc)
        return None


def print_error(exc: Exception) -> None:
    """The one stderr line for a target or network failure, with what to do next."""
    from plateguard.commands.output import describe_error

    described = describe_error(exc)
    print(f"error: {described[0] if described else exc}", file=sys.stderr)


def call_api_ok(
    args: argparse.Namespace, method: str, path: str, params: dict[str, str] | None = None, body: Any = None
) -> tuple[Any, int]:
    """`call_api` for commands that need a 200: (body, 0), or (None, exit code) after saying what failed."""
    answer = call_api(args, method, path, params, body)
    if answer is None:
        return None, 2
    status, payload = answer
    if status != 200:
        return None, report_error(status, payload)
    return payload, 0


# What to do next, by the API's status (appended to the error line).
_NEXT_STEP = {
    401: "check your credentials (--profile, --stack, --assume-role)",
    403: "check who you act as (--as, --assume-role) and that your account may do this",
    409: "it changed meanwhile: look again, then retry",
    429: "too many requests: wait a moment and retry",
}


def report_error(status: int, body: Any) -> int:
    """The API's refusal as one stderr line with what to do next; exit code 1."""
    hint = _NEXT_STEP.get(status) or ("retry; if it persists, report it with the time" if status >= 500 else "")
    suffix = f" ({hint})" if hint else ""
    if isinstance(body, dict):
        message = " ".join(str(body.get("message", "")).split())  # one line, whatever the API sent
        print(f"error {status}: {body.get('error', '?')}: {message}{suffix}", file=sys.stderr)
    else:
        print(f"error {status}{suffix}", file=sys.stderr)
    return 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "search",
        help="search plate reads through the officer API (SigV4-signed; every search is audited)",
        description="Search plate reads. Purpose, case number and offense type are required and recorded.",
    )
    parser.add_argument("--plate", help="plate, or a partial plate with ? (one character) and * (any run)")
    parser.add_argument("--camera", help="camera id")
    parser.add_argument("--since", help="window start, ISO 8601 (required for partial, camera and area searches)")
    parser.add_argument("--until", help="window end, ISO 8601")
    parser.add_argument("--bbox", help="area: MIN_LAT,MIN_LON,MAX_LAT,MAX_LON")
    parser.add_argument("--purpose", help="why you are searching (specific, at least 10 characters)")
    parser.add_argument("--case-number", help="case or incident number")
    parser.add_argument("--offense-type", help=OFFENSE_TYPE_HELP)
    parser.add_argument("--limit", type=int, help="page size")
    parser.add_argument("--next-token", help="continue a previous search")
    parser.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(parser, default_user="officer")
    parser.set_defaults(func=run_search)


def search_params(args: argparse.Namespace) -> dict[str, str]:
    params = {
        "plate": args.plate,
        "camera": args.camera,
        "since": args.since,
        "until": args.until,
        "purpose": args.purpose,
        "case_number": args.case_number,
        "offense_type": args.offense_type,
        "limit": None if args.limit is None else str(args.limit),
        "next_token": args.next_token,
    }
    if args.bbox:
        corners = [c.strip() for c in args.bbox.split(",")]
        if len(corners) != 4:
            raise TargetError("--bbox needs MIN_LAT,MIN_LON,MAX_LAT,MAX_LON")
        params.update(zip(("min_lat", "min_lon", "max_lat", "max_lon"), corners, strict=True))
    return {k: v for k, v in params.items() if v is not None}


def format_reads(body: dict[str, Any]) -> str:
    rows = [("CAPTURED_AT", "PLATE", "CAMERA", "CONF", "LAT,LON", "READ_ID")]
    for read in body.get("reads", []):
        rows.append(
            (
                str(read["captured_at"]),
                str(read["plate"]),
                str(read["camera_id"]),
                f"{float(read['confidence']):.2f}" + ("*" if read.get("low_confidence") else ""),
                f"{float(read['lat']):.4f},{float(read['lon']):.4f}",
                str(read["read_id"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.append(
        f"{body.get('count', 0)} read(s), {body.get('search_type')} search, {body.get('scanned_items')} scanned"
    )
    if body.get("next_token"):
        lines.append(f"more: --next-token {body['next_token']}")
    return "\n".join(lines)


def run_search(args: argparse.Namespace) -> int:
    try:
        target = resolve_target(args)
        params = search_params(args)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        status, body = signed_request(target, "GET", "/reads", params)
    except (TargetError, urllib.error.URLError) as exc:
        print_error(exc)
        return 2
    if status != 200:
        return report_error(status, body)
    print(json.dumps(body, indent=2) if args.json else format_reads(body))
    return 0
