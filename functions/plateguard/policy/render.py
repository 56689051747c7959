"""Render the usage and privacy policy (SB 34's seven elements) from the policy file and enforcement code.

One structure (sections of blocks) renders to Markdown and to HTML, so both always say the same. Each
section carries a marker (`<!-- sb34:N -->`) that `plateguard policy check --published` compares.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from plateguard import schema
from plateguard.models.sweep import SWEEP_BATCH_SIZE, SWEEP_MAX_BATCHES
from plateguard.policy.enforcement import persists_non_hits, sweep_interval
from plateguard.policy.loader import preset_for
from plateguard.policy.model import Policy, RetentionClass, format_duration

# SB 34 (Civ. Code § 1798.90.51(b)(2)) element number -> section title.
ELEMENTS: dict[int, str] = {
    1: "Authorized purposes",
    2: "Who may access the system, and their training",
    3: "How use is monitored",
    4: "Sharing, sale and transfer",
    5: "Official custodian",
    6: "Accuracy and error correction",
    7: "Retention and destruction",
}
# The policy file section each element is built from (used to name a missing element).
ELEMENT_FIELDS: dict[int, tuple[str, ...]] = {
    1: ("purposes",),
    2: ("roles", "accounts"),
    3: ("audit",),
    4: ("sharing",),
    5: ("agency.custodian",),
    6: ("accuracy", "alerts"),
    7: ("retention",),
}
RETENTION_LABELS: dict[RetentionClass, str] = {
    RetentionClass.NON_HIT_READS: "Plate reads that matched no hot list",
    RetentionClass.HIT_READS: "Plate reads that raised a hot-list alert",
    RetentionClass.IMAGES: "Full camera images",
    RetentionClass.CROPS: "Plate crop images (never longer than their read)",
    RetentionClass.ALERTS: "Hot-list alerts",
    # The sweeper never deletes audit records (the hash chain is verified from its start): a minimum.
    RetentionClass.AUDIT_RECORDS: "Search audit records (at least)",
    RetentionClass.HOTLIST_ENTRIES: "Hot-list entries",
}


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


Block = tuple[str, "str | list[str] | Table"]  # ("p", text) | ("ul", items) | ("table", Table)


@dataclass(frozen=True)
class Section:
    element: int
    title: str
    blocks: list[Block]


def policy_digest(policy: Policy) -> str:
    canonical = json.dumps(policy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _seconds(value: int) -> str:
    return format_duration(timedelta(seconds=value))


def sections(policy: Policy) -> list[Section]:
    preset = preset_for(policy)
    r = policy.retention
    roles_table = Table(
        ["Role", "Staff or contractor", "May", "Training before access", "Refresher"],
        [
            [
                role.name,
                role.staff_type,
                ", ".join(p.value for p in role.permissions),
                f"{role.training.course} ({role.training.hours:g} h)",
                f"every {role.training.refresh_months} months",
            ]
            for role in policy.roles
        ],
    )
    grants_table = Table(
        ["Recipient", "Type", "Scopes", "Purposes", "From", "Until", "Approved by"],
        [
            [
                g.recipient_agency,
                g.recipient_type.value,
                ", ".join(s.value for s in g.scopes),
                ", ".join(g.purposes),
                g.start.isoformat(),
                g.end.isoformat(),
                g.approved_by,
            ]
            for g in policy.sharing.grants
        ],
    )
    retention_table = Table(
        ["Data", "Kept for"],
        [[RETENTION_LABELS[c], format_duration(r.of(c))] for c in RetentionClass],
    )
    prohibited: list[Block] = []
    if policy.purposes.prohibited:
        prohibited = [("p", "The system may not be used for:"), ("ul", list(policy.purposes.prohibited))]
    interval = sweep_interval(policy)
    destruction = [
        f"A retention sweeper runs every {_seconds(interval)}. It deletes every expired read (with its crop), "
        f"alert, hot-list entry and image explicitly, in batches of {SWEEP_BATCH_SIZE} "
        f"(at most {SWEEP_BATCH_SIZE * SWEEP_MAX_BATCHES} per class per run; the rest on the next run), "
        "deleting every stored version of an image so nothing can be restored.",
        "Expiry is also enforced when data is read: a record past its expiry is never returned to anyone, even "
        "before the sweeper or DynamoDB's TTL (which may run up to 48 hours late) removes it.",
        "Each sweep writes a destruction log: the class of data, how many items were destroyed and how late the "
        "oldest one was. The log never contains a plate, a read identifier or a case number.",
        "A supervisor may place a legal hold on specific reads for a case number, with a reason and an end date. "
        "Held reads, their crops and images survive the sweeper until the hold is released or ends; then normal "
        "retention resumes. Holds are listed for audit.",
    ]
    if not persists_non_hits(policy):
        destruction.insert(
            0,
            f"Because non-hit data may be kept only {format_duration(r.non_hit_reads)}, a read that matches no hot "
            "list is never stored: it is compared with the hot lists in memory and discarded with its image.",
        )
    if preset:
        destruction.append(f"Retention limits follow {preset.jurisdiction} law: {preset.citation}. {preset.summary}")

    return [
        Section(
            1,
            ELEMENTS[1],
            [
                ("p", f"{policy.agency.name} uses automated license plate recognition (ALPR) only to:"),
                ("ul", list(policy.purposes.authorized)),
                (
                    "p",
                    "Every search must state a purpose, a case number and one of these offense types: "
                    + ", ".join(policy.purposes.offense_types)
                    + ". A search without them is refused and the refusal is recorded.",
                ),
                *prohibited,
            ],
        ),
        Section(
            2,
            ELEMENTS[2],
            [
                ("table", roles_table),
                (
                    "p",
                    "Each account belongs to one person and one role. "
                    + ("A supervisor approves every account. " if policy.accounts.supervisor_approval_required else "")
                    + ("Multi-factor authentication is required. " if policy.accounts.mfa_required else "")
                    + "No account is enabled before its training is recorded; accounts unused for "
                    f"{policy.accounts.inactive_disable_days} days are disabled, and accounts are removed on "
                    "separation.",
                ),
            ],
        ),
        Section(
            3,
            ELEMENTS[3],
            [
                (
                    "p",
                    "Every access is recorded before any data is returned: when it happened, the plate or other query "
                    "terms, the username and agency, and the stated purpose. If the record cannot be written the "
                    "request is refused.",
                ),
                (
                    "p",
                    "Records form a hash chain (any change or deletion is detectable) and a copy is written to "
                    f"write-once storage locked for {schema.AUDIT_BUCKET.object_lock_days} days. Audit records are "
                    f"kept at least {format_duration(r.audit_records)}.",
                ),
                (
                    "p",
                    f"Search audits: {policy.audit.frequency}, {policy.audit.sample_size} searches sampled per period "
                    f"by the {policy.audit.auditor_role} role and signed off by the {policy.audit.approver_role} role.",
                ),
            ],
        ),
        Section(
            4,
            ELEMENTS[4],
            [
                ("p", "ALPR data is never sold, and never shared with or transferred to a private entity."),
                ("p", preset.sharing_rule if preset else "Public agencies only, under a recorded grant."),
                ("p", f"Process: {policy.sharing.process} Grants are reviewed {policy.sharing.review_frequency}."),
                ("p", f"Sharing register ({len(policy.sharing.grants)} grants, generated from the configuration):"),
                ("table", grants_table) if policy.sharing.grants else ("p", "No data is shared with any agency."),
            ],
        ),
        Section(
            5,
            ELEMENTS[5],
            [
                (
                    "p",
                    f"The official custodian is the {policy.agency.custodian.title}, {policy.agency.custodian.name} "
                    f"({policy.agency.custodian.contact}).",
                )
            ],
        ),
        Section(
            6,
            ELEMENTS[6],
            [
                ("ul", list(policy.accuracy.measures)),
                (
                    "p",
                    f"Reads below a confidence of {policy.alerts.min_confidence:g} are stored but flagged and never "
                    "raise an alert. Every alert carries the plate crop, the confidence and a reminder that the plate "
                    "must be visually confirmed before any stop.",
                ),
                ("p", f"Error correction: {policy.accuracy.error_correction}"),
            ],
        ),
        Section(7, ELEMENTS[7], [("table", retention_table), *[("p", text) for text in destruction]]),
    ]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _heading(policy: Policy) -> tuple[str, str]:
    preset = preset_for(policy)
    title = f"{policy.agency.name}: ALPR usage and privacy policy"
    basis = f" It follows the {preset.jurisdiction} preset ({preset.citation})." if preset else ""
    intro = (
        f"Revision {policy.policy_revision}. Generated by PlateGuard from the agency's policy configuration "
        f"(digest {policy_digest(policy)}), the same file that configures retention, sharing and access in the "
        f"running system.{basis}"
    )
    return title, intro


def section_markdown(section: Section) -> str:
    lines = [f"<!-- sb34:{section.element} -->", f"## {section.element}. {section.title}", ""]
    for kind, content in section.blocks:
        if kind == "p":
            lines += [str(content), ""]
        elif isinstance(content, list):
            lines += [f"- {item}" for item in content] + [""]
        elif isinstance(content, Table):
            lines.append("| " + " | ".join(content.header) + " |")
            lines.append("|" + "---|" * len(content.header))
            lines += ["| " + " | ".join(_md_cell(str(c)) for c in row) + " |" for row in content.rows]
            lines.append("")
    return "\n".join(lines)


def render_markdown(policy: Policy) -> str:
    title, intro = _heading(policy)
    parts = [f"# {title}", "", intro, ""] + [section_markdown(s) for s in sections(policy)]
    return "\n".join(parts).rstrip() + "\n"


def render_html(policy: Policy) -> str:
    title, intro = _heading(policy)
    e = html.escape
    body = [f"<h1>{e(title)}</h1>", f"<p>{e(intro)}</p>"]
    for section in sections(policy):
        body.append(f'<section id="sb34-{section.element}" data-sb34="{section.element}">')
        body.append(f"<h2>{section.element}. {e(section.title)}</h2>")
        for kind, content in section.blocks:
            if kind == "p":
                body.append(f"<p>{e(str(content))}</p>")
            elif isinstance(content, list):
                body.append("<ul>" + "".join(f"<li>{e(str(i))}</li>" for i in content) + "</ul>")
            elif isinstance(content, Table):
                head = "".join(f"<th>{e(h)}</th>" for h in content.header)
                cells = "".join(
                    "<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in content.rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left}"
        "</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_policy(policy: Policy, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, page = out_dir / "policy.md", out_dir / "policy.html"
    md.write_text(render_markdown(policy), encoding="utf-8")
    page.write_text(render_html(policy), encoding="utf-8")
    return [md, page]
