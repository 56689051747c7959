"""cfn-lint over the synthesized template, in the regions PlateGuard targets (GovCloud included)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

LINT_REGIONS = ("us-east-1", "us-gov-west-1")


@dataclass(frozen=True)
class LintMatch:
    rule_id: str
    level: str  # error | warning | informational
    message: str
    line: int

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule_id, "level": self.level, "message": self.message, "line": self.line}


def lint_template(path: Path, regions: tuple[str, ...] = LINT_REGIONS) -> list[LintMatch]:
    from cfnlint.api import ManualArgs, lint_file  # heavy import: only when a report is built

    levels = {"E": "error", "W": "warning", "I": "informational"}
    return [
        LintMatch(m.rule.id, levels.get(m.rule.id[:1], "unknown"), str(m.message), int(m.linenumber))
        for m in lint_file(path, config=ManualArgs(regions=list(regions)))
    ]
