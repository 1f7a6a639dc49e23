"""Arbitrary text at every ``--data`` key and in the answers file (property-based).

Whatever arrives, stackgen either makes a project whose files all parse (exit 0)
or says why in one line (exit 1; 2 for ``check``'s "cannot tell") and writes
nothing.
"""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import run
from generator.questions import load_questions
from harness.projects import COPIER_YML, parse_every_file
from tests.helpers import commit_all, git

QUESTIONS = load_questions(COPIER_YML)
KEYS = sorted(key for key, spec in QUESTIONS.items() if spec.get("when") is not False)
# Any text, lone surrogates included: that is what undecodable bytes in argv become.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = run(list(argv), interactive=False)
    return status, out.getvalue(), err.getvalue()


def assert_one_line(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stackgen: "), err
    assert "internal error" not in err, err


@FUZZ
@given(framework=st.sampled_from(["flask", "django"]), key=st.sampled_from(KEYS), value=ANY_TEXT)
def test_any_data_value_makes_a_project_or_one_line(tmp_path_factory, framework, key, value):
    parent = tmp_path_factory.mktemp("new")
    dest = parent / "proj"
    status, _, err = call(
        "new", str(dest), "--framework", framework, "--defaults", "--data", f"{key}={value}"
    )
    if status == 0:
        assert err == ""
        assert parse_every_file(dest)[".py"] > 0
    else:
        assert status == 1
        assert_one_line(err)
        assert list(parent.iterdir()) == []


@pytest.fixture(scope="module")
def committed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("answers") / "api"
    assert call("new", str(project), "--framework", "flask", "--defaults")[0] == 0
    return project


VALUES = st.one_of(
    ANY_TEXT,
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=2),
)


def answers_files(project: Path) -> st.SearchStrategy[bytes]:
    """Any bytes, any text, or the real answers with one value replaced by anything."""
    real = yaml.safe_load((project / ".copier-answers.yml").read_text())
    edited = st.builds(
        lambda key, value: yaml.safe_dump({**real, key: value}, allow_unicode=True).encode(
            "utf-8", "surrogatepass"
        ),
        st.sampled_from(sorted(real)),
        VALUES,
    )
    return st.one_of(
        st.binary(max_size=200), ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), edited
    )


@FUZZ
@given(data=st.data())
def test_any_answers_file_is_read_or_refused_in_one_line(committed_project, data):
    project = committed_project
    head = git(project, "rev-parse", "HEAD").strip()
    content = data.draw(answers_files(project))
    (project / ".copier-answers.yml").write_bytes(content)
    commit_all(project, "fuzzed answers")
    fuzzed = git(project, "rev-parse", "HEAD").strip()
    try:
        status, out, err = call("check", str(project))
        if status == 2:
            assert_one_line(err)
        else:
            assert status in (0, 1) and err == "" and out.count("\n") == 1
        status, out, err = call("update", str(project), "--defaults")
        if status != 0:
            assert status == 1
            assert_one_line(err)
            assert git(project, "rev-parse", "HEAD").strip() == fuzzed
            assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    finally:
        git(project, "reset", "-q", "--hard", head)
        git(project, "clean", "-qfd")
        shutil.rmtree(project / ".git" / "rebase-merge", ignore_errors=True)
