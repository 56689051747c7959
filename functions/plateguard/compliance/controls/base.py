"""What every control module shares: the Control and its result, the thresholds, and the template
readings several controls use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plateguard import schema
from plateguard.compliance.template import CfnTemplate, Checker, as_list, statements

Check = Callable[[Checker], None]

AUDIT_RETENTION_DAYS = 365  # CJIS: audit records kept at least one year
MAX_SESSION_SECONDS = 3600
MIN_TLS = 1.2


@dataclass(frozen=True)
class Control:
    id: str
    area: str
    title: str
    references: tuple[str, ...]
    check: Check | None  # None: contract-only
    partial_note: str | None = None  # why passing checks still leave part of the control elsewhere
    contract_note: str | None = None
    checklist: bool = False  # the reviewer must confirm something outside the code (contract or agency)


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: str
    evidence: list[dict[str, Any]]
    problems: list[str]

    def as_row(self) -> dict[str, Any]:
        c = self.control
        return {
            "id": c.id,
            "area": c.area,
            "title": c.title,
            "status": self.status,
            "evidence": self.evidence,
            "references": list(c.references),
            "problems": self.problems,
            "note": c.partial_note or c.contract_note or "",
            "checklist": c.checklist,
        }


def truthy(value: Any) -> bool:
    return value is True or value == "true"


def kms_cmk(c: Checker) -> Callable[[Any], bool]:
    return c.template.is_own_key


def log_destination_buckets(t: CfnTemplate) -> set[str]:
    """Buckets that receive S3 server access logs (S3 can deliver those only to SSE-S3 buckets)."""
    names: set[str] = set()
    for name in t.of_type("AWS::S3::Bucket"):
        target = t.target(t.get(name, "LoggingConfiguration.DestinationBucketName"))
        if target:
            names.add(target)
    return names


def data_buckets(t: CfnTemplate) -> list[str]:
    return sorted(set(t.of_type("AWS::S3::Bucket")) - log_destination_buckets(t))


def bucket_policy_statements(t: CfnTemplate, bucket: str) -> tuple[str | None, list[dict[str, Any]]]:
    for name, policy in t.of_type("AWS::S3::BucketPolicy").items():
        if t.target(policy.get("Properties", {}).get("Bucket")) == bucket:
            return name, statements(policy["Properties"].get("PolicyDocument"))
    return None, []


def denies_insecure_transport(found: list[dict[str, Any]]) -> bool:
    return any(
        s.get("Effect") == "Deny"
        and str((s.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport")) in ("false", "False")
        for s in found
    )


def denies_old_tls(found: list[dict[str, Any]]) -> bool:
    for s in found:
        bound = (s.get("Condition") or {}).get("NumericLessThan", {}).get("s3:TlsVersion")
        if s.get("Effect") == "Deny" and bound is not None and float(bound) >= MIN_TLS:
            return True
    return False


def plateguard_functions(t: CfnTemplate) -> dict[str, dict[str, Any]]:
    """PlateGuard's own functions (CDK's deploy-time custom-resource handler is not one of them)."""
    return {
        name: fn
        for name, fn in t.of_type("AWS::Lambda::Function").items()
        if str(fn.get("Properties", {}).get("Handler", "")).startswith("plateguard.")
    }


def human_roles(t: CfnTemplate) -> dict[str, dict[str, Any]]:
    """Roles that people assume (an AWS principal in the trust policy), not service roles."""
    found: dict[str, dict[str, Any]] = {}
    for name, role in t.of_type("AWS::IAM::Role").items():
        trust = statements(role.get("Properties", {}).get("AssumeRolePolicyDocument"))
        if any(isinstance(s.get("Principal"), dict) and "AWS" in s["Principal"] for s in trust):
            found[name] = role
    return found


def incoming_retention_days(t: CfnTemplate) -> int | None:
    bucket = schema.IMAGES_BUCKET.logical_id
    for rule in as_list(t.get(bucket, "LifecycleConfiguration.Rules")):
        if rule.get("Prefix") == schema.INCOMING_PREFIX and rule.get("Status", "Enabled") == "Enabled":
            days = rule.get("ExpirationInDays")
            return int(days) if days is not None else None
    return None


def all_of(*checks: Check) -> Check:
    """One check made of several: a control that several families' checks together enforce."""

    def run(c: Checker) -> None:
        for check in checks:
            check(c)

    return run
