"""Load a policy file: YAML, merged over its preset's defaults, validated, then held to the preset's limits.

Every failure is a PolicyError listing problems, each naming the field and the rule it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from plateguard.policy.model import Policy, RecipientType, format_duration
from plateguard.policy.presets import PRESETS, Preset


@dataclass(frozen=True)
class PolicyProblem:
    field: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}"


class PolicyError(ValueError):
    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = problems
        super().__init__("invalid policy:\n" + "\n".join(f"  - {p}" for p in problems))


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in the file replaces the preset's value."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _location(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """'sharing.grants[fbi-task-force].recipient_type' rather than 'sharing.grants.0.recipient_type'."""
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            label = item.get("id") or item.get("name") if isinstance(item, dict) else None
            parts[-1] += f"[{label or part}]"
            node = item
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts) or "(file)"


def _problem(error: Any, data: dict[str, Any]) -> PolicyProblem:
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"] and ": " in message:
        # Cross-field rules (model validators) have no location: their message starts with the field.
        field, _, rule = message.partition(": ")
        return PolicyProblem(field, rule)
    return PolicyProblem(_location(tuple(error["loc"]), data), message)


def preset_problems(policy: Policy, preset: Preset) -> list[PolicyProblem]:
    problems: list[PolicyProblem] = []
    for retention_class, limit in preset.max_retention.items():
        value = policy.retention.of(retention_class)
        if value > limit:
            problems.append(
                PolicyProblem(
                    f"retention.{retention_class.value}",
                    f"{format_duration(value)} is longer than the {preset.jurisdiction} preset allows "
                    f"({format_duration(limit)}, {preset.citation})",
                )
            )
    if policy.agency.state != preset.state:
        problems.append(
            PolicyProblem(
                "agency.state", f"{policy.agency.state} does not match the {preset.key} preset ({preset.state})"
            )
        )
    for grant in policy.sharing.grants:
        if grant.recipient_type not in preset.allowed_recipients:
            problems.append(
                PolicyProblem(
                    f"sharing.grants[{grant.id}].recipient_type",
                    f"{grant.recipient_type.value} is not allowed under the {preset.jurisdiction} preset: "
                    f"{preset.sharing_rule}",
                )
            )
    return problems


def universal_problems(policy: Policy) -> list[PolicyProblem]:
    """Rules no preset relaxes."""
    return [
        PolicyProblem(
            f"sharing.grants[{grant.id}].recipient_type",
            "private-entity is never allowed: ALPR data is not sold or transferred to private entities",
        )
        for grant in policy.sharing.grants
        if grant.recipient_type is RecipientType.PRIVATE
    ]


def parse_policy(data: Any) -> Policy:
    """Validate a policy given as a mapping (what the YAML file holds)."""
    if not isinstance(data, dict):
        raise PolicyError([PolicyProblem("(file)", "must be a YAML mapping of policy sections")])
    preset: Preset | None = None
    extends = data.get("extends")
    if extends is not None:
        preset = PRESETS.get(str(extends))
        if preset is None:
            raise PolicyError(
                [PolicyProblem("extends", f"unknown preset {extends!r}; choose one of {', '.join(sorted(PRESETS))}")]
            )
        data = _merge(preset.defaults, data)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError([_problem(e, data) for e in exc.errors()]) from None
    problems = universal_problems(policy) + (preset_problems(policy, preset) if preset else [])
    if problems:
        raise PolicyError(problems)
    return policy


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError([PolicyProblem(str(path), f"cannot be read: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([PolicyProblem(str(path), f"is not valid YAML: {exc}")]) from None
    return parse_policy(data)


def preset_for(policy: Policy) -> Preset | None:
    return PRESETS.get(policy.extends) if policy.extends else None
