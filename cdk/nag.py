"""cdk-nag 2.x: AwsSolutions + NIST 800-53 rev 5 as Aspects, and the gate that fails synthesis.

cdk-nag 2.x (not 3.x) on purpose: its Aspect API and CSV reports (cdk.out/*-NagReport.csv) are what
the compliance report and tests read; 3.x replaced them with validation plugins.
Every finding is either fixed or suppressed next to the construct that causes it, with a reason;
`unsuppressed_findings` turns any other finding into a failed `python app.py`.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import Aspects, Stack, cx_api
from cdk_nag import AwsSolutionsChecks, NagPackSuppression, NagSuppressions, NIST80053R5Checks, RegexAppliesTo
from constructs import IConstruct

RULE_PREFIXES = ("AwsSolutions-", "NIST.800.53.R5-")
# The singleton Lambda that CDK adds to configure S3 bucket notifications (fixed construct id).
BUCKET_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"


# The wildcard actions CDK's grant_* methods write: S3 object and bucket reads, multipart aborts with
# writes, and the KMS data-key variants that come with an encrypted target.
GRANT_READ_ACTIONS = ("Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*")
GRANT_WRITE_ACTIONS = ("Action::s3:Abort*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*")


def suppress_grant_wildcards(
    role: IConstruct, reason: str, resources: Sequence[str], *, reads: bool = True, actions: Sequence[str] = ()
) -> None:
    """AwsSolutions-IAM5 on a function role whose only wildcards are grant_*'s: its actions (the read ones
    when `reads`, plus `actions`) and `resources`, regular expressions over cdk-nag's rendering of the
    resource (`Resource::<ImagesBucket.Arn>/crops/*`). Every function role that uses grant_* needs it."""
    applies_to: list[str | RegexAppliesTo] = [*(GRANT_READ_ACTIONS if reads else ()), *GRANT_WRITE_ACTIONS, *actions]
    # cdk-nag takes JavaScript regex literals.
    applies_to += [RegexAppliesTo(regex=f"/{regex}/g") for regex in resources]
    NagSuppressions.add_resource_suppressions(
        role,
        [NagPackSuppression(id="AwsSolutions-IAM5", reason=reason, applies_to=applies_to)],
        apply_to_children=True,
    )


def apply_nag_checks(scope: IConstruct) -> None:
    Aspects.of(scope).add(AwsSolutionsChecks(verbose=True, reports=True))
    Aspects.of(scope).add(NIST80053R5Checks(verbose=True, reports=True))


def suppress_cdk_internals(stack: Stack) -> None:
    """Findings on resources CDK itself generates and PlateGuard cannot configure."""
    handler = stack.node.try_find_child(BUCKET_NOTIFICATIONS_HANDLER)
    if handler is None:
        return
    # The handler's policy is created beside each bucket's notifications resource.
    policies = [
        c
        for c in stack.node.find_all()
        if c.node.id == "HandlerPolicy" and c.node.scope and c.node.scope.node.id == "Notifications"
    ]
    reason = (
        "CDK's BucketNotificationsHandler custom resource: it runs only during deployment to call "
        "s3:PutBucketNotification (which has no resource-level scoping in CDK's generated policy) and "
        "handles no PlateGuard data; its role and policy are not configurable."
    )
    NagSuppressions.add_resource_suppressions(
        [handler, *policies],
        [
            NagPackSuppression(
                id="AwsSolutions-IAM4",
                reason=reason,
                applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
            ),
            NagPackSuppression(id="AwsSolutions-IAM5", reason=reason, applies_to=["Resource::*"]),
            NagPackSuppression(id="NIST.800.53.R5-IAMNoInlinePolicy", reason=reason),
        ],
        apply_to_children=True,
    )


def unsuppressed_findings(assembly: cx_api.CloudAssembly) -> list[str]:
    """Every cdk-nag error or warning that no suppression acknowledged, as 'path: message'."""
    findings: list[str] = []
    for stack in assembly.stacks:
        for message in stack.messages:
            data = str(message.entry.data)
            if message.level in (cx_api.SynthesisMessageLevel.ERROR, cx_api.SynthesisMessageLevel.WARNING) and (
                data.startswith(RULE_PREFIXES) or message.level == cx_api.SynthesisMessageLevel.ERROR
            ):
                findings.append(f"{message.id}: {data.splitlines()[0]}")
    return findings


def non_compliant_report_rows(outdir: Path) -> list[dict[str, str]]:
    """Rows of the cdk-nag CSV reports that are neither compliant nor suppressed."""
    rows: list[dict[str, str]] = []
    for report in sorted(outdir.glob("*-NagReport.csv")):
        with report.open(newline="") as handle:
            rows += [row for row in csv.DictReader(handle) if row.get("Compliance") == "Non-Compliant"]
    return rows
