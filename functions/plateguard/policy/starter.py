"""`plateguard policy init`: a first policy file for a real agency, from its state's preset.

The file is complete (it passes `plateguard policy check`) so that an agency starts from something that
validates the same way as the finished one, but the people and the processes are the agency's to write:
those values start with PLACEHOLDER ("TO COMPLETE"), which `make deploy` refuses, and every choice that
is a default rather than a statute is said in a comment next to it.
"""

from __future__ import annotations

import re
import textwrap
from datetime import date, timedelta
from typing import Any

import yaml

from plateguard.policy.loader import parse_policy
from plateguard.policy.model import format_duration, parse_duration
from plateguard.policy.presets import PRESETS, Preset

# What the agency must replace before adopting the policy (make deploy refuses a file that has it).
PLACEHOLDER = "TO COMPLETE"

# Retention PlateGuard proposes where the statute sets none (hit reads, alerts, audit, hot-list entries).
_HIT_READS = timedelta(days=365)
_ALERTS = timedelta(days=365)
_AUDIT_RECORDS = timedelta(days=730)  # CJIS asks for at least one year
_HOTLIST_ENTRIES = timedelta(days=30)

_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


class StarterError(ValueError):
    pass


def supported_states() -> dict[str, Preset]:
    """Two-letter state code -> its preset."""
    return {preset.state: preset for preset in PRESETS.values()}


def preset_for_state(state: str) -> Preset:
    """`CA`, `ca` or the preset key (`california`); StarterError listing the supported ones otherwise."""
    wanted = state.strip()
    by_state = supported_states()
    preset = by_state.get(wanted.upper()) or PRESETS.get(wanted.lower())
    if preset is None:
        listed = ", ".join(f"{code} ({p.jurisdiction})" for code, p in sorted(by_state.items()))
        raise StarterError(f"no preset for state {state!r}; supported: {listed}")
    return preset


def agency_slug(name: str) -> str:
    """`City of Oakland Police Dept.` -> `city-of-oakland-police-dept` (the Slug of policy/model.py)."""
    slug = _SLUG_CHARS.sub("-", name.lower()).strip("-")[:64].rstrip("-")
    if not slug:
        raise StarterError(f"cannot derive an agency id from {name!r}: pass --agency-id")
    return slug


def _role(name: str, description: str, permissions: list[str], course: str, hours: float) -> dict[str, Any]:
    training = {"course": f"{PLACEHOLDER}: {course}", "hours": hours, "refresh_months": 12}
    return {"name": name, "description": description, "permissions": permissions, "training": training}


def starter_sections(preset: Preset, agency: str, agency_id: str, today: date) -> list[tuple[str, dict[str, Any]]]:
    """(comment, section) pairs in file order; together a policy that parse_policy accepts."""
    non_hit = parse_duration(preset.defaults["retention"]["non_hit_reads"])
    hit = max(_HIT_READS, non_hit)  # hit reads are never kept shorter than non-hit reads
    return [
        (
            f"PlateGuard policy for {agency} ({preset.jurisdiction}), written by `plateguard policy init`.\n"
            f"Preset {preset.key!r}: {preset.citation}.\n"
            f"Replace every '{PLACEHOLDER}' value (make deploy refuses the file until then), review every default\n"
            "with counsel, then: plateguard policy check --policy THIS_FILE",
            {"version": 1, "extends": preset.key, "policy_revision": today.isoformat()},
        ),
        (
            "The official custodian of the ALPR system and its data (SB 34 element 5 in California).",
            {
                "agency": {
                    "id": agency_id,
                    "name": agency,
                    "state": preset.state,
                    "custodian": {
                        "title": f"{PLACEHOLDER}: custodian's title",
                        "name": f"{PLACEHOLDER}: custodian's name",
                        "contact": f"{PLACEHOLDER}: custodian's e-mail and phone",
                    },
                }
            },
        ),
        (
            "What searches are for. A search must name one of offense_types (and a case number).",
            {
                "purposes": {
                    "authorized": [
                        "Locating stolen vehicles and stolen license plates",
                        "Locating vehicles associated with wanted persons, missing persons and AMBER alerts",
                        "Investigating specific felonies listed under offense_types, with a case number",
                    ],
                    "offense_types": [
                        "stolen-vehicle",
                        "homicide",
                        "robbery",
                        "kidnapping",
                        "missing-person",
                        "amber-alert",
                        "hit-and-run",
                        "carjacking",
                    ],
                    "prohibited": [
                        "Immigration enforcement",
                        "Monitoring lawful protest, religious or political activity",
                        "Personal use, or any search without a case number and offense type",
                    ],
                }
            },
        ),
        (
            "Who may use the system, with what permissions and training (audit roles must be listed here).",
            {
                "roles": [
                    _role(
                        "officer",
                        "Sworn officers who search reads for an open case and receive hot-list alerts",
                        ["search-reads", "receive-alerts"],
                        "ALPR user training (law, policy, visual confirmation)",
                        2,
                    ),
                    _role(
                        "supervisor",
                        "Supervisors who approve accounts, place legal holds and sign off search audits",
                        ["search-reads", "receive-alerts", "manage-hotlists", "place-holds", "manage-users"],
                        "ALPR supervisor training",
                        3,
                    ),
                    _role(
                        "auditor",
                        "Staff outside the chain of command of the searchers who sample and review searches",
                        ["review-audit"],
                        "ALPR audit procedures",
                        2,
                    ),
                ]
            },
        ),
        (
            f"Non-hit reads, crops and frames: the {preset.jurisdiction} default ({preset.summary})\n"
            "The other periods are PlateGuard's proposals, not statute: shorten them if you can.",
            {
                "retention": {
                    "non_hit_reads": format_duration(non_hit),
                    "hit_reads": format_duration(hit),
                    "images": preset.defaults["retention"]["images"],
                    "crops": preset.defaults["retention"]["crops"],
                    "alerts": format_duration(max(_ALERTS, non_hit)),
                    "audit_records": format_duration(max(_AUDIT_RECORDS, hit)),
                    "hotlist_entries": format_duration(_HOTLIST_ENTRIES),
                }
            },
        ),
        (
            "Search audits: a sample of searches each period, reviewed by the auditor and signed off.",
            {
                "audit": {
                    "frequency": "monthly",
                    "sample_size": 25,
                    "auditor_role": "auditor",
                    "approver_role": "supervisor",
                },
                "accounts": {"inactive_disable_days": 90, "supervisor_approval_required": True, "mfa_required": True},
            },
        ),
        (
            f"Sharing: {preset.sharing_rule}\nNo grant yet; each approved one is added under grants.",
            {
                "sharing": {
                    "sale_allowed": False,
                    "process": f"{PLACEHOLDER}: who receives a sharing request, who approves it, and how an "
                    "approved grant is recorded here and published",
                    "review_frequency": "quarterly",
                    "grants": [],
                }
            },
        ),
        (
            "Alerts and accuracy: every alert is confirmed visually against the crop before any action.",
            {
                "alerts": {"min_confidence": 0.8, "visual_confirmation_required": True, "channels": ["push"]},
                "accuracy": {
                    "measures": [
                        "Every alert carries the plate crop and read confidence; reads below the alert "
                        "threshold never alert",
                        "Officers visually confirm the plate and state against the crop before any stop",
                        "Hot-list entries expire and are refreshed from their source list",
                    ],
                    "error_correction": f"{PLACEHOLDER}: how a reported misread is corrected, by whom and how fast",
                },
            },
        ),
    ]


def starter_policy(state: str, agency: str, agency_id: str | None = None, today: date | None = None) -> str:
    """The YAML text of a first policy for `agency` in `state`; it passes the same validation as `check`."""
    if not agency.strip():
        raise StarterError("--agency must name the agency")
    preset = preset_for_state(state)
    slug = agency_slug(agency) if agency_id is None else agency_id
    sections = starter_sections(preset, agency.strip(), slug, today or date.today())
    parse_policy({key: value for _, section in sections for key, value in section.items()})  # raises if invalid
    parts = []
    for comment, section in sections:
        wrapped = [w for line in comment.splitlines() for w in textwrap.wrap(line, 108) or [""]]
        lines = "\n".join(f"# {line}" if line else "#" for line in wrapped)
        body = yaml.safe_dump(section, sort_keys=False, allow_unicode=True, width=110)
        parts.append(f"{lines}\n{body}")
    return "\n".join(parts)
