"""Permissions granted to each function role that no recorded call used (the reverse of the IAM check).

The record is the JSON local mode writes (`.plateguard/aws-calls.json`, plateguard.local.aws_calls):
every attributed AWS call with the (action, resource ARN) pairs it needed, plus the physical names the
ARNs were built from, so the template's grants resolve to the same ARNs here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plateguard.compliance.iam_eval import TemplatePolicies, pattern_covers
from plateguard.compliance.requirements import implied_kms

# Used by the Lambda service for the function, never by its code: logs, traces.
_RUNTIME_PREFIXES = ("logs:", "xray:")
# The SQS event source mapping also describes its queue (the local dispatcher only polls it).
_EVENT_SOURCE_ACTIONS = {"sqs:getqueueattributes", "sqs:getqueueurl"}


@dataclass(frozen=True)
class RoleUsage:
    handler: str
    role: str
    calls: int  # recorded calls of this function
    unused: list[tuple[str, str]]  # granted (action, resource) pairs no recorded call fell under
    service_used: list[tuple[str, str]]  # granted for the Lambda service itself (logs, traces, DLQ, polling)


def load_calls(path: Path) -> dict[str, Any] | None:
    """The recorded calls, or None when there is no (readable) record."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("calls"), list) else None


def _service_targets(template: dict[str, Any], policies: TemplatePolicies, handler: str) -> set[str]:
    """ARNs the Lambda service uses with the function's role: its DLQ and its event source queues."""
    targets: set[str] = set()
    functions = {
        name: r
        for name, r in template.get("Resources", {}).items()
        if r.get("Type") == "AWS::Lambda::Function" and r.get("Properties", {}).get("Handler") == handler
    }
    for name, function in functions.items():
        dlq = function["Properties"].get("DeadLetterConfig", {}).get("TargetArn")
        if dlq is not None:
            targets.add(str(policies.resolve(dlq)))
        for mapping in template.get("Resources", {}).values():
            properties = mapping.get("Properties", {})
            if mapping.get("Type") == "AWS::Lambda::EventSourceMapping" and properties.get("FunctionName") == {
                "Ref": name
            }:
                targets.add(str(policies.resolve(properties.get("EventSourceArn"))))
    return targets


def _used(call: dict[str, Any], policies: TemplatePolicies, region: str) -> list[tuple[str, str]]:
    """A call's recorded permissions, plus the KMS ones the template's keys imply (a record made without
    the template has none: local mode's own tables and buckets are not encrypted)."""
    direct = [(str(a), str(r)) for a, r in call.get("permissions", [])]
    service, operation = str(call.get("service", "")), str(call.get("operation", ""))
    implied = implied_kms(service, operation, direct, policies.encryption_key, region)
    return [*direct, *((r.action, r.resource) for r in implied)]


def permission_usage(template: dict[str, Any], record: dict[str, Any]) -> list[RoleUsage]:
    """Per Lambda function of the template: the grants of its role no recorded call used."""
    names = dict(record.get("physical_names") or {})
    policies = TemplatePolicies.from_template(
        template, names, account=str(record.get("account") or "123456789012"), region=str(record.get("region") or "")
    )
    policies = policies.bind(policies.names_from_environment(record.get("environment") or {}))
    usage: list[RoleUsage] = []
    for handler, role in sorted(policies.function_roles().items()):
        if not handler.startswith("plateguard."):
            continue  # CDK's own deployment-time functions (bucket notifications): no code of ours
        calls = [c for c in record["calls"] if c.get("principal") == handler or c.get("role") == role]
        used = [pair for c in calls for pair in _used(c, policies, str(record.get("region") or ""))]
        service = _service_targets(template, policies, handler)
        unused: list[tuple[str, str]] = []
        service_used: list[tuple[str, str]] = []
        for action, resource in policies.granted(role):
            if any(pattern_covers(action, a, action=True) and pattern_covers(resource, r) for a, r in used):
                continue
            by_service = action.lower().startswith(_RUNTIME_PREFIXES) or (
                resource in service and (action.lower() == "sqs:sendmessage" or action.lower() in _EVENT_SOURCE_ACTIONS)
            )
            (service_used if by_service else unused).append((action, resource))
        usage.append(RoleUsage(handler, role, len(calls), unused, service_used))
    return usage
