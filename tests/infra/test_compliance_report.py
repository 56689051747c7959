"""The compliance report is computed from the template: each control row flips to failing when the
property that is its evidence is removed, and the rendered report carries every section.

Reuses the session's single synthesis (tests/infra/conftest.py); each mutation is a deep copy.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from plateguard.compliance.cli import run_compliance_report
from plateguard.compliance.controls import CONTRACT_ONLY, CONTROLS, evaluate
from plateguard.compliance.report import ComplianceReport, build_report, render_html, render_markdown, write_report
from tests.infra.helpers import Synthesized

Template = dict[str, Any]
API_HANDLER = "plateguard.handlers.api.app.handle_api_request"


def _one(raw: Template, type_: str, contains: str = "") -> dict[str, Any]:
    found = [r for name, r in raw["Resources"].items() if r["Type"] == type_ and contains in name]
    assert found, (type_, contains)
    return found[0]


def _props(raw: Template, logical_id: str) -> dict[str, Any]:
    return raw["Resources"][logical_id]["Properties"]  # type: ignore[no-any-return]


def _api_function(raw: Template) -> dict[str, Any]:
    return next(r["Properties"] for r in raw["Resources"].values() if r["Properties"].get("Handler") == API_HANDLER)


def _bucket_policy(raw: Template, bucket: str) -> dict[str, Any]:
    return next(
        r["Properties"]
        for r in raw["Resources"].values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket}
    )


def _drop_queue_policy(raw: Template) -> None:
    name = next(
        n for n, r in raw["Resources"].items()
        if r["Type"] == "AWS::SQS::QueuePolicy" and {"Ref": "IngestQueue"} in r["Properties"]["Queues"]
    )  # fmt: skip
    del raw["Resources"][name]


def _drop_topic_policy(raw: Template) -> None:
    name = next(n for n, r in raw["Resources"].items() if r["Type"] == "AWS::SNS::TopicPolicy")
    del raw["Resources"][name]


def _strip_tls_denies(raw: Template) -> None:
    document = _bucket_policy(raw, "ImagesBucket")["PolicyDocument"]
    document["Statement"] = [s for s in document["Statement"] if s.get("Effect") != "Deny"]


def _foreign_key_grant(raw: Template) -> None:
    key = _one(raw, "AWS::KMS::Key", "DataKey")["Properties"]
    key["KeyPolicy"]["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )


def _wildcard_action(raw: Template) -> None:
    policy = _one(raw, "AWS::IAM::Policy", "ApiApiFunctionRole")["Properties"]
    policy["PolicyDocument"]["Statement"].append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})


# One mutation per evaluated control: remove (or break) the property its evidence rests on.
MUTATIONS: dict[str, Callable[[Template], None]] = {
    "AU-1": lambda t: _props(t, "AuditBucket").pop("ObjectLockConfiguration"),
    "AU-2": lambda t: _props(t, "AuditTable").pop("PointInTimeRecoverySpecification"),
    "AU-3": lambda t: _one(t, "AWS::ApiGateway::Stage")["Properties"].pop("AccessLogSetting"),
    "AU-4": lambda t: _props(t, "ImagesBucket").pop("LoggingConfiguration"),
    "AC-1": lambda t: _one(t, "AWS::ApiGateway::Method", "readsGET")["Properties"].update(AuthorizationType="NONE"),
    "AC-2": lambda t: _one(t, "AWS::ApiGateway::RestApi")["Properties"].pop("Policy"),
    "AC-3": _wildcard_action,
    "AC-4": lambda t: _props(t, "ImagesBucket")["PublicAccessBlockConfiguration"].update(BlockPublicPolicy=False),
    "IA-1": lambda t: _one(t, "AWS::IAM::Role", "OfficerRole")["Properties"]["AssumeRolePolicyDocument"]["Statement"][
        0
    ].pop("Condition"),
    "IA-2": lambda t: _api_function(t)["Environment"]["Variables"].pop("USERS_TABLE_NAME"),
    "SC-1": lambda t: _props(t, "ReadsTable")["SSESpecification"].pop("KMSMasterKeyId"),
    "SC-2": lambda t: _props(t, "ImagesBucket").pop("BucketEncryption"),
    "SC-3": lambda t: _props(t, "AlertTopic").pop("KmsMasterKeyId"),
    "SC-4": lambda t: _one(t, "AWS::KMS::Key", "AuditKey")["Properties"].update(EnableKeyRotation=False),
    "SC-5": _strip_tls_denies,
    "SC-6": _drop_queue_policy,
    "MP-1": lambda t: _props(t, "ReadsTable").pop("TimeToLiveSpecification"),
    "MP-2": lambda t: _props(t, "ImagesBucket").pop("LifecycleConfiguration"),
    "MP-3": lambda t: _props(t, "ImagesBucket").update(ReplicationConfiguration={"Role": "x", "Rules": []}),
    "MP-4": lambda t: _one(t, "AWS::Logs::LogGroup", "ApiApiFunctionLogs")["Properties"].update(RetentionInDays=400),
    "MP-5": lambda t: _props(t, "UsersTable").pop("PointInTimeRecoverySpecification"),
    "IR-1": lambda t: _props(t, "IngestQueue").pop("RedrivePolicy"),
    "MA-1": _drop_topic_policy,
    "CF-1": _foreign_key_grant,
    "CF-2": lambda t: _props(t, "AuditBucket").pop("BucketEncryption"),
    "CF-3": lambda t: _props(t, "AuditBucket").pop("ObjectLockConfiguration"),
    "CF-4": lambda t: _one(t, "AWS::ApiGateway::Stage")["Properties"].pop("TracingEnabled"),
    "CF-5": lambda t: _props(t, "HotListTable").pop("TimeToLiveSpecification"),
}


def _statuses(raw: Template) -> dict[str, str]:
    return {result.control.id: result.status for result in evaluate(raw)}


@pytest.fixture(scope="module")
def report(synth: Synthesized) -> ComplianceReport:
    return build_report(synth.template_path, now=datetime(2026, 11, 24, 12, 0, tzinfo=UTC))


def test_every_evaluated_control_has_a_mutation_test() -> None:
    assert set(MUTATIONS) == {c.id for c in CONTROLS if c.check is not None}


def test_synthesized_template_passes_every_control(synth: Synthesized) -> None:
    # Given the stack as synthesized / When the controls are evaluated
    statuses = _statuses(synth.raw)
    # Then nothing fails; code-side or contract-side parts are partial; contract rows are contract-only
    assert "failing" not in statuses.values(), [r.problems for r in evaluate(synth.raw) if r.problems]
    assert {statuses[c.id] for c in CONTRACT_ONLY} == {"contract-only"}
    assert statuses["IA-2"] == "partial" and statuses["AU-1"] == "enforced"


@pytest.mark.parametrize("control_id", sorted(MUTATIONS))
def test_removing_the_evidence_flips_the_row_to_failing(synth: Synthesized, control_id: str) -> None:
    # Given a copy of the template missing the property this row rests on
    mutated = copy.deepcopy(synth.raw)
    MUTATIONS[control_id](mutated)
    # When re-evaluated
    results = {r.control.id: r for r in evaluate(mutated)}
    # Then that row fails, says why, and contract-only rows are untouched
    assert results[control_id].status == "failing"
    assert results[control_id].problems
    assert {results[c.id].status for c in CONTRACT_ONLY} == {"contract-only"}


def test_rows_carry_resource_property_value_evidence(report: ComplianceReport) -> None:
    rows = {row["id"]: row for row in report.rows}
    assert {"resource": "AuditBucket", "property": "ObjectLockConfiguration.Rule.DefaultRetention.Mode",
            "value": "COMPLIANCE"} in rows["AU-1"]["evidence"]  # fmt: skip
    assert all(row["evidence"] for row in report.rows if row["status"] != "contract-only")
    assert json.loads(json.dumps(report.rows)) == report.rows  # controls.json is plain JSON


def test_report_includes_both_nag_packs_with_reasons_and_a_clean_lint(report: ComplianceReport) -> None:
    assert [p.pack for p in report.nag] == ["AwsSolutions", "NIST.800.53.R5"]
    assert all(p.report_file and p.suppressed and not p.non_compliant for p in report.nag)
    # Every acknowledged finding appears with its reason and the logical ID a reviewer can find
    for pack in report.nag:
        assert all(len(f.reason) >= 40 for f in pack.suppressed)
    replication = [f for f in report.nag[1].suppressed if f.rule_id == "NIST.800.53.R5-S3BucketReplicationEnabled"]
    assert {"ImagesBucket", "AuditBucket"} <= {f.logical_id for f in replication}
    assert report.lint_errors == []
    assert report.passed


def test_html_report_shows_matrix_nag_lint_and_checklist(report: ComplianceReport) -> None:
    # When the HTML is rendered
    page = render_html(report)
    # Then it has one matrix row per control, with its status, and the evidence resources
    for row in report.rows:
        assert f'data-control="{row["id"]}" data-status="{row["status"]}"' in page
    assert "<code>AuditBucket</code>" in page and "COMPLIANCE" in page
    assert 'id="cdk-nag"' in page and 'data-pack="AwsSolutions"' in page and 'data-pack="NIST.800.53.R5"' in page
    assert "Deliberately no AWS Backup plan" in page  # a suppression reason, verbatim
    assert 'id="cfn-lint"' in page and 'id="checklist"' in page
    assert "CJIS Security Addendum" in page and "Overall: PASS" in page
    assert "<script" not in page  # static, self-contained


def test_a_failing_row_is_visible_in_both_renderings(synth: Synthesized, report: ComplianceReport) -> None:
    # Given a template whose images bucket lost its customer-managed key
    mutated = copy.deepcopy(synth.raw)
    MUTATIONS["SC-2"](mutated)
    broken = ComplianceReport(
        report.generated_at, report.template_file, report.template_sha256, evaluate(mutated), report.nag, report.lint
    )
    # Then the report fails overall and names the missing property
    assert not broken.passed
    page, markdown = render_html(broken), render_markdown(broken)
    assert 'data-control="SC-2" data-status="failing"' in page and "Overall: FAIL" in page
    assert "ImagesBucket.BucketEncryption" in page and "**failing**" in markdown


def test_cli_writes_the_three_files_from_an_existing_assembly(synth: Synthesized, tmp_path: Path) -> None:
    import argparse

    # When `plateguard report compliance --assembly <cdk.out> --no-lint --out DIR` runs
    code = run_compliance_report(argparse.Namespace(out=tmp_path, assembly=synth.outdir, no_lint=True))
    # Then it succeeds and writes the Markdown, HTML and JSON reports
    assert code == 0
    rows = json.loads((tmp_path / "controls.json").read_text())
    assert {"id", "area", "title", "status", "evidence"} <= set(rows[0])
    assert {row["status"] for row in rows} <= {"enforced", "partial", "contract-only", "failing"}
    assert (tmp_path / "compliance.md").read_text().startswith("# PlateGuard compliance report")
    assert (tmp_path / "compliance.html").read_text().startswith("<!DOCTYPE html>")


def test_write_report_outputs_match_the_renderers(report: ComplianceReport, tmp_path: Path) -> None:
    paths = write_report(report, tmp_path / "out")
    assert [p.name for p in paths] == ["compliance.md", "compliance.html", "controls.json"]
    assert paths[1].read_text() == render_html(report)


def test_docs_list_every_control() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "compliance.md").read_text()
    assert all(f"**{c.id}" in docs or f"| {c.id} |" in docs for c in (*CONTROLS, *CONTRACT_ONLY))
