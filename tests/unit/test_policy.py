"""Policy as code: the file is validated, held to its preset, and the published policy follows from it."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from plateguard.cli import main
from plateguard.models.sweep import FAST_SWEEP_INTERVAL_SECONDS, SWEEP_BATCH_SIZE, SWEEP_INTERVAL_SECONDS
from plateguard.policy.check import enforcement_problems
from plateguard.policy.enforcement import (
    api_environment,
    grant_allowing,
    ingest_environment,
    persists_non_hits,
    sweep_interval,
    sweeper_environment,
)
from plateguard.policy.loader import PolicyError, load_policy, parse_policy
from plateguard.policy.model import Scope, json_schema, parse_duration
from plateguard.policy.presets import PRESETS
from plateguard.policy.render import ELEMENTS, render_html, render_markdown

ROOT = Path(__file__).resolve().parents[2]
CALIFORNIA = ROOT / "examples" / "policy" / "california.yaml"
NEW_HAMPSHIRE = ROOT / "examples" / "policy" / "new-hampshire.yaml"


def california() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(CALIFORNIA.read_text()))


def grant(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": "new-grant",
        "granting_agency": "demo-pd",
        "recipient_agency": "Some Agency",
        "recipient_type": "california-municipal-agency",
        "scopes": ["search-reads"],
        "purposes": ["stolen-vehicle"],
        "start": "2026-01-01",
        "end": "2026-12-31",
        "approved_by": "Chief of Police",
    }
    return {**base, **overrides}


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    return [str(p) for p in caught.value.problems]


def write(tmp_path: Path, data: dict[str, Any], name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# -- validation and presets ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [CALIFORNIA, NEW_HAMPSHIRE], ids=["california", "new-hampshire"])
def test_example_policies_are_valid(path: Path) -> None:
    # Given an example policy file / When it is loaded / Then it validates without problems
    assert load_policy(path).version == 1


def test_california_policy_with_a_federal_grant_is_rejected_with_the_reason() -> None:
    # Given a California policy that shares with a federal agency
    data = california()
    data["sharing"]["grants"].append(grant(id="fbi-task-force", recipient_type="federal-agency"))
    # When it is validated / Then it fails naming the grant's field and the California rule
    [problem] = problems_of(data)
    assert problem.startswith("sharing.grants[fbi-task-force].recipient_type:")
    assert "federal-agency is not allowed under the California preset" in problem
    assert "California public agencies only" in problem


def test_california_policy_with_an_out_of_state_grant_is_rejected() -> None:
    data = california()
    data["sharing"]["grants"].append(grant(id="nevada-pd", recipient_type="out-of-state-agency"))
    [problem] = problems_of(data)
    assert "sharing.grants[nevada-pd].recipient_type" in problem and "out-of-state-agency" in problem


@pytest.mark.parametrize("preset", [*sorted(PRESETS), None])
def test_no_preset_allows_sharing_with_a_private_entity(preset: str | None) -> None:
    # Given a policy (on each preset, and on none) granting access to a private company
    data = california()
    data["extends"] = preset
    if preset:
        data["agency"]["state"] = PRESETS[preset].state
        data["retention"].update(PRESETS[preset].defaults["retention"], hit_reads="2 years")
    data["sharing"]["grants"] = [grant(id="repo-company", recipient_type="private-entity")]
    # When validated / Then the private-entity grant is rejected
    problems = problems_of(data)
    assert any("repo-company" in p and "private-entity is never allowed" in p for p in problems)


def test_selling_data_cannot_be_enabled() -> None:
    data = california()
    data["sharing"]["sale_allowed"] = True
    [problem] = problems_of(data)
    assert problem.startswith("sharing.sale_allowed:")


def test_retention_longer_than_the_preset_allows_is_rejected() -> None:
    # Given a Maine policy keeping non-hit reads 30 days (Maine allows 21)
    data = california()
    data.update(extends="maine")
    data["agency"]["state"] = "ME"
    data["sharing"]["grants"] = []
    data["retention"]["non_hit_reads"] = "30 days"
    # When validated / Then the field, the limit and the statute are named
    problems = problems_of(data)
    assert any(
        p.startswith("retention.non_hit_reads: 30 days is longer than the Maine preset allows (21 days")
        and "2117-A" in p
        for p in problems
    )


def test_new_hampshire_preset_caps_non_hit_data_at_three_minutes() -> None:
    policy = load_policy(NEW_HAMPSHIRE)
    assert policy.retention.non_hit_reads.total_seconds() == 180
    data = yaml.safe_load(NEW_HAMPSHIRE.read_text())
    data["retention"]["non_hit_reads"] = "4 minutes"
    assert any("retention.non_hit_reads: 4 minutes is longer than" in p for p in problems_of(data))


def test_audit_records_must_be_kept_at_least_a_year() -> None:
    data = california()
    data["retention"]["audit_records"] = "100 days"
    [problem] = problems_of(data)
    assert problem == "retention.audit_records: audit records must be kept at least 1 year (got 100 days)"


def test_misspelt_keys_and_bad_durations_name_the_field() -> None:
    data = california()
    data["retention"]["hit_read"] = "1 year"
    data["retention"]["alerts"] = "forever"
    problems = problems_of(data)
    assert any(p.startswith("retention.hit_read:") and "Extra inputs are not permitted" in p for p in problems)
    assert any(p.startswith("retention.alerts:") and "is not a duration" in p for p in problems)


def test_grant_purposes_must_be_authorized_offense_types() -> None:
    data = california()
    data["sharing"]["grants"].append(grant(purposes=["jaywalking"]))
    [problem] = problems_of(data)
    assert "jaywalking not in purposes.offense_types" in problem


def test_unknown_preset_is_rejected() -> None:
    data = california()
    data["extends"] = "texas"
    [problem] = problems_of(data)
    assert problem.startswith("extends: unknown preset 'texas'")


def test_durations_read_as_written() -> None:
    assert parse_duration("18 months").days == 540
    assert parse_duration("3 minutes").total_seconds() == 180
    assert parse_duration("2 years").days == 730


# -- enforcement settings derived from the policy ----------------------------------------------------


def test_minute_level_retention_switches_to_the_fast_sweep_and_no_non_hit_persistence() -> None:
    nh, ca = load_policy(NEW_HAMPSHIRE), load_policy(CALIFORNIA)
    assert sweep_interval(nh) == FAST_SWEEP_INTERVAL_SECONDS
    assert sweep_interval(ca) == SWEEP_INTERVAL_SECONDS
    assert not persists_non_hits(nh) and persists_non_hits(ca)
    assert ingest_environment(nh)["PERSIST_NON_HIT_READS"] == "false"
    assert float(ingest_environment(nh)["READ_RETENTION_DAYS"]) * 86_400 == pytest.approx(180)
    assert ingest_environment(ca)["READ_RETENTION_DAYS"] == "30"
    assert api_environment(ca)["OFFENSE_TYPES"].startswith("stolen-vehicle,homicide")
    assert sweeper_environment(nh) == {
        "IMAGES_RETENTION_SECONDS": "180",
        "CROPS_RETENTION_SECONDS": "180",
        "SWEEP_INTERVAL_SECONDS": "60",
    }


# -- render ------------------------------------------------------------------------------------------


def test_rendered_policy_has_every_element_with_numbers_from_config_and_code() -> None:
    # Given the California example / When rendered
    policy = load_policy(CALIFORNIA)
    md, page = render_markdown(policy), render_html(policy)
    # Then every SB 34 element appears in both, with the configured and enforced numbers
    for number, title in ELEMENTS.items():
        assert f"## {number}. {title}" in md
        assert f'data-sb34="{number}"' in page
    assert "| Plate reads that matched no hot list | 30 days |" in md
    assert "accounts unused for 90 days are disabled" in md
    assert f"runs every {SWEEP_INTERVAL_SECONDS // 60} minutes" in md
    assert f"in batches of {SWEEP_BATCH_SIZE}" in md
    assert "Demo County Sheriff's Office" in md and "Chief of Police Dana Reyes" in md
    assert "Jordan Alvarez" in md
    assert "1798.90.55" in md
    assert "monthly, 25 searches sampled" in md


def test_new_hampshire_render_says_non_hits_are_never_stored_and_swept_every_minute() -> None:
    md = render_markdown(load_policy(NEW_HAMPSHIRE))
    assert "a read that matches no hot list is never stored" in md
    assert "runs every 1 minute." in md
    assert "261:75-b" in md


# -- check -------------------------------------------------------------------------------------------

ELEMENT_REMOVALS = {
    1: ("purposes",),
    2: ("roles",),
    3: ("audit",),
    4: ("sharing",),
    5: ("agency", "custodian"),
    6: ("accuracy",),
    7: ("retention",),
}


@pytest.mark.parametrize("element", sorted(ELEMENT_REMOVALS), ids=lambda n: f"element-{n}")
def test_policy_check_names_each_removed_element(
    element: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the California example with one SB 34 element removed
    data = california()
    *parents, leaf = ELEMENT_REMOVALS[element]
    node = data
    for key in parents:
        node = node[key]
    del node[leaf]
    path = write(tmp_path, data)
    # When the check runs
    code = main(["policy", "check", "--policy", str(path)])
    # Then it fails naming that element
    out = capsys.readouterr().out
    assert code == 1
    assert f"SB 34 element {element} ({ELEMENTS[element]})" in out


def test_policy_check_passes_on_a_complete_policy_and_its_published_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "published"
    assert main(["policy", "render", "--policy", str(CALIFORNIA), "--out", str(out_dir)]) == 0
    assert main(["policy", "check", "--policy", str(CALIFORNIA), "--published", str(out_dir)]) == 0
    assert "complete and consistent" in capsys.readouterr().out


def test_policy_check_catches_a_published_policy_that_no_longer_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a policy published from the file, after which the file shortens retention
    out_dir = tmp_path / "published"
    main(["policy", "render", "--policy", str(CALIFORNIA), "--out", str(out_dir)])
    data = california()
    data["retention"]["non_hit_reads"] = data["retention"]["crops"] = data["retention"]["images"] = "14 days"
    changed = write(tmp_path, data)
    capsys.readouterr()
    # When checked against the old publication
    code = main(["policy", "check", "--policy", str(changed), "--published", str(out_dir)])
    # Then the retention element of both documents is named as differing
    out = capsys.readouterr().out
    assert code == 1
    assert "policy.md: SB 34 element 7 (Retention and destruction) differs" in out
    assert "policy.html: SB 34 element 7 (Retention and destruction) differs" in out
    assert "element 1 " not in out


def test_policy_check_catches_a_published_policy_missing_an_element(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "published"
    main(["policy", "render", "--policy", str(CALIFORNIA), "--out", str(out_dir)])
    md = (out_dir / "policy.md").read_text()
    start = md.index("<!-- sb34:4 -->")
    (out_dir / "policy.md").write_text(md[:start] + md[md.index("<!-- sb34:5 -->") :])
    assert main(["policy", "check", "--policy", str(CALIFORNIA), "--published", str(out_dir)]) == 1
    assert "SB 34 element 4 (Sharing, sale and transfer) is missing" in capsys.readouterr().out


def test_invalid_policy_fails_render_with_the_field_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = california()
    data["sharing"]["grants"].append(grant(id="dhs", recipient_type="federal-agency"))
    code = main(["policy", "render", "--policy", str(write(tmp_path, data)), "--out", str(tmp_path / "out")])
    assert code == 1
    assert "sharing.grants[dhs].recipient_type" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_published_json_schema_is_current() -> None:
    # The schema in docs is generated (plateguard policy schema); it must not drift from the model.
    published = json.loads((ROOT / "docs" / "policy.schema.json").read_text())
    assert published == json_schema()


def test_check_finds_no_enforcement_mismatch_for_california() -> None:
    assert enforcement_problems(load_policy(CALIFORNIA)) == []


def test_check_names_settings_the_functions_cannot_enforce_yet() -> None:
    # Given New Hampshire's minute-level retention / When checked against the functions' settings models
    problems = enforcement_problems(load_policy(NEW_HAMPSHIRE))
    # Then any mismatch names exactly the settings it needs (empty once ingest reads both)
    assert all("PERSIST_NON_HIT_READS" in p or "READ_RETENTION_DAYS" in p for p in problems)


def test_check_reports_a_setting_a_function_rejects(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a policy whose derived ingest setting the function's settings model refuses (zero days)
    import plateguard.policy.check as check

    monkeypatch.setattr(check, "ingest_environment", lambda policy: {"READ_RETENTION_DAYS": "0"})
    # When checked
    problems = enforcement_problems(load_policy(CALIFORNIA))
    # Then the mismatch names the function, the setting and the value
    assert any(p.startswith("enforcement: the ingest function rejects READ_RETENTION_DAYS=0") for p in problems)


def test_new_hampshire_minutes_are_enforceable_by_ingest() -> None:
    assert enforcement_problems(load_policy(NEW_HAMPSHIRE)) == []


def test_cross_field_problems_name_the_field() -> None:
    data = california()
    data["audit"]["auditor_role"] = "inspector"
    [problem] = problems_of(data)
    assert problem.startswith("audit.auditor_role: 'inspector' is not one of the roles")


def test_sharing_is_only_what_an_active_grant_allows() -> None:
    # Given the California example's grants (the sheriff may search for homicide during 2026)
    policy = load_policy(CALIFORNIA)
    sheriff = "Demo County Sheriff's Office"
    during, after = date(2026, 6, 1), date(2027, 1, 1)
    # Then a search inside scope, purpose and dates is allowed, under that grant
    assert grant_allowing(policy, sheriff, Scope.SEARCH_READS, "homicide", during).id == "county-sheriff"  # type: ignore[union-attr]
    # And anything outside them is not
    assert grant_allowing(policy, sheriff, Scope.SEARCH_READS, "burglary", during) is None
    assert grant_allowing(policy, sheriff, Scope.SEARCH_READS, "homicide", after) is None
    chp = "California Highway Patrol, Golden Gate Division"
    assert grant_allowing(policy, chp, Scope.SEARCH_READS, "stolen-vehicle", during) is None
    assert grant_allowing(policy, "Unknown PD", Scope.SEARCH_READS, "stolen-vehicle", during) is None


def test_policy_check_refuses_a_scope_the_code_does_not_enforce(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the California example, whose grants publish only `search-reads` (enforced by the officer API)
    from plateguard.policy import enforcement

    unenforced = "enforcement: sharing.grants[county-sheriff].scopes publishes 'search-reads', which no code enforces"
    assert unenforced not in enforcement_problems(load_policy(CALIFORNIA))
    # When no code enforces `search-reads` any more (its entry leaves ENFORCED_SCOPES)
    monkeypatch.setattr(enforcement, "ENFORCED_SCOPES", {})
    # Then `policy check` names the grant and the scope it publishes without enforcement, and fails
    assert unenforced in enforcement_problems(load_policy(CALIFORNIA))
    assert main(["policy", "check", "--policy", str(CALIFORNIA)]) == 1


def test_a_policy_granting_alerts_across_agencies_is_refused(tmp_path: Path) -> None:
    # Given a grant publishing `receive-hotlist-alerts`, which the system does not deliver
    data = california()
    data["sharing"]["grants"][0]["scopes"] = ["search-reads", "receive-hotlist-alerts"]
    # Then the policy does not load (the register cannot publish it) and `policy check` fails
    [problem] = problems_of(data)
    assert problem.startswith("sharing.grants[county-sheriff].scopes[1]: Input should be 'search-reads'")
    assert main(["policy", "check", "--policy", str(write(tmp_path, data))]) == 1
