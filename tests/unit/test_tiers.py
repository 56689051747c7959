"""The unit tier stays cheap: pure logic on the in-memory fakes of tests/fakes/, nothing that builds AWS,
a stack or a handler. What needs those belongs one tier up (tests/functional: handlers on in-process moto;
tests/integration: local mode; tests/infra: the synthesized stack)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

# Imports that make a test expensive, and the tier each belongs to.
BELONGS_ELSEWHERE = {
    "moto": "tests/functional (in-process AWS)",
    "plateguard.handlers": "tests/functional (a Lambda handler)",
    "aws_cdk": "tests/infra (synthesis)",
    "cdk": "tests/infra (synthesis)",
    "tests.functional": "tests/functional",
    "tests.integration": "tests/integration",
    "tests.infra": "tests/infra",
}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def tier_of(module: str) -> str | None:
    """The tier a test importing `module` belongs to, or None if the unit tier may import it."""
    if module.startswith("tests.") and module.endswith("_api_support"):  # tests/*_api_support.py: moto worlds
        return "tests/functional (a moto world for the API)"
    for prefix, tier in BELONGS_ELSEWHERE.items():
        if module == prefix or module.startswith(prefix + "."):
            return tier
    return None


def misplaced(path: Path) -> list[str]:
    return sorted(
        f"{path.parent.name}/{path.name} imports {module}: belongs in {tier}"
        for module in imported_modules(path)
        if (tier := tier_of(module)) is not None
    )


def test_unit_tests_and_the_shared_fakes_import_nothing_a_higher_tier_needs() -> None:
    # Given every unit test module and every shared fake
    files = sorted((TESTS / "unit").glob("*.py")) + sorted((TESTS / "fakes").glob("*.py"))
    assert files
    # When their imports are read / Then none reaches moto, a handler, a moto world, a stack or another tier
    problems = [problem for path in files for problem in misplaced(path)]
    assert problems == []


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    # Given a would-be unit test that builds a moto world inside its test function
    source = tmp_path / "test_example.py"
    source.write_text("def test_x():\n    from moto import mock_aws\n    import tests.hold_api_support\n")
    # When it is checked / Then both imports are reported with the tier they belong to
    assert misplaced(source) == [
        f"{tmp_path.name}/test_example.py imports moto: belongs in tests/functional (in-process AWS)",
        f"{tmp_path.name}/test_example.py imports tests.hold_api_support: belongs in tests/functional (a moto world"
        " for the API)",
    ]
