"""Fixtures shared by stackgen's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import build_template_repo


@pytest.fixture(autouse=True)
def stackgen_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep the template store of the tests away from the user's own."""
    home = tmp_path_factory.getbasetemp() / "stackgen-home"
    monkeypatch.setenv("STACKGEN_HOME", str(home))
    return home


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """A git repository of this repository's templates, tagged v1 (see tests/helpers.py)."""
    return build_template_repo(tmp_path)


# The generation matrix is named in the CI log: its size at the top, and at the
# end how many of its combinations were generated and passed.
MATRIX_TEST = "tests/test_matrix.py::test_combination_works_on_its_first_run["


def _matrix_size() -> str:
    from collections import Counter

    from harness.projects import full_product_size, option_matrix

    counts = Counter(framework for framework, _ in option_matrix())
    per_framework = ", ".join(f"{name}: {count}" for name, count in counts.items())
    return (
        f"generation matrix: {sum(counts.values())} combinations ({per_framework}; all pairs "
        f"of {full_product_size()} in the full product, plus defaults and everything on)"
    )


def pytest_report_header(config: pytest.Config) -> str:
    return _matrix_size()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    outcomes = {
        outcome: sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if getattr(report, "when", "call") == "call"
            and getattr(report, "nodeid", "").startswith(MATRIX_TEST)
        )
        for outcome in ("passed", "failed", "skipped")
    }
    errors = sum(
        1
        for report in terminalreporter.stats.get("error", [])
        if getattr(report, "nodeid", "").startswith(MATRIX_TEST)
    )
    if not any(outcomes.values()) and not errors:
        terminalreporter.write_line(f"{_matrix_size()}; none of them ran")
        return
    terminalreporter.write_line(
        f"{_matrix_size()}; this run: {outcomes['passed']} generated and passed, "
        f"{outcomes['failed']} failed, {outcomes['skipped']} skipped, {errors} errors"
    )


# The longest tests (2 to 3 min each on 2 cores, CI's --durations): they start first.
LONGEST = (
    "tests/test_resources.py::test_flask_resources_pass_the_projects_own_checks",
    "tests/test_model.py::test_a_model_file_gives_projects_whose_own_checks_pass",
    "tests/test_any_spec.py::",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tests first, the longest of them before the rest, in file order: under
    xdist, a long test picked up near the end keeps one worker busy while the other idles."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("slow") is None,
            not item.nodeid.startswith(LONGEST),
        )
    )
