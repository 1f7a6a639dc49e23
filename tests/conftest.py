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


# The longest tests, longest first (1 to 2.5 min each on 2 cores, CI's --durations of
# 2026-12-06). Under --dist worksteal one worker starts at the head of this order and the
# other takes tests from its tail: the long ones run early, and the run ends on short ones
# instead of one worker finishing a 70-second test while the other idles.
LONGEST = (
    "tests/test_resources.py::test_flask_resources_pass_the_projects_own_checks",
    "tests/test_model.py::test_a_model_file_gives_projects_whose_own_checks_pass",
    "tests/test_matrix.py::test_combination_works_on_its_first_run[flask-mysql",
    "tests/test_django_resources.py::test_schemathesis_finds_nothing",
    "tests/test_any_spec.py::",
    "tests/test_first_run.py::",
    "tests/test_web_browser.py::test_choose_explore_share_download",
    "tests/test_django_resources.py::test_round_trip_on_an_edited_django_project",
    "tests/test_flask_api_runtime.py::test_schemathesis",
    "tests/test_matrix.py::test_combination_works_on_its_first_run[flask",
    "tests/test_django_resources.py::test_django_resources_pass_the_projects_own_checks",
)


def rank(item: pytest.Item) -> tuple[bool, int]:
    """Slow tests first, the longest of them in LONGEST's order, the rest in file order."""
    longest = next(
        (i for i, prefix in enumerate(LONGEST) if item.nodeid.startswith(prefix)), len(LONGEST)
    )
    return item.get_closest_marker("slow") is None, longest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=rank)  # stable: file order within each rank
