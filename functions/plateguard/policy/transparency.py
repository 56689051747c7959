"""The public transparency page: retention, sharing partners, usage counts, deletions, audit sampling.

Built from the policy file (retention, partners) and aggregate counts from the running system. Only
aggregates and agency-level facts reach the page: never a plate, a person's name or a case number.
"""

from __future__ import annotations

import html
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from plateguard.policy.enforcement import sweep_interval
from plateguard.policy.loader import preset_for
from plateguard.policy.model import Policy, RetentionClass, format_duration
from plateguard.policy.render import RETENTION_LABELS, policy_digest

# The audit event a completed search-audit sign-off is recorded under (the audit workflow writes it).
AUDIT_SAMPLE_EVENT = "SignOffSearchAudit"
_COLORS = ("#2f5d8a", "#c8553d", "#588b5e", "#8a6fb0", "#d4a72c", "#4f9da6", "#8c8c8c")


def _counter() -> defaultdict[str, int]:
    return defaultdict(int)


@dataclass
class UsageStats:
    """Aggregates only; months are 'YYYY-MM'."""

    source: str  # "local environment" | "policy file only"
    reads: defaultdict[str, int] = field(default_factory=_counter)
    hits: defaultdict[str, int] = field(default_factory=_counter)
    alerts: defaultdict[str, int] = field(default_factory=_counter)
    searches: defaultdict[str, defaultdict[str, int]] = field(default_factory=lambda: defaultdict(_counter))
    searches_denied: defaultdict[str, int] = field(default_factory=_counter)
    deleted: defaultdict[str, defaultdict[str, int]] = field(default_factory=lambda: defaultdict(_counter))
    max_lateness_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    sweeps: defaultdict[str, int] = field(default_factory=_counter)
    audit_samples: defaultdict[str, int] = field(default_factory=_counter)  # sign-offs
    audit_sampled: defaultdict[str, int] = field(default_factory=_counter)  # searches drawn for review
    audit_reviewed: defaultdict[str, int] = field(default_factory=_counter)  # findings recorded
    audit_not_justified: defaultdict[str, int] = field(default_factory=_counter)
    active_holds: int = 0

    @property
    def live(self) -> bool:
        return self.source != "policy file only"

    def add_sweep(self, entry: dict[str, Any]) -> None:
        month = str(entry.get("started_at", ""))[:7]
        self.sweeps[month] += 1
        for name, result in dict(entry.get("classes", {})).items():
            self.deleted[month][name] += int(result.get("deleted", 0))
            # Late is late whether the sweep deleted the item or found it still stored.
            lateness = max(
                float(result.get("oldest_lateness_seconds", 0)) if int(result.get("deleted", 0)) else 0.0,
                float(result.get("remaining_lateness_seconds", 0)),
            )
            self.max_lateness_seconds[month] = max(self.max_lateness_seconds[month], lateness)


def month_of(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m}"


def build_data(policy: Policy, stats: UsageStats, generated_at: datetime) -> dict[str, Any]:
    preset = preset_for(policy)
    today = generated_at.date()
    months = sorted(
        {
            *stats.reads,
            *stats.alerts,
            *stats.searches,
            *stats.searches_denied,
            *stats.deleted,
            *stats.audit_samples,
            *stats.audit_sampled,
            *stats.audit_reviewed,
        }
    )
    # Only the policy's own offense types are named; anything else (free text) is counted as "other".
    allowed = set(policy.purposes.offense_types)
    by_offense: defaultdict[str, defaultdict[str, int]] = defaultdict(_counter)
    for month, counts in stats.searches.items():
        for offense, count in counts.items():
            by_offense[offense if offense in allowed else "other"][month] += count
    offense_types = sorted(by_offense)
    return {
        "agency": policy.agency.name,
        "generated_at": f"{generated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        "policy_revision": policy.policy_revision,
        "policy_digest": policy_digest(policy),
        "jurisdiction": preset.jurisdiction if preset else None,
        "statute": preset.citation if preset else None,
        "data_source": stats.source,
        "custodian": policy.agency.custodian.title,
        "retention": [
            {
                "class": c.value,
                "label": RETENTION_LABELS[c],
                "kept_for": format_duration(policy.retention.of(c)),
                "seconds": int(policy.retention.of(c).total_seconds()),
            }
            for c in RetentionClass
        ],
        "sweeper_interval_seconds": sweep_interval(policy),
        "sweeper_interval": format_duration(timedelta(seconds=sweep_interval(policy))),
        "sharing": {
            "sale_allowed": False,
            "partners": [
                {
                    "recipient_agency": g.recipient_agency,
                    "recipient_type": g.recipient_type.value,
                    "scopes": [s.value for s in g.scopes],
                    "purposes": list(g.purposes),
                    "start": g.start.isoformat(),
                    "end": g.end.isoformat(),
                    "active": g.start <= today <= g.end,
                }
                for g in policy.sharing.grants
            ],
        },
        "usage": {
            "months": months,
            "reads": [stats.reads.get(m, 0) for m in months],
            "hits": [stats.hits.get(m, 0) for m in months],
            "alerts": [stats.alerts.get(m, 0) for m in months],
            "searches_by_offense_type": {t: [by_offense[t].get(m, 0) for m in months] for t in offense_types},
            "searches_denied": [stats.searches_denied.get(m, 0) for m in months],
        },
        "deletions": {
            "months": months,
            "deleted_by_class": {
                name: [(stats.deleted[m][name] if m in stats.deleted else 0) for m in months]
                for name in sorted({n for month in stats.deleted.values() for n in month})
            },
            "max_lateness_seconds": [round(stats.max_lateness_seconds.get(m, 0.0), 1) for m in months],
            "sweeps": [stats.sweeps.get(m, 0) for m in months],
        },
        "audit_sampling": {
            "frequency": policy.audit.frequency,
            "sample_size": policy.audit.sample_size,
            "sampled_by_month": [stats.audit_sampled.get(m, 0) for m in months],
            "reviewed_by_month": [stats.audit_reviewed.get(m, 0) for m in months],
            "not_justified_by_month": [stats.audit_not_justified.get(m, 0) for m in months],
            "sign_offs_by_month": [stats.audit_samples.get(m, 0) for m in months],
        },
        "active_legal_holds": stats.active_holds,
    }


# -- SVG charts --------------------------------------------------------------------------------------


def bar_chart(title: str, labels: list[str], series: dict[str, list[float]], unit: str = "") -> str:
    """A grouped bar chart, plain SVG (no scripts, no external fonts)."""
    legend_rows = math.ceil(len(series) / 4)  # four legend entries per row
    width, plot_h, left, top = 640, 200, 56, 36
    bottom = 26 + 16 * legend_rows
    height, plot_w = top + plot_h + bottom, width - left - 16
    peak = max([v for values in series.values() for v in values] + [1])
    group = plot_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">',
        f"<title>{e(title)}</title>",
        f'<text x="{left}" y="20" font-size="14" font-family="sans-serif">{e(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="10" text-anchor="end" font-family="sans-serif">'
        f"{peak:g}{e(unit)}</text>",
    ]
    for i, label in enumerate(labels):
        x0 = left + i * group + group * 0.1
        for j, (name, values) in enumerate(series.items()):
            value = values[i]
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar * 0.95:.1f}" height="{h:.1f}" '
                f'fill="{_COLORS[j % len(_COLORS)]}"><title>{e(name)} {e(label)}: {value:g}{e(unit)}</title></rect>'
            )
        parts.append(
            f'<text x="{x0 + group * 0.4:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle" '
            f'font-family="sans-serif">{e(label)}</text>'
        )
    for j, name in enumerate(series):
        x, y = left + (j % 4) * 150, top + plot_h + 24 + 16 * (j // 4)
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{_COLORS[j % len(_COLORS)]}"/>'
            f'<text x="{x + 14}" y="{y + 9}" font-size="10" font-family="sans-serif">{e(name)}</text>'
        )
    if not labels:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" font-size="12" text-anchor="middle" '
            'font-family="sans-serif">no data</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def retention_chart(rows: list[dict[str, Any]]) -> str:
    """Horizontal bars on a logarithmic scale (minutes to years side by side)."""
    width, row_h, left = 640, 26, 300
    height = 40 + row_h * len(rows)
    longest = math.log10(max(r["seconds"] for r in rows) + 1)
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Retention per class of data">',
        "<title>Retention per class of data</title>",
        '<text x="8" y="20" font-size="14" font-family="sans-serif">Retention per class of data (log scale)</text>',
    ]
    for i, row in enumerate(rows):
        y = 32 + i * row_h
        w = (width - left - 90) * math.log10(row["seconds"] + 1) / longest
        parts.append(
            f'<text x="{left - 8}" y="{y + 14}" font-size="11" text-anchor="end" font-family="sans-serif">'
            f"{e(row['label'])}</text>"
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row_h - 8}" fill="{_COLORS[0]}"/>'
            f'<text x="{left + w + 6:.1f}" y="{y + 14}" font-size="11" font-family="sans-serif">'
            f"{e(row['kept_for'])}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


# -- page --------------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_page(data: dict[str, Any]) -> str:
    e = html.escape
    usage, deletions, sampling = data["usage"], data["deletions"], data["audit_sampling"]
    months = usage["months"]
    searches_total = [sum(v[i] for v in usage["searches_by_offense_type"].values()) for i in range(len(months))]
    partners = data["sharing"]["partners"]
    basis = f" under {e(data['jurisdiction'])} law ({e(data['statute'])})" if data["jurisdiction"] else ""
    source_note = (
        "Counts come from the running system and include only data still inside its retention period; destroyed "
        "data is counted under Deletions."
        if data["data_source"] != "policy file only"
        else "No running system was reachable: this page was generated from the policy file alone and shows no counts."
    )
    sections = [
        f"<h1>{e(data['agency'])}: license plate reader transparency report</h1>",
        f"<p>Generated {e(data['generated_at'])} from policy revision {e(data['policy_revision'])} "
        f"(digest {e(data['policy_digest'])}){basis}. {e(source_note)}</p>",
        '<section id="retention"><h2>How long data is kept</h2>',
        _table(["Data", "Kept for"], [[r["label"], r["kept_for"]] for r in data["retention"]]),
        f"<p>Expired data is destroyed by a sweeper that runs every {e(data['sweeper_interval'])}"
        f"; {data['active_legal_holds']} legal hold(s) are active.</p>",
        '<img src="retention.svg" alt="Retention per class of data"></section>',
        '<section id="sharing"><h2>Sharing partners</h2>',
        "<p>Data is never sold. This register is generated from the sharing grants the system enforces.</p>",
        _table(
            ["Recipient agency", "Type", "Access", "Purposes", "From", "Until", "Status"],
            [
                [
                    p["recipient_agency"],
                    p["recipient_type"],
                    ", ".join(p["scopes"]),
                    ", ".join(p["purposes"]),
                    p["start"],
                    p["end"],
                    "active" if p["active"] else "inactive",
                ]
                for p in partners
            ],
        )
        if partners
        else "<p>No agency has access to this agency's data.</p>",
        "</section>",
        '<section id="usage"><h2>Reads, hits, alerts and searches per month</h2>',
        _table(
            ["Month", "Reads", "Hits", "Alerts", "Searches", "Searches refused"],
            [
                [
                    m,
                    usage["reads"][i],
                    usage["hits"][i],
                    usage["alerts"][i],
                    searches_total[i],
                    usage["searches_denied"][i],
                ]
                for i, m in enumerate(months)
            ],
        ),
        '<img src="reads.svg" alt="Reads and hits per month">',
        '<img src="searches.svg" alt="Searches per month by offense type"></section>',
        '<section id="deletions"><h2>Deletions</h2>',
        _table(
            ["Month", "Sweeps", "Items destroyed", "Latest deletion after expiry (seconds)"],
            [
                [
                    m,
                    deletions["sweeps"][i],
                    sum(v[i] for v in deletions["deleted_by_class"].values()),
                    deletions["max_lateness_seconds"][i],
                ]
                for i, m in enumerate(months)
            ],
        ),
        '<img src="deletions.svg" alt="Deletion latency per month"></section>',
        '<section id="audits"><h2>Search audits</h2>',
        f"<p>Policy: {e(sampling['frequency'])} audits of {sampling['sample_size']} sampled searches.</p>",
        _table(
            ["Month", "Searches sampled", "Reviewed", "Not justified", "Audit sign-offs"],
            [
                [
                    m,
                    sampling["sampled_by_month"][i],
                    sampling["reviewed_by_month"][i],
                    sampling["not_justified_by_month"][i],
                    sampling["sign_offs_by_month"][i],
                ]
                for i, m in enumerate(months)
            ],
        ),
        "</section>",
        f"<p>Questions: contact the {e(data['custodian'])}. Machine-readable data: "
        '<a href="data.json">data.json</a>. The full usage and privacy policy is published beside this report.</p>',
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(data['agency'])}: ALPR transparency report</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left}"
        "img{max-width:100%;display:block;margin:1rem 0}</style></head><body>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )


def write_transparency(
    policy: Policy, stats: UsageStats, out_dir: Path, generated_at: datetime | None = None
) -> list[Path]:
    data = build_data(policy, stats, generated_at or datetime.now(UTC))
    out_dir.mkdir(parents=True, exist_ok=True)
    usage, deletions = data["usage"], data["deletions"]
    files = {
        "index.html": render_page(data),
        "data.json": json.dumps(data, indent=2) + "\n",
        "retention.svg": retention_chart(data["retention"]),
        "reads.svg": bar_chart(
            "Reads and hits per month", usage["months"], {"reads": usage["reads"], "hits": usage["hits"]}
        ),
        "searches.svg": bar_chart(
            "Searches per month by offense type", usage["months"], usage["searches_by_offense_type"]
        ),
        "deletions.svg": bar_chart(
            "Latest deletion after expiry, per month",
            deletions["months"],
            {"seconds late": deletions["max_lateness_seconds"]},
            " s",
        ),
    }
    written = []
    for name, content in files.items():
        path = out_dir / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
