"""`plateguard audit`: verify the anchored, hash-chained audit trail, sign a digest now, or look records
up through the API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plateguard.commands.search import TargetError, add_target_arguments, report_error, resolve_target, signed_request
from plateguard.commands.state import DEFAULT_STATE_DIR, read_state


def _add_target_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", help="audit table name (default: local mode, or AUDIT_TABLE_NAME)")
    parser.add_argument("--bucket", help="audit bucket name (default: local mode, or AUDIT_BUCKET_NAME)")
    parser.add_argument(
        "--digest-key", help="ARN of the digest signing key (default: local mode, or AUDIT_DIGEST_KEY_ID)"
    )
    parser.add_argument("--stack", help="deployed stack name: table, bucket and key come from its outputs")
    parser.add_argument("--profile", help="AWS profile (deployed stacks)")
    parser.add_argument("--region", help="AWS region (deployed stacks)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (= --output json)")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="verify or query the tamper-evident audit trail")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION")

    verify = actions.add_parser(
        "verify",
        help="check the signed digests, then every audit chain against the latest one (DynamoDB and every "
        "version of the S3 Object Lock copies); exit 1 on any break",
    )
    verify.add_argument("--agency", action="append", help="verify only this agency's chains (repeatable)")
    _add_target_flags(verify)
    verify.set_defaults(func=run_verify)

    digest = actions.add_parser(
        "digest",
        help="sign a digest of every audit chain's head now (as the hourly job does); against a stack, "
        "invokes the digest function, the only principal allowed to sign",
    )
    _add_target_flags(digest)
    digest.set_defaults(func=run_digest)

    lookup = actions.add_parser("lookup", help="query audit records through the API (auditors and supervisors)")
    lookup.add_argument("--since", required=True, help="window start, ISO 8601")
    lookup.add_argument("--until", required=True, help="window end, ISO 8601")
    lookup.add_argument("--username", help="username or principal ARN")
    lookup.add_argument("--plate", help="plate or pattern as searched")
    lookup.add_argument("--case-number", help="case or incident number as recorded")
    lookup.add_argument("--limit", type=int, help="page size")
    lookup.add_argument("--next-token", help="continue a previous lookup")
    lookup.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(lookup, default_user="auditor")
    lookup.set_defaults(func=run_lookup)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


@dataclass(frozen=True)
class _Target:
    table: str
    bucket: str
    digest_key: str
    endpoint: str | None
    session: Any
    digest_function: str | None = None


def _verify_target(args: argparse.Namespace) -> _Target:
    """Table, bucket, digest key, endpoint and boto3 session from flags, local mode's state, or the environment."""
    import boto3

    if getattr(args, "stack", None):
        from plateguard import schema
        from plateguard.commands.search import stack_target_outputs
        from plateguard.commands.stack_outputs import (
            AUDIT_BUCKET_NAME,
            AUDIT_DIGEST_FUNCTION_NAME,
            AUDIT_DIGEST_KEY_ARN,
            TABLE_OUTPUT_KEYS,
        )

        outputs = stack_target_outputs(args)
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        return _Target(
            args.table or outputs[TABLE_OUTPUT_KEYS[schema.AUDIT.logical_id]],
            args.bucket or outputs[AUDIT_BUCKET_NAME],
            args.digest_key or outputs.get(AUDIT_DIGEST_KEY_ARN, ""),
            None,
            session,
            outputs.get(AUDIT_DIGEST_FUNCTION_NAME),
        )
    state = read_state(args.state_dir) if not (args.table or args.bucket) else None
    if state:
        from plateguard.local.runner import _LOCAL_ENV  # local mode's fixed fake credentials for moto

        session = boto3.Session(
            aws_access_key_id=_LOCAL_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=_LOCAL_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=state["region"],
        )
        key = args.digest_key or state.get("audit_digest_key", "")
        return _Target(state["tables"]["AuditTable"], state["audit_bucket"], key, state["aws_endpoint_url"], session)
    table = args.table or os.environ.get("AUDIT_TABLE_NAME")
    bucket = args.bucket or os.environ.get("AUDIT_BUCKET_NAME")
    if not table or not bucket:
        raise TargetError(
            "no local mode running here: pass --table and --bucket (or AUDIT_TABLE_NAME/AUDIT_BUCKET_NAME)"
        )
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    key = args.digest_key or os.environ.get("AUDIT_DIGEST_KEY_ID", "")
    return _Target(table, bucket, key, os.environ.get("AWS_ENDPOINT_URL"), session)


def _bind(target: _Target) -> Any:
    """Point the audit table model at the target, signing as the session; returns the S3 archive."""
    from plateguard import schema
    from plateguard.dal.audit import S3AuditArchive
    from plateguard.dal.tables import AuditItem, bind_tables

    region = target.session.region_name or "us-west-2"
    bind_tables({schema.AUDIT.logical_id: target.table}, region=region, host=target.endpoint)
    credentials = target.session.get_credentials()
    if credentials is not None:  # pynamodb signs with the same identity as the S3 client
        frozen = credentials.get_frozen_credentials()
        AuditItem.Meta.aws_access_key_id = frozen.access_key  # type: ignore[attr-defined]
        AuditItem.Meta.aws_secret_access_key = frozen.secret_key  # type: ignore[attr-defined]
        AuditItem.Meta.aws_session_token = frozen.token  # type: ignore[attr-defined]
        AuditItem._connection = None
    return S3AuditArchive(target.session.client("s3", endpoint_url=target.endpoint), target.bucket)


def run_verify(args: argparse.Namespace) -> int:
    from plateguard.dal.audit import DynamoAuditStore, KmsSignatureVerifier
    from plateguard.logic.audit_digest import describe, verify_trail

    try:
        target = _verify_target(args)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    archive = _bind(target)
    verifier = KmsSignatureVerifier(target.session.client("kms", endpoint_url=target.endpoint))
    report = verify_trail(DynamoAuditStore(), archive, verifier, target.digest_key, args.agency)
    problems = report.problems
    latest = report.digests.latest
    if args.json:
        print(json.dumps(describe(report), indent=2))
    else:
        if latest is None:
            print(
                "digests: none yet: the trail is NOT ANCHORED "
                "(`plateguard audit digest` signs one; hourly when deployed)"
            )
        else:
            verdict = "ok  " if not report.digests.problems else "FAIL"
            print(
                f"{verdict} digests: {report.digests.digests}, latest #{latest.sequence} at {latest.time.isoformat()}"
            )
        for problem in report.digests.problems:
            print(f"     {problem}")
        for chain in report.chains:
            verdict = "ok  " if not chain.problems else "FAIL"
            print(f"{verdict} {chain.chain}: {chain.records} record(s)")
            for chain_problem in chain.problems:
                print(f"     {chain_problem}")
    if problems:
        if not target.digest_key and report.digests.digests:
            print("the digest key is unknown here: pass --digest-key (or --stack)", file=sys.stderr)
        print(f"audit verify FAILED: first problem: {problems[0]}", file=sys.stderr)
        return 1
    if args.json:
        return 0
    if latest is None and not report.chains:
        print("audit verify: nothing to verify yet: no audit records and no digest")
        return 0
    summary = f"audit verify passed: {report.records} record(s) in {len(report.chains)} chain(s)"
    if latest is None:
        print(f"{summary}; not yet anchored by a signed digest")
    else:
        print(f"{summary}, anchored by {report.digests.digests} signed digest(s)")
    return 0


def run_digest(args: argparse.Namespace) -> int:
    try:
        target = _verify_target(args)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if target.digest_function:
        # Deployed: only the digest function's role may sign, so the digest is made there.
        client = target.session.client("lambda")
        response = client.invoke(FunctionName=target.digest_function, Payload=b"{}")
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            print(f"audit digest FAILED: {json.dumps(payload)}", file=sys.stderr)
            return 1
        result = payload
    else:
        if not target.digest_key:
            print("error: no digest key: pass --digest-key (or AUDIT_DIGEST_KEY_ID)", file=sys.stderr)
            return 2
        from datetime import UTC, datetime

        from plateguard.dal.audit import DynamoAuditStore, KmsDigestSigner
        from plateguard.logic.audit_digest import create_digest

        archive = _bind(target)
        signer = KmsDigestSigner(target.session.client("kms", endpoint_url=target.endpoint), target.digest_key)
        made = create_digest(DynamoAuditStore(), archive, signer, datetime.now(UTC))
        result = {"key": made.key, "written": made.digest is not None, "problems": list(made.problems)}
        if made.digest is not None:
            result |= {"sequence": made.digest.digest.sequence, "chains": len(made.digest.digest.heads)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        state = "written" if result.get("written") else "NOT written (another digest took this number)"
        print(
            f"audit digest {result.get('sequence', '?')}: {result.get('chains', 0)} chain(s), "
            f"{state}: {result.get('key')}"
        )
        for problem in result.get("problems", []):
            print(f"     chain kept its previous anchor: {problem}")
    return 1 if result.get("problems") or not result.get("written") else 0


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
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    for event in body["events"]:
        print(_event_line(event))
    print(f"{body['count']} event(s)")
    if body.get("next_token"):
        print(f"more: --next-token {body['next_token']}")
    return 0


def _event_line(event: dict[str, Any]) -> str:
    """One line a person can scan: when, who, what, the outcome, and the search's recorded reasons."""
    identity = event.get("userIdentity") or {}
    who = identity.get("userName") or identity.get("principalId") or identity.get("arn") or "?"
    request = event.get("requestParameters") or {}
    details = " ".join(f"{k}={request[k]}" for k in ("plate", "caseNumber", "offenseType") if request.get(k))
    outcome = event.get("outcome") or ("error " + str(event.get("errorCode")) if event.get("errorCode") else "")
    return " ".join(
        part
        for part in (str(event.get("eventTime", "?")), who, str(event.get("eventName", "?")), outcome, details)
        if part
    )
