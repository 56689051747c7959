"""Build the compliance report from a synthesized assembly and render it as Markdown, HTML and JSON.

`synthesize` runs `python app.py` into a temporary directory (offline, no credentials) with stub
Lambda layers: layer contents change no control, and building the real ones needs PyPI.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plateguard.compliance.controls import ControlResult, evaluate
from plateguard.compliance.lint import LintMatch, lint_template
from plateguard.compliance.nag import NagPackResult, read_nag_reports
from plateguard.compliance.usage import RoleUsage, load_calls, permission_usage

REPO_ROOT = Path(__file__).resolve().parents[3]
STACK_NAME = "PlateGuard"
LAYER_NAMES = ("recognition", "runtime")  # cdk.packaging.LAYERS; cdk/ is not importable from Lambda code
STATUSES = ("enforced", "partial", "contract-only", "failing")


class SynthesisFailed(RuntimeError):
    pass


def synthesize(outdir: Path, repo_root: Path = REPO_ROOT, timeout_s: int = 300) -> Path:
    """Run the CDK app into `outdir`; return the stack template's path."""
    layers = outdir / "_stub_layers"
    for name in LAYER_NAMES:
        (layers / name / "python").mkdir(parents=True, exist_ok=True)
        (layers / name / "python" / "stub.py").write_text("# compliance-report stub layer\n")
    env = os.environ | {
        "CDK_OUTDIR": str(outdir),
        "PLATEGUARD_LAYERS_DIR": str(layers),
        "CDK_VALIDATION": "false",  # cfn-lint runs separately and its result is part of the report
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)  # proves synthesis needs no credentials
    done = subprocess.run(  # noqa: S603 - our own app.py with this interpreter
        [sys.executable, str(repo_root / "app.py")],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    template = outdir / f"{STACK_NAME}.template.json"
    # app.py exits 1 on unacknowledged cdk-nag findings but still writes the assembly: report them.
    if not template.is_file():
        raise SynthesisFailed(f"synthesis wrote no template (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return template


@dataclass(frozen=True)
class ComplianceReport:
    generated_at: datetime
    template_file: str
    template_sha256: str
    controls: list[ControlResult]
    nag: list[NagPackResult]
    lint: list[LintMatch]
    # Grants no recorded AWS call used, per function (None: no record of calls was found).
    permission_usage: list[RoleUsage] | None = None
    aws_calls_file: str = ""  # the record it was computed from (local mode's aws-calls.json)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [result.as_row() for result in self.controls]

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for result in self.controls:
            counts[result.status] += 1
        return counts

    @property
    def lint_errors(self) -> list[LintMatch]:
        return [m for m in self.lint if m.level == "error"]

    @property
    def passed(self) -> bool:
        """No failing control, no unacknowledged cdk-nag finding, no cfn-lint error, both packs ran."""
        return (
            not any(r.status == "failing" for r in self.controls)
            and all(p.report_file and not p.non_compliant for p in self.nag)
            and not self.lint_errors
        )


def build_report(
    template_path: Path, *, run_lint: bool = True, now: datetime | None = None, aws_calls: Path | None = None
) -> ComplianceReport:
    body = template_path.read_bytes()
    record = load_calls(aws_calls) if aws_calls is not None else None
    return ComplianceReport(
        generated_at=now or datetime.now(UTC),
        template_file=template_path.name,
        template_sha256=hashlib.sha256(body).hexdigest(),
        controls=evaluate(json.loads(body)),
        nag=read_nag_reports(template_path.parent),
        lint=lint_template(template_path) if run_lint else [],
        permission_usage=permission_usage(json.loads(body), record) if record is not None else None,
        aws_calls_file=str(aws_calls or ""),
    )


def suppressions_by_reason(pack: NagPackResult) -> list[tuple[str, str, list[str]]]:
    """(rule, reason, resources): one line per acknowledged exception instead of one per resource."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for finding in pack.suppressed:
        grouped[(finding.rule_id, finding.reason)].append(finding.logical_id or finding.resource_path)
    return [(rule, reason, sorted(set(resources))) for (rule, reason), resources in sorted(grouped.items())]


def controls_json(report: ComplianceReport) -> str:
    return json.dumps(report.rows, indent=2, default=str) + "\n"


def _value(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- Markdown -----------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: ComplianceReport) -> str:
    counts = report.status_counts()
    out = [
        "# PlateGuard compliance report",
        "",
        f"Generated {report.generated_at.isoformat(timespec='seconds')} from `{report.template_file}` "
        f"(SHA-256 `{report.template_sha256}`). Every status below is computed from that template; "
        "see docs/compliance.md for how.",
        "",
        f"**Overall: {'PASS' if report.passed else 'FAIL'}** — " + ", ".join(f"{counts[s]} {s}" for s in STATUSES),
        "",
        "## 1. Control matrix",
        "",
        "| ID | Area | Control | Status | Evidence (resource · property = value) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in report.rows:
        evidence = "<br>".join(
            f"`{e['resource']}` · `{e['property']}` = `{_md(_value(e['value'], 80))}`" for e in row["evidence"][:6]
        )
        if len(row["evidence"]) > 6:
            evidence += f"<br>… {len(row['evidence']) - 6} more in controls.json"
        notes = [*row["problems"], row["note"]] if row["status"] != "enforced" else []
        detail = "<br>".join(_md(n) for n in notes if n)
        out.append(
            f"| {row['id']} | {row['area']} | {_md(row['title'])} | **{row['status']}** | "
            f"{evidence}{'<br>' if evidence and detail else ''}{detail} |"
        )
    out += ["", "## 2. cdk-nag (AwsSolutions, NIST 800-53 R5)", ""]
    for pack in report.nag:
        counts_text = ", ".join(f"{n} {k}" for k, n in sorted(pack.counts.items())) or "no rows"
        out += [f"### {pack.pack}", "", f"Report file: `{pack.report_file or 'MISSING'}` — {counts_text}.", ""]
        if pack.non_compliant:
            out += ["**Unacknowledged findings:**", ""]
            out += [f"- `{f.rule_id}` on `{f.logical_id or f.resource_path}`: {f.info}" for f in pack.non_compliant]
            out.append("")
        out += ["| Rule | Acknowledged on | Reason |", "| --- | --- | --- |"]
        for rule, reason, resources in suppressions_by_reason(pack):
            out.append(f"| `{rule}` | {', '.join(f'`{r}`' for r in resources)} | {_md(reason)} |")
        out.append("")
    out += ["## 3. cfn-lint", ""]
    if not report.lint:
        out.append("No findings.")
    else:
        out += ["| Rule | Level | Line | Message |", "| --- | --- | --- | --- |"]
        out += [f"| `{m.rule_id}` | {m.level} | {m.line} | {_md(m.message)} |" for m in report.lint]
    out += ["", "## 4. Reviewer's checklist: what the contract must cover", ""]
    for row in report.rows:
        if row["checklist"]:
            out.append(f"- [ ] **{row['id']}** {row['title']} — {row['note']}")
    out += ["", "## 5. Permissions granted but not used", "", _usage_intro(report), ""]
    for usage in report.permission_usage or []:
        out.append(f"### `{usage.handler}` (role `{usage.role}`, {usage.calls} recorded calls)")
        out.append("")
        out += [f"- `{action}` on `{resource}`" for action, resource in usage.unused] or [
            "- none: every grant was used"
        ]
        if usage.service_used:
            used = ", ".join(f"`{a}`" for a in sorted({a for a, _ in usage.service_used}))
            out.append(f"- used by the Lambda service for the function, not by its code: {used}")
        out.append("")
    return "\n".join(out) + "\n"


def _usage_intro(report: ComplianceReport) -> str:
    if report.permission_usage is None:
        return (
            f"No record of AWS calls{' at ' + report.aws_calls_file if report.aws_calls_file else ''}: run "
            "`make demo` (local mode writes `.plateguard/aws-calls.json`) to list the permissions each function "
            "role is granted that no call used."
        )
    return (
        f"From the AWS calls local mode recorded (`{report.aws_calls_file}`): for each function role, the "
        "grants no recorded call fell under. A grant listed here is either needed only by a path the record "
        "did not exercise or can be removed."
    )


# -- HTML ---------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1400px;color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f0f0f0} code{font-size:.85em;word-break:break-all}
.status{font-weight:bold;white-space:nowrap}
.enforced{color:#0a6b2d}.partial{color:#8a5a00}.contract-only{color:#3b4a9e}.failing{color:#b00020}
.problem{color:#b00020}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def render_html(report: ComplianceReport) -> str:
    counts = report.status_counts()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>PlateGuard compliance report</title>',
        f"<style>{_CSS}</style></head><body>",
        "<h1>PlateGuard compliance report</h1>",
        f"<p>Generated {_e(report.generated_at.isoformat(timespec='seconds'))} from <code>{_e(report.template_file)}"
        f"</code> (SHA-256 <code>{_e(report.template_sha256)}</code>). "
        "Every status is computed from that template.</p>",
        f'<p id="overall" class="{"enforced" if report.passed else "failing"}"><strong>Overall: '
        f"{'PASS' if report.passed else 'FAIL'}</strong> — "
        + ", ".join(f'<span class="{s}">{counts[s]} {s}</span>' for s in STATUSES)
        + "</p>",
        '<h2 id="controls">1. Control matrix</h2>',
        '<table id="control-matrix"><thead><tr><th>ID</th><th>Area</th><th>Control</th><th>Status</th>'
        "<th>Evidence</th><th>Notes</th></tr></thead><tbody>",
    ]
    for row in report.rows:
        evidence = "<br>".join(
            f"<code>{_e(e['resource'])}</code> · <code>{_e(e['property'])}</code> = "
            f"<code>{_e(_value(e['value']))}</code>"
            for e in row["evidence"]
        )
        notes = "".join(f'<div class="problem">{_e(p)}</div>' for p in row["problems"])
        if row["note"]:
            notes += f"<div>{_e(row['note'])}</div>"
        refs = _e(", ".join(row["references"]))
        parts.append(
            f'<tr data-control="{_e(row["id"])}" data-status="{_e(row["status"])}"><td>{_e(row["id"])}</td>'
            f"<td>{_e(row['area'])}</td><td>{_e(row['title'])}<br><small>{refs}</small></td>"
            f'<td class="status {_e(row["status"])}">{_e(row["status"])}</td><td>{evidence}</td><td>{notes}</td></tr>'
        )
    parts += ["</tbody></table>", '<h2 id="cdk-nag">2. cdk-nag (AwsSolutions, NIST 800-53 R5)</h2>']
    for pack in report.nag:
        counts_text = ", ".join(f"{n} {k}" for k, n in sorted(pack.counts.items())) or "no rows"
        parts.append(
            f"<h3>{_e(pack.pack)}</h3><p>Report file <code>{_e(pack.report_file or 'MISSING')}</code>: "
            f"{_e(counts_text)}.</p>"
        )
        if pack.non_compliant:
            parts.append(
                '<ul class="problem">'
                + "".join(
                    f"<li><code>{_e(f.rule_id)}</code> on <code>{_e(f.logical_id or f.resource_path)}</code>: "
                    f"{_e(f.info)}</li>"
                    for f in pack.non_compliant
                )
                + "</ul>"
            )
        parts.append(
            f'<table class="nag-suppressions" data-pack="{_e(pack.pack)}"><thead><tr><th>Rule</th>'
            "<th>Acknowledged on</th><th>Reason</th></tr></thead><tbody>"
        )
        for rule, reason, resources in suppressions_by_reason(pack):
            parts.append(
                f"<tr><td><code>{_e(rule)}</code></td><td>{'<br>'.join(f'<code>{_e(r)}</code>' for r in resources)}"
                f"</td><td>{_e(reason)}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append('<h2 id="cfn-lint">3. cfn-lint</h2>')
    if report.lint:
        parts.append(
            '<table id="lint"><thead><tr><th>Rule</th><th>Level</th><th>Line</th><th>Message</th></tr></thead><tbody>'
        )
        parts += [
            f"<tr><td><code>{_e(m.rule_id)}</code></td><td>{_e(m.level)}</td><td>{m.line}</td><td>{_e(m.message)}</td></tr>"
            for m in report.lint
        ]
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No findings.</p>")
    parts += ['<h2 id="checklist">4. Reviewer\'s checklist: what the contract must cover</h2>', "<ul>"]
    for row in report.rows:
        if row["checklist"]:
            parts.append(
                f'<li data-control="{_e(row["id"])}"><input type="checkbox" disabled> <strong>{_e(row["id"])}</strong> '
                f"{_e(row['title'])} — {_e(row['note'])}</li>"
            )
    parts += ["</ul>", '<h2 id="unused-permissions">5. Permissions granted but not used</h2>']
    parts.append(f"<p>{_e(_usage_intro(report))}</p>")
    for usage in report.permission_usage or []:
        parts.append(
            f'<h3 data-role="{_e(usage.role)}"><code>{_e(usage.handler)}</code> (role <code>{_e(usage.role)}'
            f"</code>, {usage.calls} recorded calls)</h3><ul>"
        )
        parts += [f"<li><code>{_e(a)}</code> on <code>{_e(r)}</code></li>" for a, r in usage.unused] or [
            "<li>none: every grant was used</li>"
        ]
        if usage.service_used:
            used = ", ".join(sorted({a for a, _ in usage.service_used}))
            parts.append(f"<li>used by the Lambda service for the function, not by its code: {_e(used)}</li>")
        parts.append("</ul>")
    parts += ["</body></html>"]
    return "\n".join(parts) + "\n"


def write_report(report: ComplianceReport, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        out_dir / "compliance.md",
        out_dir / "compliance.html",
        out_dir / "controls.json",
    ]
    written[0].write_text(render_markdown(report))
    written[1].write_text(render_html(report))
    written[2].write_text(controls_json(report))
    return written
