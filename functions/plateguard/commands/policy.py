"""`plateguard policy init|render|check|schema`: the policy file as the single source of the published policy."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from plateguard.policy.check import check_policy
from plateguard.policy.loader import PolicyError, load_policy
from plateguard.policy.model import json_schema
from plateguard.policy.render import write_policy
from plateguard.policy.starter import StarterError, starter_policy, supported_states


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("policy", help="validate, check and render the agency's policy file")
    actions = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    states = ", ".join(sorted(supported_states()))
    init = actions.add_parser("init", help="write a first policy file for an agency from its state's preset")
    init.add_argument("--state", required=True, help=f"two-letter state of the agency: {states}")
    init.add_argument("--agency", required=True, help='the agency\'s name, e.g. "Oakland Police Department"')
    init.add_argument("--agency-id", help="agency id used in upload keys and accounts (default: from --agency)")
    init.add_argument("--out", type=Path, required=True, help="the policy YAML file to write")
    init.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    init.set_defaults(func=run_init)

    render = actions.add_parser("render", help="write policy.md and policy.html from a policy file")
    render.add_argument("--policy", type=Path, required=True, help="the policy YAML file")
    render.add_argument("--out", type=Path, required=True, help="output directory")
    render.set_defaults(func=run_render)

    check = actions.add_parser("check", help="exit 0 when the policy is complete and the published copy matches")
    check.add_argument("--policy", type=Path, required=True, help="the policy YAML file")
    check.add_argument("--published", type=Path, help="directory holding the published policy.md and policy.html")
    check.set_defaults(func=run_check)

    schema = actions.add_parser("schema", help="print the policy file's JSON Schema")
    schema.set_defaults(func=run_schema, prints_json=True)


def run_init(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not args.force:
        print(f"{out} exists; not overwriting it (pass --force to replace it)", file=sys.stderr)
        return 1
    try:
        text = starter_policy(args.state, args.agency, args.agency_id)
    except StarterError as exc:
        print(exc, file=sys.stderr)
        return 2
    except PolicyError as exc:  # e.g. an --agency-id that is not a slug
        print(exc, file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: replace its 'TO COMPLETE' values, review the defaults, then")
    print(f"  plateguard policy check --policy {out}")
    return 0


def run_render(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.policy)
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in write_policy(policy, args.out):
        print(f"wrote {path}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    problems = check_policy(args.policy, args.published)
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        print(f"{args.policy}: {len(problems)} problem(s)")
        return 1
    suffix = f"; {args.published} matches it" if args.published else ""
    print(f"{args.policy}: complete and consistent (all 7 SB 34 elements){suffix}")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
    return 0
