"""`plateguard admin bootstrap`: the first admin of an empty deployment.

The only command that writes an account directly, with the deployer's own AWS credentials (the
registry starts empty, so nobody could yet call the API). It refuses once the agency has an active
admin, and records itself in the agency's audit trail before the account is stored. Every later
account change goes through the audited API (`plateguard users ...`).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plateguard.commands.state import DEFAULT_STATE_DIR, read_state


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("admin", help="first-admin bootstrap of a new deployment (deployer only)")
    actions = parser.add_subparsers(dest="admin_command", metavar="ACTION")
    boot = actions.add_parser(
        "bootstrap",
        help="register the agency's first admin with your own (deployer's) AWS credentials; audited",
        description="Writes the first admin account directly (the registry starts empty) and records it "
        "in the agency's audit trail. Refused once the agency has an active admin.",
    )
    boot.add_argument("--user", required=True, help="the admin's IAM user name (or IAM user ARN)")
    boot.add_argument("--name", required=True, help="the admin's full name, as it should appear in records")
    boot.add_argument("--agency", help="agency id (default: the stack's agency, or demo-pd in local mode)")
    boot.add_argument("--trained-on", help="date the admin completed ALPR training (ISO 8601; default: today)")
    boot.add_argument("--stack", help="deployed stack name (default: local mode)")
    boot.add_argument("--profile", help="AWS profile of the deployer (with --stack)")
    boot.add_argument("--region", help="AWS region (with --stack)")
    boot.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=argparse.SUPPRESS)
    boot.set_defaults(func=run_bootstrap)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


class _Target:
    def __init__(self, users_table: str, audit_table: str, audit_bucket: str, region: str, endpoint: str | None,
                 session: Any, agency: str) -> None:  # fmt: skip
        self.users_table, self.audit_table, self.audit_bucket = users_table, audit_table, audit_bucket
        self.region, self.endpoint, self.session, self.agency = region, endpoint, session, agency


def _target(args: argparse.Namespace) -> _Target:
    import boto3

    from plateguard import schema
    from plateguard.commands.search import TargetError

    if args.stack:
        from plateguard.commands.search import stack_target_outputs
        from plateguard.commands.stack_outputs import AGENCY_IDS, AUDIT_BUCKET_NAME, TABLE_OUTPUT_KEYS

        outputs = stack_target_outputs(args)
        agencies = [a for a in outputs.get(AGENCY_IDS, "").split(",") if a]
        agency = args.agency or (agencies[0] if len(agencies) == 1 else None)
        if agency is None:
            raise TargetError(f"pass --agency (the stack serves: {', '.join(agencies) or 'unknown'})")
        if args.profile:  # pynamodb signs through botocore's default chain
            os.environ["AWS_PROFILE"] = args.profile
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        return _Target(
            outputs[TABLE_OUTPUT_KEYS[schema.USERS.logical_id]],
            outputs[TABLE_OUTPUT_KEYS[schema.AUDIT.logical_id]],
            outputs[AUDIT_BUCKET_NAME],
            str(session.region_name),
            None,
            session,
            agency,
        )
    state = read_state(args.state_dir)
    if not state:
        raise TargetError("plateguard local is not running here; start it, or pass --stack NAME")
    from plateguard.local.runner import _LOCAL_ENV  # local mode's fixed fake credentials for moto
    from plateguard.local.users import DEMO_AGENCY

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = _LOCAL_ENV[name]
    session = boto3.Session(
        aws_access_key_id=_LOCAL_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=_LOCAL_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=state["region"],
    )
    tables = state["tables"]
    return _Target(
        tables[schema.USERS.logical_id],
        tables[schema.AUDIT.logical_id],
        state["audit_bucket"],
        state["region"],
        state["aws_endpoint_url"],
        session,
        args.agency or DEMO_AGENCY,
    )


def _trained_at(text: str | None, now: datetime) -> datetime:
    if not text:
        return now
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def run_bootstrap(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from plateguard import schema
    from plateguard.commands.search import TargetError
    from plateguard.dal.audit import DynamoAuditStore, S3AuditArchive
    from plateguard.dal.tables import bind_tables
    from plateguard.dal.users import DynamoUserDirectory
    from plateguard.logic.accounts import bootstrap_admin
    from plateguard.logic.audit_chain import AuditTrail
    from plateguard.logic.identity import normalize_principal_arn, user_principal_arn
    from plateguard.models.errors import ApiError

    now = datetime.now(UTC)
    try:
        target = _target(args)
        trained_at = _trained_at(args.trained_on, now)
        deployer = target.session.client("sts", endpoint_url=target.endpoint).get_caller_identity()
        if args.user.startswith("arn:"):
            principal = normalize_principal_arn(args.user)
        else:
            principal = user_principal_arn(deployer["Account"], args.user)
        bind_tables(
            {schema.USERS.logical_id: target.users_table, schema.AUDIT.logical_id: target.audit_table},
            region=target.region,
            host=target.endpoint,
        )
        archive = S3AuditArchive(target.session.client("s3", endpoint_url=target.endpoint), target.audit_bucket)
        admin = bootstrap_admin(
            target.agency,
            principal.rsplit("/", 1)[-1],
            principal,
            trained_at,
            deployer["Arn"],
            users=DynamoUserDirectory(),
            trail=AuditTrail(DynamoAuditStore(), archive),
            now=now,
            full_name=args.name,
        )
    except (TargetError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:
        print(f"error: AWS refused the bootstrap: {exc}", file=sys.stderr)
        return 1
    print(
        f"admin {admin.username} ({args.name}) of {admin.agency} registered as {admin.principal_arn}; "
        f"training {trained_at.date().isoformat()}; audited as BootstrapAdmin by {deployer['Arn']}"
    )
    return 0
