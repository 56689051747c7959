"""The gates a contract reviewer relies on: cdk-nag fully acknowledged, cfn-lint error-free."""

from __future__ import annotations

import csv

from cfnlint.api import ManualArgs, lint_file

from cdk.nag import non_compliant_report_rows, unsuppressed_findings
from cdk.packaging import REPO_ROOT as REPO
from tests.infra.helpers import Synthesized


def test_no_unacknowledged_cdk_nag_findings(synth: Synthesized) -> None:
    # Given both packs ran as Aspects / Then no error or warning is left unsuppressed
    assert unsuppressed_findings(synth.assembly) == []
    assert non_compliant_report_rows(synth.outdir) == []


def test_both_nag_packs_wrote_reports_and_every_suppression_has_a_specific_reason(synth: Synthesized) -> None:
    reports = sorted(synth.outdir.glob("*-NagReport.csv"))
    assert [r.name.split("-")[0] for r in reports] == ["AwsSolutions", "NIST.800.53.R5"]
    suppressed = 0
    for report in reports:
        with report.open(newline="") as handle:
            for row in csv.DictReader(handle):
                if row["Compliance"] == "Suppressed":
                    suppressed += 1
                    # A reason a reviewer can check, not "n/a"
                    assert len(row["Exception Reason"]) >= 40, row
    assert suppressed > 0


def test_cfn_lint_finds_no_errors(synth: Synthesized) -> None:
    # Given the synthesized template on disk / When cfn-lint checks it (dependency cycles included)
    matches = lint_file(synth.template_path, config=ManualArgs(regions=["us-east-1", "us-gov-west-1"]))
    # Then there is no error (warnings such as W3005 on CDK's own DependsOn are tolerated)
    errors = [f"{m.rule.id} {m.message} ({m.filename}:{m.linenumber})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_docs_explain_every_suppressed_rule(synth: Synthesized) -> None:
    # Given the suppressions in the reports / Then docs/infrastructure.md lists each rule for reviewers
    docs = (REPO / "docs" / "infrastructure.md").read_text()
    rules = set()
    for report in synth.outdir.glob("*-NagReport.csv"):
        with report.open(newline="") as handle:
            rules |= {row["Rule ID"] for row in csv.DictReader(handle) if row["Compliance"] == "Suppressed"}
    assert rules
    assert sorted(rule for rule in rules if rule not in docs) == []


def test_stack_is_termination_protected_and_environment_agnostic(synth: Synthesized) -> None:
    artifact = synth.assembly.get_stack_by_name("PlateGuard")
    assert artifact.termination_protection is True
    # No account/region baked in: synthesizes offline, deploys to any account (GovCloud included)
    assert artifact.environment.account == "unknown-account"
    assert artifact.environment.region == "unknown-region"
