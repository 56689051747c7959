"""`policy check`: is the policy complete (every SB 34 element) and does the published text match it?"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from pydantic import ValidationError

from plateguard.policy.enforcement import (
    alert_routes_environment,
    api_environment,
    ingest_environment,
    unenforced_scopes,
)
from plateguard.policy.loader import PolicyError, PolicyProblem, load_policy
from plateguard.policy.model import Policy
from plateguard.policy.render import ELEMENT_FIELDS, ELEMENTS, render_html, section_markdown, sections

_MD_MARKER = re.compile(r"^<!-- sb34:(\d+) -->$", re.MULTILINE)
_HTML_SECTION = re.compile(r'<section id="sb34-(\d+)"[^>]*>.*?</section>', re.DOTALL)


def _element_of(field: str) -> int | None:
    for element, prefixes in ELEMENT_FIELDS.items():
        if any(field == p or field.startswith((f"{p}.", f"{p}[")) for p in prefixes):
            return element
    return None


def describe(problem: PolicyProblem) -> str:
    """Name the SB 34 element a problem belongs to, and whether it is missing or incomplete."""
    element = _element_of(problem.field)
    if element is None:
        return str(problem)
    prefixes = ELEMENT_FIELDS[element]
    missing = problem.rule == "Field required" and any(problem.field == p for p in prefixes)
    state = "missing" if missing else "incomplete"
    return f"SB 34 element {element} ({ELEMENTS[element]}) {state}: {problem}"


def _first_difference(expected: str, found: str) -> str:
    for line in difflib.unified_diff(expected.splitlines(), found.splitlines(), lineterm="", n=0):
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++")):
            return line
    return "(whitespace)"


def published_problems(policy: Policy, published: Path) -> list[str]:
    problems: list[str] = []
    expected = {s.element: section_markdown(s) for s in sections(policy)}
    md_path = published / "policy.md"
    if not md_path.exists():
        problems.append(f"{md_path}: the published policy is missing")
    else:
        text = md_path.read_text(encoding="utf-8")
        markers = list(_MD_MARKER.finditer(text))
        found: dict[int, str] = {}
        for i, marker in enumerate(markers):
            end = markers[i + 1].start() if i + 1 < len(markers) else len(text)
            found[int(marker.group(1))] = text[marker.start() : end].strip()
        for element, section in expected.items():
            label = f"SB 34 element {element} ({ELEMENTS[element]})"
            if element not in found:
                problems.append(f"{md_path}: {label} is missing from the published policy")
            elif found[element] != section.strip():
                diff = _first_difference(section.strip(), found[element])
                problems.append(f"{md_path}: {label} differs from the configuration (first difference: {diff!r})")
    html_path = published / "policy.html"
    if not html_path.exists():
        problems.append(f"{html_path}: the published policy is missing")
    else:
        want = {int(m.group(1)): m.group(0) for m in _HTML_SECTION.finditer(render_html(policy))}
        have = {int(m.group(1)): m.group(0) for m in _HTML_SECTION.finditer(html_path.read_text(encoding="utf-8"))}
        for element, section_html in want.items():
            label = f"SB 34 element {element} ({ELEMENTS[element]})"
            if element not in have:
                problems.append(f"{html_path}: {label} is missing from the published policy")
            elif have[element] != section_html:
                problems.append(f"{html_path}: {label} differs from the configuration")
    return problems


# Required settings that do not come from the policy (resource names CDK sets): placeholders here.
_RESOURCE_PLACEHOLDERS = {
    "READS_TABLE_NAME": "t",
    "IMAGES_TABLE_NAME": "t",
    "CAMERAS_TABLE_NAME": "t",
    "HOTLIST_TABLE_NAME": "t",
    "ALERTS_TABLE_NAME": "t",
    "HOTLISTS_TABLE_NAME": "t",
    "SUBSCRIPTIONS_TABLE_NAME": "t",
    "USERS_TABLE_NAME": "t",
    "AUDIT_TABLE_NAME": "t",
    "IMAGES_BUCKET_NAME": "b",
    "AUDIT_BUCKET_NAME": "b",
    "ALERT_TOPIC_ARN": "arn",
    "PAGINATION_KMS_KEY_ID": "k",
    "SUPERVISOR_TOPIC_ARN": "arn",
    "HOLDS_TABLE_NAME": "t",
    "REVIEWS_TABLE_NAME": "t",
    "CAMERA_IOT_POLICY_NAME": "p",
    "CAMERA_ROLE_ALIAS": "a",
}


def enforcement_problems(policy: Policy) -> list[str]:
    """Would the functions accept the settings this policy produces? A published number they cannot
    enforce is a mismatch between the policy and practice."""
    from pydantic_settings import BaseSettings

    from plateguard.models.settings import ApiSettings, IngestSettings

    problems: list[str] = []
    checks: list[tuple[str, type[BaseSettings], dict[str, str]]] = [
        ("ingest", IngestSettings, ingest_environment(policy)),
        # One function serves every route: its search, account and alert-route variables in one model.
        ("api", ApiSettings, {**api_environment(policy), **alert_routes_environment(policy)}),
    ]
    for function, settings, env in checks:
        read = {str(f.validation_alias) for f in settings.model_fields.values()}
        # PERSIST_NON_HIT_READS=true is today's behaviour; only "false" needs ingest to read it.
        needed = {k: v for k, v in env.items() if not (k == "PERSIST_NON_HIT_READS" and v == "true")}
        problems += [
            f"enforcement: the {function} function does not read {name} (the policy needs {name}={value})"
            for name, value in needed.items()
            if name not in read
        ]
        try:
            settings.model_validate({**_RESOURCE_PLACEHOLDERS, **{k: v for k, v in needed.items() if k in read}})
        except ValidationError as exc:
            problems += [
                f"enforcement: the {function} function rejects {e['loc'][0]}={needed.get(str(e['loc'][0]))}: {e['msg']}"
                for e in exc.errors()
            ]
    problems += [
        f"enforcement: sharing.grants[{grant_id}].scopes publishes {scope.value!r}, which no code enforces"
        for grant_id, scope in unenforced_scopes(policy)
    ]
    return problems


def check_policy(path: Path, published: Path | None = None) -> list[str]:
    """Every problem found, each naming the element or field and the rule; empty when all is well."""
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        return [describe(p) for p in exc.problems]
    problems = enforcement_problems(policy)
    return problems + (published_problems(policy, published) if published else [])
