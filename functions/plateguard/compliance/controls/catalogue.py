"""The catalogue: every control with its area, title and references, the check that computes its status,
and the contract-only controls no template can enforce; `evaluate` runs them all."""

from __future__ import annotations

from typing import Any

from plateguard.compliance.controls.access import (
    check_account_bounded,
    check_api_iam_auth,
    check_api_resource_policy,
    check_block_public_access,
    check_mfa_roles,
    check_no_wildcard_actions,
    check_registry_wired,
)
from plateguard.compliance.controls.audit import (
    check_api_access_log,
    check_audit_table,
    check_audit_worm,
    check_s3_access_logging,
)
from plateguard.compliance.controls.base import Control, ControlResult, all_of
from plateguard.compliance.controls.encryption import (
    check_buckets_cmk,
    check_buckets_tls,
    check_key_management,
    check_messaging_and_logs_cmk,
    check_messaging_tls,
    check_tables_cmk,
)
from plateguard.compliance.controls.operations import (
    check_alert_channel,
    check_failure_capture,
)
from plateguard.compliance.controls.retention import (
    check_function_logs_bounded,
    check_image_lifecycle,
    check_no_copies,
    check_resources_retained,
    check_ttl,
)
from plateguard.compliance.template import CfnTemplate, Checker

CJIS_AU = "Audit & accountability"
CJIS_AC = "Access control"
CJIS_IA = "Identification & authentication"
CJIS_SC = "Encryption in transit and at rest"
CJIS_MP = "Media protection & retention"
CJIS_IR = "Incident response hooks"
CJIS_MA = "Mobile alerts"
FINDINGS = "Auditor's contract findings"
CONTRACT = "Contract-only"

CONTROLS: tuple[Control, ...] = (
    Control(
        "AU-1",
        CJIS_AU,
        "Search audit trail is write-once (Object Lock COMPLIANCE) for at least one year",
        ("CJIS 5.4.6", "NIST AU-9", "SB 34 §1798.90.52"),
        check_audit_worm,
    ),
    Control(
        "AU-2",
        CJIS_AU,
        "Queryable audit table is recoverable, deletion-protected and never expires",
        ("CJIS 5.4.6", "NIST AU-9"),
        check_audit_table,
    ),
    Control(
        "AU-3",
        CJIS_AU,
        "API access log names the caller and is kept at least one year under a CMK",
        ("CJIS 5.4.1.1", "NIST AU-3", "NIST AU-11"),
        check_api_access_log,
    ),
    Control(
        "AU-4",
        CJIS_AU,
        "S3 server access logging on every data bucket, kept at least one year",
        ("CJIS 5.4.1", "NIST AU-2"),
        check_s3_access_logging,
    ),
    Control(
        "AC-1",
        CJIS_AC,
        "Every API method requires AWS_IAM (SigV4) authorization",
        ("CJIS 5.5.2", "NIST AC-3"),
        check_api_iam_auth,
    ),
    Control(
        "AC-2",
        CJIS_AC,
        "API resource policy refuses principals of other accounts",
        ("CJIS 5.5.2", "NIST AC-3", "NIST AC-4"),
        check_api_resource_policy,
    ),
    Control(
        "AC-3",
        CJIS_AC,
        "Least privilege: no wildcard IAM actions; people get only their role's policy",
        ("CJIS 5.5.2.1", "NIST AC-6"),
        check_no_wildcard_actions,
    ),
    Control(
        "AC-4",
        CJIS_AC,
        "No public access and no ACLs on any bucket",
        ("CJIS 5.5.2", "NIST AC-3", "NIST SC-7"),
        check_block_public_access,
    ),
    Control(
        "IA-1",
        CJIS_IA,
        "Roles for people are assumable only with MFA, sessions at most one hour",
        ("CJIS 5.6.2.2", "NIST IA-2(1)", "NIST AC-12"),
        check_mfa_roles,
    ),
    Control(
        "IA-2",
        CJIS_IA,
        "User registry behind every API call (approval, training, inactivity, separation)",
        ("CJIS 5.5.1", "NIST AC-2(3)"),
        check_registry_wired,
        partial_note="The template wires the registry and audit table into the API; the rules themselves "
        "(supervisor approval, training before access, 90-day inactivity, separation) are enforced in "
        "plateguard.logic.access and plateguard.logic.accounts, covered by unit tests.",
    ),
    Control(
        "SC-1",
        CJIS_SC,
        "Every DynamoDB table encrypted with a customer-managed KMS key",
        ("CJIS 5.10.1.2.2", "NIST SC-28(1)"),
        check_tables_cmk,
    ),
    Control(
        "SC-2",
        CJIS_SC,
        "Data buckets encrypted with customer-managed KMS keys (log bucket: SSE-S3 AES-256)",
        ("CJIS 5.10.1.2.2", "NIST SC-28(1)"),
        check_buckets_cmk,
    ),
    Control(
        "SC-3",
        CJIS_SC,
        "Queues, alert topic and log groups encrypted with customer-managed KMS keys",
        ("CJIS 5.10.1.2.2", "NIST SC-28(1)"),
        check_messaging_and_logs_cmk,
    ),
    Control(
        "SC-4",
        CJIS_SC,
        "Customer-managed keys rotate yearly and are retained on stack deletion",
        ("CJIS 5.10.1.2", "NIST SC-12"),
        check_key_management,
    ),
    Control(
        "SC-5",
        CJIS_SC,
        "Buckets refuse non-TLS requests and TLS below 1.2",
        ("CJIS 5.10.1.2.1", "NIST SC-8(1)"),
        check_buckets_tls,
    ),
    Control(
        "SC-6",
        CJIS_SC,
        "Alert topic and queues refuse non-TLS requests",
        ("CJIS 5.10.1.2.1", "NIST SC-8(1)"),
        check_messaging_tls,
    ),
    Control(
        "MP-1",
        CJIS_MP,
        "Reads, image outcomes, hot-list entries and alerts expire by DynamoDB TTL",
        ("SB 34 §1798.90.51(b)(7)", "NIST MP-6", "NIST SI-12"),
        check_ttl,
    ),
    Control(
        "MP-2",
        CJIS_MP,
        "Images, crops and quarantined uploads expire; non-current versions too",
        ("SB 34 §1798.90.51(b)(7)", "NIST MP-6"),
        check_image_lifecycle,
    ),
    Control(
        "MP-3",
        CJIS_MP,
        "No replicas, streams or backup copies that would outlive retention",
        ("SB 34 §1798.90.51(b)(7)", "NIST SI-12"),
        check_no_copies,
    ),
    Control(
        "MP-4",
        CJIS_MP,
        "Function logs (which may hold plates) expire no later than non-hit reads",
        ("NIST SI-12", "NIST AU-11"),
        check_function_logs_bounded,
    ),
    Control(
        "MP-5",
        CJIS_MP,
        "Stores are versioned / point-in-time recoverable and retained on stack deletion",
        ("CJIS 5.10.1.5", "NIST CP-9"),
        check_resources_retained,
    ),
    Control(
        "IR-1",
        CJIS_IR,
        "Failures are captured: ingest dead-letter queue, X-Ray tracing, API metrics",
        ("CJIS 5.3", "NIST IR-4", "NIST AU-6"),
        check_failure_capture,
        checklist=True,
        partial_note="No CloudWatch alarm or security-event notification is defined in the template yet; the "
        "agency wires DLQ depth, 5xx and AuditWriteFailures metrics to its incident process.",
    ),
    Control(
        "MA-1",
        CJIS_MA,
        "Mobile alerts go through an encrypted, TLS-only topic; details only through the IAM API",
        ("CJIS 5.13", "NIST SC-8"),
        check_alert_channel,
        partial_note="What the alert message itself contains (plate, list, confidence, visual-confirmation "
        "reminder, no crop image) is code: plateguard.logic.alert_messages.",
    ),
    Control(
        "CF-1",
        FINDINGS,
        "Data ownership: every store and key lives in the agency's account; no cross-account grant",
        ("Auditor 2019-118: vendor contracts", "SB 34 §1798.90.52"),
        check_account_bounded,
        checklist=True,
        partial_note="The contract must also state that the agency owns all ALPR data and that the vendor "
        "holds no copy (see CT-4).",
    ),
    Control(
        "CF-2",
        FINDINGS,
        "Encryption: all data at rest under agency-owned KMS keys, in transit TLS-only",
        ("Auditor 2019-118: vendor contracts", "CJIS 5.10"),
        all_of(
            check_tables_cmk, check_buckets_cmk, check_messaging_and_logs_cmk, check_buckets_tls, check_messaging_tls
        ),
    ),
    Control(
        "CF-3",
        FINDINGS,
        "Access logging: every search audited (WORM), API and S3 access logged a year",
        ("Auditor 2019-118: vendor contracts", "SB 34 §1798.90.52"),
        all_of(check_audit_worm, check_api_access_log, check_s3_access_logging),
    ),
    Control(
        "CF-4",
        FINDINGS,
        "Breach notification support: the records an investigation needs are kept and tamper-evident",
        ("Auditor 2019-118: vendor contracts", "Cal. Civ. Code §1798.82"),
        all_of(check_audit_worm, check_api_access_log, check_failure_capture),
        checklist=True,
        partial_note="Who notifies whom and how fast is contractual (see CT-3); the template keeps the evidence.",
    ),
    Control(
        "CF-5",
        FINDINGS,
        "Retention and destruction: data expires on schedule and no copy survives it",
        ("Auditor 2019-118: retention", "SB 34 §1798.90.51(b)(7)"),
        all_of(check_ttl, check_image_lifecycle, check_no_copies, check_function_logs_bounded),
    ),
)


# What no template or code can enforce: the reviewer's checklist.
CONTRACT_ONLY: tuple[Control, ...] = (
    Control(
        "CT-1",
        CONTRACT,
        "Personnel screening: fingerprint-based background checks for everyone with access, vendor staff included",
        ("CJIS 5.12",),
        None,
        checklist=True,
        contract_note="Contract clause plus the agency's screening records.",
    ),
    Control(
        "CT-2",
        CONTRACT,
        "CJIS Security Addendum signed by every vendor employee with access",
        ("CJIS 5.1.1.5", "CJIS Appendix H"),
        None,
        checklist=True,
        contract_note="Signed addenda on file before access.",
    ),
    Control(
        "CT-3",
        CONTRACT,
        "Breach notice: vendor notifies the agency within a fixed time (e.g. 24 h) and supports investigation",
        ("CJIS 5.3", "Cal. Civ. Code §1798.82"),
        None,
        checklist=True,
        contract_note="Timeline, contacts and evidence hand-over in the contract.",
    ),
    Control(
        "CT-4",
        CONTRACT,
        "Data ownership: the agency owns all ALPR data; no vendor copy, resale or secondary use",
        ("Auditor 2019-118", "SB 34 §1798.90.55"),
        None,
        checklist=True,
        contract_note="Ownership, return and certified destruction on termination.",
    ),
    Control(
        "CT-5",
        CONTRACT,
        "Security awareness training of vendor personnel, renewed on schedule",
        ("CJIS 5.2",),
        None,
        checklist=True,
        contract_note="Training records for vendor staff.",
    ),
    Control(
        "CT-6",
        CONTRACT,
        "Right to audit the vendor and its subprocessors; subprocessors listed",
        ("CJIS 5.1.1.5",),
        None,
        checklist=True,
        contract_note="Audit clause and subprocessor list.",
    ),
    Control(
        "CT-7",
        CONTRACT,
        "AWS account in the agency's name (GovCloud where required); FIPS endpoints configured",
        ("CJIS 5.10.1.2", "Shared responsibility"),
        None,
        checklist=True,
        contract_note="Account ownership and region choice.",
    ),
)


def evaluate(raw: dict[str, Any]) -> list[ControlResult]:
    """Evaluate every control against a template dict (a fresh evaluation each call)."""
    template = CfnTemplate(raw)
    results: list[ControlResult] = []
    for control in (*CONTROLS, *CONTRACT_ONLY):
        if control.check is None:
            results.append(ControlResult(control, "contract-only", [], []))
            continue
        checker = Checker(template)
        try:
            control.check(checker)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a malformed template fails the row
            checker.problems.append(f"could not evaluate: {type(exc).__name__}: {exc}")
        if checker.problems:
            status = "failing"
        elif control.partial_note:
            status = "partial"
        else:
            status = "enforced"
        results.append(ControlResult(control, status, [e.as_dict() for e in checker.evidence], checker.problems))
    return results
