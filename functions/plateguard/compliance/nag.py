"""cdk-nag results as the CDK app wrote them: `<Pack>-<Stack>-NagReport.csv` in the assembly directory.

The CSV's `Resource ID` is a construct path; the stack's metadata file maps it to the logical ID a
reviewer sees in the template.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKS = ("AwsSolutions", "NIST.800.53.R5")


@dataclass(frozen=True)
class NagFinding:
    pack: str
    rule_id: str
    resource_path: str
    logical_id: str | None
    compliance: str  # Compliant | Non-Compliant | Suppressed
    reason: str
    level: str
    info: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "rule": self.rule_id,
            "resource": self.logical_id or self.resource_path,
            "construct_path": self.resource_path,
            "compliance": self.compliance,
            "reason": self.reason,
            "level": self.level,
            "info": self.info,
        }


@dataclass
class NagPackResult:
    pack: str
    report_file: str | None
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[NagFinding] = field(default_factory=list)

    @property
    def suppressed(self) -> list[NagFinding]:
        return [f for f in self.findings if f.compliance == "Suppressed"]

    @property
    def non_compliant(self) -> list[NagFinding]:
        return [f for f in self.findings if f.compliance == "Non-Compliant"]


def logical_ids(outdir: Path) -> dict[str, str]:
    """Construct path (without the leading '/') -> CloudFormation logical ID."""
    mapping: dict[str, str] = {}
    for metadata_file in outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry.get("type") == "aws:cdk:logicalId":
                    mapping[path.lstrip("/")] = str(entry.get("data"))
    return mapping


def read_nag_reports(outdir: Path) -> list[NagPackResult]:
    """One result per pack; a pack whose CSV is missing is reported with `report_file` None."""
    ids = logical_ids(outdir)
    results: list[NagPackResult] = []
    for pack in PACKS:
        reports = sorted(outdir.glob(f"{pack}-*-NagReport.csv"))
        result = NagPackResult(pack, reports[0].name if reports else None)
        for report in reports:
            with report.open(newline="") as handle:
                for row in csv.DictReader(handle):
                    path = row.get("Resource ID", "")
                    finding = NagFinding(
                        pack=pack,
                        rule_id=row.get("Rule ID", ""),
                        resource_path=path,
                        logical_id=ids.get(path),
                        compliance=row.get("Compliance", ""),
                        reason=row.get("Exception Reason", "") if row.get("Compliance") == "Suppressed" else "",
                        level=row.get("Rule Level", ""),
                        info=row.get("Rule Info", ""),
                    )
                    result.findings.append(finding)
                    result.counts[finding.compliance] = result.counts.get(finding.compliance, 0) + 1
        results.append(result)
    return results
