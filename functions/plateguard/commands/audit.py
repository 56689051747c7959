"""`plateguard audit`: verify the hash-chained audit trail, or look records up through the API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from plateguard.commands.search import TargetError, add_target_arguments, report_error, resolve_target, signed_request
from plateguard.local.runner import DEFAULT_STATE_DIR, read_state


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="verify or query the tamper-evident audit trail")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION")

    verify = actions.add_parser(
        "verify",
        help="walk every agency's hash chain (DynamoDB and the S3 Object Lock copies); exit 1 on the first break",
    )
    verify.add_argument("--agency", action="append", help="verify only this chain (repeatable)")
    verify.add_argument("--table", help="audit table name (default: local mode, or AUDIT_TABLE_NAME)")
    verify.add_argument("--bucket", help="audit bucket name (default: local mode, or AUDIT_BUCKET_NAME)")
    verify.add_argument("--stack", help="deployed stack name: table and bucket come from its outputs")
    verify.add_argument("--profile", help="AWS profile (deployed stacks)")
    verify.add_argument("--region", help="AWS region (deployed stacks)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)
    verify.set_defaults(func=run_verify)

    lookup = actions.add_parser("lookup", help="query audit records through the API (auditors and supervisors)")
    lookup.add_argument("--since", required=True, help="ISO 8601")
    lookup.add_argument("--until", required=True, help="ISO 8601")
    lookup.add_argument("--username", help="username or principal ARN")
    lookup.add_argument("--plate", help="plate or pattern as searched")
    lookup.add_argument("--case-number")
    lookup.add_argument("--limit", type=int)
    lookup.add_argument("--next-token")
    add_target_arguments(lookup, default_user="auditor")
    lookup.set_defaults(func=run_lookup)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


def _verify_target(args: argparse.Namespace) -> tuple[str, str, str | None, Any]:
    """(table, bucket, endpoint, boto3 session) from flags, local mode's state, or the environment."""
    import boto3

    if getattr(args, "stack", None):
        from plateguard import schema
        from plateguard.commands.stack_outputs import (
            AUDIT_BUCKET_NAME,
            TABLE_OUTPUT_KEYS,
            StackOutputsError,
            stack_outputs,
        )

        try:
            outputs = stack_outputs(args.stack, args.profile, args.region)
        except StackOutputsError as exc:
            raise TargetError(str(exc)) from exc
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        table = args.table or outputs[TABLE_OUTPUT_KEYS[schema.AUDIT.logical_id]]
        return table, args.bucket or outputs[AUDIT_BUCKET_NAME], None, session
    state = read_state(args.state_dir) if not (args.table or args.bucket) else None
    if state:
        from plateguard.local.runner import _LOCAL_ENV  # local mode's fixed fake credentials for moto

        session = boto3.Session(
            aws_access_key_id=_LOCAL_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=_LOCAL_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=state["region"],
        )
        return state["tables"]["AuditTable"], state["audit_bucket"], state["aws_endpoint_url"], session
    table = args.table or os.environ.get("AUDIT_TABLE_NAME")
    bucket = args.bucket or os.environ.get("AUDIT_BUCKET_NAME")
    if not table or not bucket:
        raise TargetError(
            "no local mode running here: pass --table and --bucket (or AUDIT_TABLE_NAME/AUDIT_BUCKET_NAME)"
        )
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    return table, bucket, os.environ.get("AWS_ENDPOINT_URL"), session


def run_verify(args: argparse.Namespace) -> int:
    from plateguard import schema
    from plateguard.dal.audit import DynamoAuditStore, S3AuditArchive
    from plateguard.dal.tables import AuditItem, bind_tables
    from plateguard.logic.audit_chain import verify_all

    try:
        table, bucket, endpoint, session = _verify_target(args)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    region = session.region_name or "us-west-2"
    bind_tables({schema.AUDIT.logical_id: table}, region=region, host=endpoint)
    credentials = session.get_credentials()
    if credentials is not None:  # pynamodb signs with the same identity as the S3 client
        frozen = credentials.get_frozen_credentials()
        AuditItem.Meta.aws_access_key_id = frozen.access_key  # type: ignore[attr-defined]
        AuditItem.Meta.aws_secret_access_key = frozen.secret_key  # type: ignore[attr-defined]
        AuditItem.Meta.aws_session_token = frozen.token  # type: ignore[attr-defined]
        AuditItem._connection = None
    archive = S3AuditArchive(session.client("s3", endpoint_url=endpoint), bucket)
    reports = verify_all(DynamoAuditStore(), archive, args.agency)
    problems = [p for report in reports for p in report.problems]
    if args.json:
        print(
            json.dumps(
                {
                    "ok": not problems,
                    "chains": [
                        {"agency": r.chain, "records": r.records, "problems": [str(p) for p in r.problems]}
                        for r in reports
                    ],
                },
                indent=2,
            )
        )
    else:
        for report in reports:
            verdict = "ok  " if not report.problems else "FAIL"
            print(f"{verdict} {report.chain}: {report.records} record(s)")
            for problem in report.problems:
                print(f"     {problem}")
    if problems:
        print(f"audit verify FAILED: first problem: {problems[0]}", file=sys.stderr)
        return 1
    if not args.json:
        print(f"audit verify passed: {sum(r.records for r in reports)} record(s) in {len(reports)} chain(s)")
    return 0


def run_lookup(args: argparse.Namespace) -> int:
    try:
        target = resolve_target(args)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    params = {
        "since": args.since,
        "until": args.until,
        "username": args.username,
        "plate": args.plate,
        "case_number": args.case_number,
        "limit": None if args.limit is None else str(args.limit),
        "next_token": args.next_token,
    }
    status, body = signed_request(target, "GET", "/audit", {k: v for k, v in params.items() if v is not None})
    if status != 200:
        return report_error(status, body)
    print(json.dumps(body, indent=2))
    return 0
