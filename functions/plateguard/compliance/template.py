"""Read-only helpers over a synthesized CloudFormation template (plain JSON dict)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Resource attributes that live beside `Properties` rather than inside it.
_RESOURCE_ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy", "Type", "Metadata", "DependsOn")
_MISSING = object()
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Evidence:
    """One property of one resource, as the template states it (None when absent)."""

    resource: str
    property: str
    value: Any

    def as_dict(self) -> dict[str, Any]:
        return {"resource": self.resource, "property": self.property, "value": self.value}


class CfnTemplate:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.resources: dict[str, dict[str, Any]] = raw.get("Resources", {})

    def of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r.get("Type") == type_}

    def get(self, resource: str, path: str) -> Any:
        """`path` is relative to Properties ("BucketEncryption.Rules[0]"), or a resource attribute."""
        node: Any = self.resources.get(resource, {})
        if path.split(".", 1)[0] not in _RESOURCE_ATTRIBUTES:
            node = node.get("Properties", {})
        for name, index in _SEGMENT.findall(path):
            if name and isinstance(node, dict) and name in node:
                node = node[name]
            elif index and isinstance(node, list) and int(index) < len(node):
                node = node[int(index)]
            else:
                return None
        return node

    def target(self, value: Any) -> str | None:
        """The logical ID a Ref / Fn::GetAtt points to, if it is a resource of this template."""
        if isinstance(value, dict):
            name = value.get("Ref") or (value.get("Fn::GetAtt") or [None])[0]
            if isinstance(name, str) and name in self.resources:
                return name
        return None

    def is_own_key(self, value: Any) -> bool:
        """A customer-managed KMS key created by this stack (not an AWS-managed alias or key)."""
        name = self.target(value)
        return name is not None and self.resources[name].get("Type") == "AWS::KMS::Key"


def statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    found = document.get("Statement", [])
    return [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, dict)]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass
class Checker:
    """Collects evidence and problems while a control's checks run against the template."""

    template: CfnTemplate
    evidence: list[Evidence] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def expect(self, resource: str, path: str, ok: Callable[[Any], bool], wanted: str) -> bool:
        value = self.template.get(resource, path)
        self.evidence.append(Evidence(resource, path, value))
        if not ok(value):
            self.problems.append(f"{resource}.{path}: expected {wanted}, found {value!r}")
            return False
        return True

    def require(self, condition: bool, problem: str) -> bool:
        if not condition:
            self.problems.append(problem)
        return condition

    def cite(self, resource: str, path: str) -> None:
        """Evidence shown to the reviewer without a pass/fail condition of its own."""
        self.evidence.append(Evidence(resource, path, self.template.get(resource, path)))

    def each(self, type_: str, what: str) -> dict[str, dict[str, Any]]:
        """Every resource of a type; an empty set is itself a problem (nothing to be evidence)."""
        found = self.template.of_type(type_)
        self.require(bool(found), f"no {type_} in the template ({what})")
        return found
