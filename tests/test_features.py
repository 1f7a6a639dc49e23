"""`stackgen features`, `add` and `remove` on committed projects (render only, no installs).

A feature is a bool question of copier.yml that applies to the project's
framework; switching it is an update at the project's own template version.
The slow round trips that run the projects' own tests are in
test_feature_roundtrip.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import run
from generator.features import features_of
from generator.questions import load_questions, parse_questions
from harness.projects import COPIER_YML, FRAMEWORKS
from tests.helpers import answers_of, commit_all, git

QUESTIONS = load_questions(COPIER_YML)


def new(tmp_path: Path, framework: str, *data: str) -> Path:
    project = tmp_path / f"my_{framework}"
    argv = ["new", str(project), "--framework", framework, "--defaults"]
    for pair in data:
        argv += ["--data", pair]
    assert run(argv, interactive=False) == 0
    return project


def state(project: Path) -> tuple[str, str]:
    """HEAD and the status of the whole tree, ignored files included."""
    return (
        git(project, "rev-parse", "HEAD"),
        git(project, "status", "--porcelain", "--ignored", "--untracked-files=all"),
    )


def test_features_are_the_bool_questions_of_each_framework():
    assert "analytics" in [f.name for f in features_of(QUESTIONS, "flask-api")]
    django = [f.name for f in features_of(QUESTIONS, "django-mtv")]
    assert "browser_tests" in django and "analytics" in django and "api" in django
    assert "cache" not in django and "database" not in django  # choices are not features
    for template in FRAMEWORKS.values():
        for feature in features_of(QUESTIONS, template):
            assert QUESTIONS[feature.name]["type"] == "bool"
            assert feature.help and not feature.help.endswith("?")


def test_a_new_bool_question_is_a_feature_of_its_framework_only():
    text = COPIER_YML.read_text() + (
        "\nwebsockets:\n  type: bool\n  help: Add a websocket endpoint?\n  default: false\n"
        "  when: \"{{ framework == 'django-mtv' }}\"\n"
    )
    questions = parse_questions(text)
    assert "websockets" in [f.name for f in features_of(questions, "django-mtv")]
    assert "websockets" not in [f.name for f in features_of(questions, "flask-api")]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_features_lists_each_with_its_state(tmp_path, capsys, framework):
    project = new(tmp_path, framework)
    capsys.readouterr()
    assert run(["features", "-C", str(project)], interactive=False) == 0
    out = capsys.readouterr().out
    recorded = answers_of(project)
    for feature in features_of(QUESTIONS, FRAMEWORKS[framework]):
        mark = "[x]" if recorded.get(feature.name, feature.default) else "[ ]"
        assert f"  {mark} {feature.name} " in out, out
        assert feature.help in out


def test_add_then_remove_keeps_the_users_edits(tmp_path, capsys):
    project = new(tmp_path, "flask")
    package = project / "my_flask" / "__init__.py"
    package.write_text(package.read_text().replace('"""', '"""My own docstring line.\n', 1))
    (project / "NOTES.md").write_text("mine\n")
    commit_all(project, "my edits")
    version = answers_of(project)["_commit"]
    capsys.readouterr()

    assert run(["add", "analytics", "-C", str(project)], interactive=False) == 0
    out = capsys.readouterr().out
    assert f"Added analytics to {project} (template version {version})." in out
    assert (
        "added (5): my_flask/analytics.py, my_flask/api/stats.py, notebooks/explore.ipynb, "
        "tests/test_notebook.py, tests/test_stats.py"
    ) in out
    assert "conflicted" not in out
    recorded = answers_of(project)
    assert (recorded["analytics"], recorded["_commit"]) == (True, version)
    assert "stats_bp" in package.read_text() and "My own docstring line." in package.read_text()
    assert "pandas" in (project / "pyproject.toml").read_text()
    commit_all(project, "analytics")

    assert run(["remove", "analytics"], interactive=False) == 1  # not in the project's folder
    assert "has no .copier-answers.yml" in capsys.readouterr().err
    assert run(["remove", "analytics", "-C", str(project)], interactive=False) == 0
    out = capsys.readouterr().out
    assert f"Removed analytics from {project}" in out
    assert (
        "removed (5): my_flask/analytics.py, my_flask/api/stats.py, notebooks/explore.ipynb, "
        "tests/test_notebook.py, tests/test_stats.py"
    ) in out
    assert answers_of(project)["analytics"] is False
    assert "stats_bp" not in package.read_text() and "My own docstring" in package.read_text()
    assert "pandas" not in (project / "pyproject.toml").read_text()
    assert (project / "NOTES.md").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("framework", "name", "message"),
    [
        ("flask", "api", "'api' is not a feature of Flask projects"),
        ("django", "cache", "'cache' is not a feature of this template version"),
        ("flask", "nope", "'nope' is not a feature of this template version"),
    ],
)
def test_unknown_or_other_framework_feature_is_refused_untouched(
    tmp_path, capsys, framework, name, message
):
    project = new(tmp_path, framework)
    before = state(project)
    capsys.readouterr()
    # The valid name listed first does not matter: every name is checked before any work.
    valid = features_of(QUESTIONS, FRAMEWORKS[framework])[0].name
    assert run(["add", valid, name, "-C", str(project)], interactive=False) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and err.startswith(f"stackgen: error: {message}")
    names = ", ".join(f.name for f in features_of(QUESTIONS, FRAMEWORKS[framework]))
    assert err.endswith(f"features of this {framework.title()} project: {names}")
    assert state(project) == before


def test_switching_to_the_current_state_says_so(tmp_path, capsys):
    project = new(tmp_path, "django")  # browser_tests is on by default
    (project / "scratch.txt").write_text("work in progress")  # nothing runs: dirty is fine
    before = state(project)
    capsys.readouterr()
    assert run(["add", "browser_tests", "-C", str(project)], interactive=False) == 0
    assert f"browser_tests is already on in {project}." in capsys.readouterr().out
    assert state(project) == before


def test_dirty_project_is_refused_untouched(tmp_path, capsys):
    project = new(tmp_path, "flask")
    (project / "scratch.txt").write_text("work in progress")
    before = state(project)
    capsys.readouterr()
    assert run(["add", "analytics", "-C", str(project)], interactive=False) == 1
    assert "has uncommitted changes" in capsys.readouterr().err
    assert state(project) == before
    assert answers_of(project)["analytics"] is False


def test_a_conflicting_edit_is_marked_and_fails(tmp_path, capsys):
    project = new(tmp_path, "flask")
    package = project / "my_flask" / "__init__.py"
    text = package.read_text()
    # The very lines the feature changes, changed differently by the user.
    package.write_text(
        text.replace(
            "    app.register_blueprint(actors_bp)\n",
            "    app.register_blueprint(actors_bp, url_prefix='/v2')\n",
        )
    )
    commit_all(project, "my prefix")
    capsys.readouterr()
    assert run(["add", "analytics", "-C", str(project)], interactive=False) == 1
    captured = capsys.readouterr()
    assert "conflicted (1): my_flask/__init__.py" in captured.out
    # An ordinary outcome of a merge, said with the way to finish it, not an error.
    assert captured.err == ""
    assert "hold conflict markers" in captured.out and "`git add` them" in captured.out
    assert "The dependencies changed: install them with" in captured.out  # pandas came in
    merged = package.read_text()
    assert "<<<<<<<" in merged and "url_prefix='/v2'" in merged and "stats_bp" in merged


def test_update_and_check_accept_c_and_keep_their_path(tmp_path, capsys):
    project = new(tmp_path, "flask")
    capsys.readouterr()
    assert run(["check", "-C", str(tmp_path), project.name], interactive=False) == 0
    assert run(["check", str(project)], interactive=False) == 0
    assert run(["update", "-C", str(project), "--defaults"], interactive=False) == 0
    assert "already at template version" in capsys.readouterr().out
    argv = ["update", "-C", str(tmp_path), project.name, "--defaults", "--data", "analytics=true"]
    assert run(argv, interactive=False) == 0
    assert answers_of(project)["analytics"] is True


def test_new_help_lists_the_features_of_each_framework(capsys):
    with pytest.raises(SystemExit):
        run(["new", "--help"])
    out = capsys.readouterr().out
    for template, label in (("flask-api", "Flask"), ("django-mtv", "Django")):
        names = ", ".join(f.name for f in features_of(QUESTIONS, template))
        assert f"  {label}: {names}" in out


def test_browser_tests_is_a_feature_of_both_frameworks_each_with_its_default():
    defaults = {
        template: {f.name: f.default for f in features_of(QUESTIONS, template)}
        for template in FRAMEWORKS.values()
    }
    assert defaults["flask-api"]["browser_tests"] is False  # an API is tested without one
    assert defaults["django-mtv"]["browser_tests"] is True  # a site of pages is not


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_browser_driver_without_browser_tests_is_refused(tmp_path, capsys, framework):
    argv = ["new", str(tmp_path / "p"), "--framework", framework, "--defaults"]
    refused = [*argv, "--data", "browser_tests=false", "--data", "browser_driver=selenium"]
    assert run(refused, interactive=False) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "browser_driver applies only with browser_tests=true" in err
    assert not (tmp_path / "p").exists()
    chosen = [*argv, "--data", "browser_tests=true", "--data", "browser_driver=selenium"]
    assert run(chosen, interactive=False) == 0
    recorded = answers_of(tmp_path / "p")
    assert (recorded["browser_tests"], recorded["browser_driver"]) == (True, "selenium")
    browser = tmp_path / "p" / ("tests" if framework == "flask" else "polls") / "browser.py"
    assert "Service(executable_path=driver)" in browser.read_text()


def test_the_typescript_client_of_django_comes_and_goes_with_its_api(tmp_path, capsys):
    argv = ["new", str(tmp_path / "p"), "--framework", "django", "--defaults"]
    assert run([*argv, "--data", "typescript_client=true"], interactive=False) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "typescript_client applies only with api=true" in err
    assert not (tmp_path / "p").exists()

    project = new(tmp_path, "django")
    before = state(project)
    capsys.readouterr()
    assert run(["add", "typescript_client", "-C", str(project)], interactive=False) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stackgen add api typescript_client" in err, err
    assert state(project) == before

    assert run(["add", "api", "typescript_client", "-C", str(project)], False) == 0
    assert (project / "clients" / "typescript" / "src" / "schema.d.ts").is_file()
    commit_all(project, "the API and its client")
    capsys.readouterr()
    assert run(["remove", "api", "-C", str(project)], interactive=False) == 1
    err = capsys.readouterr().err
    assert "stackgen remove typescript_client api" in err, err
