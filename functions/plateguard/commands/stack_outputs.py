"""The deployed stack's outputs: the names and ARNs an operator (and `--stack NAME`) needs.

The output keys are defined here, from `plateguard.schema` and the API roles, and `cdk/stack.py` creates
exactly these at stack level, so their logical ids (and so the keys CloudFormation returns) are stable
names such as `ReadsTableName` or `OfficerRoleArn` rather than construct paths with hashes.
"""

from __future__ import annotations

from typing import Any

from plateguard import schema
from plateguard.models.routes import Role

IMAGES_BUCKET_NAME = "ImagesBucketName"
AUDIT_BUCKET_NAME = "AuditBucketName"
API_URL = "ApiUrl"
ALERT_TOPIC_ARN = "AlertTopicArn"
SUPERVISOR_TOPIC_ARN = "SupervisorTopicArn"
INGEST_QUEUE_URL = "IngestQueueUrl"
INGEST_QUEUE_ARN = "IngestQueueArn"
INGEST_DLQ_URL = "IngestDeadLetterQueueUrl"
JOBS_DLQ_URL = "JobsDeadLetterQueueUrl"
SWEEPER_DLQ_URL = "SweeperDeadLetterQueueUrl"
AGENCY_IDS = "AgencyIds"  # the agencies this stack serves (the policy file's agency), comma-separated
AUDIT_DIGEST_KEY_ARN = "AuditDigestKeyArn"  # the key `audit verify` expects every digest to be signed with
AUDIT_DIGEST_FUNCTION_NAME = "AuditDigestFunctionName"  # `audit digest --stack` invokes it (only it may sign)


def table_output_key(table: schema.TableSpec) -> str:
    """`ReadsTable` -> `ReadsTableName`."""
    return f"{table.logical_id}Name"


def role_output_key(role: Role) -> str:
    """`Role.OFFICER` -> `OfficerRoleArn` (the role officers assume to call the API)."""
    return f"{role.value.capitalize()}RoleArn"


TABLE_OUTPUT_KEYS: dict[str, str] = {table.logical_id: table_output_key(table) for table in schema.TABLES}
ROLE_OUTPUT_KEYS: dict[Role, str] = {role: role_output_key(role) for role in Role}

OUTPUT_KEYS: tuple[str, ...] = (
    IMAGES_BUCKET_NAME,
    AUDIT_BUCKET_NAME,
    *TABLE_OUTPUT_KEYS.values(),
    API_URL,
    *ROLE_OUTPUT_KEYS.values(),
    ALERT_TOPIC_ARN,
    SUPERVISOR_TOPIC_ARN,
    INGEST_QUEUE_URL,
    INGEST_QUEUE_ARN,
    INGEST_DLQ_URL,
    JOBS_DLQ_URL,
    SWEEPER_DLQ_URL,
    AGENCY_IDS,
    AUDIT_DIGEST_KEY_ARN,
    AUDIT_DIGEST_FUNCTION_NAME,
)


class StackOutputsError(RuntimeError):
    """The stack's outputs cannot be read: no credentials, no such stack, or not a PlateGuard stack."""


def stack_outputs(stack: str, profile: str | None, region: str | None, *, client: Any = None) -> dict[str, str]:
    """OutputKey -> OutputValue of a deployed PlateGuard stack (CloudFormation DescribeStacks).

    `client`: a CloudFormation client to use instead of one from `profile`/`region` (tests).
    Raises StackOutputsError with the reason and what to do; never returns a partial answer.
    """
    # Imported here: the Lambda functions import plateguard.commands never, the CLI only on demand.
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

    try:
        if client is None:
            import boto3

            session = boto3.Session(profile_name=profile, region_name=region)
            if session.region_name is None:
                raise StackOutputsError(f"no AWS region for stack {stack!r}: pass --region or set it in the profile")
            client = session.client("cloudformation")
        response = client.describe_stacks(StackName=stack)
    except ProfileNotFound as exc:
        raise StackOutputsError(
            f"AWS profile {profile!r} not found: `aws configure list-profiles` lists the profiles"
        ) from exc
    except NoCredentialsError as exc:
        raise StackOutputsError(
            f"no AWS credentials to read stack {stack!r} (set --profile or the standard AWS variables)"
        ) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in str(error.get("Message", "")):
            where = f" in {client.meta.region_name}" if getattr(client, "meta", None) else ""
            raise StackOutputsError(f"stack {stack!r} does not exist{where} (deployed with `make deploy`?)") from exc
        reason = f"{error.get('Code')}: {error.get('Message')}"
        raise StackOutputsError(f"cannot describe stack {stack!r}: {reason}") from exc
    except BotoCoreError as exc:
        raise StackOutputsError(f"cannot describe stack {stack!r}: {exc}") from exc
    stacks = response.get("Stacks") or []
    if not stacks:
        raise StackOutputsError(f"stack {stack!r} does not exist")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs") or []}
    missing = [key for key in OUTPUT_KEYS if key not in outputs]
    if missing:
        status = stacks[0].get("StackStatus", "unknown status")
        raise StackOutputsError(
            f"stack {stack!r} ({status}) lacks outputs {', '.join(missing)}: not a PlateGuard stack, "
            "or deployed by an older version (run `make deploy` again)"
        )
    return outputs
