"""Project names and --data answers are checked before anything is written."""

import re

import pytest
import yaml

from generator.answers import parse_data, split_data
from generator.errors import StackgenError
from generator.naming import project_slug, slugify
from generator.questions import load_questions
from harness.projects import FRAMEWORKS, REPO_ROOT

QUESTIONS = load_questions(REPO_ROOT / "copier.yml")


@pytest.mark.parametrize(
    ("name", "slug"),
    [("My Blog", "my_blog"), ("movie-api", "movie_api"), ("  Shop 2 ", "shop_2"), ("x", "x")],
)
def test_usable_names_become_package_names(name, slug):
    assert slugify(name) == slug
    assert project_slug(name) == slug


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("!!!", "empty once reduced"),
        ("2fast", "not a Python identifier"),
        ("class", "keyword"),
        ("None", "keyword"),
        ("match", "keyword"),
        ("json", "standard library"),
        ("email", "standard library"),
        ("flask", "shadow a package"),
        ("django", "shadow a package"),
        ("test", "shadow a package"),
        ("site", "standard library"),
        ("polls", "shadow a package"),
        ("Tests", "shadow a package"),
    ],
)
def test_unusable_names_are_refused(name, message):
    with pytest.raises(StackgenError, match=message):
        project_slug(name)


def test_the_starters_own_top_level_names_are_refused():
    """A package named like a file or folder beside it (wsgi.py, migrations/) would clash."""
    found = set()
    for template in FRAMEWORKS.values():  # the starters, not templates/shared
        for entry in (REPO_ROOT / "templates" / template).iterdir():
            name = entry.name.removesuffix(".jinja").removesuffix(".py").lower()
            if name.isidentifier() and "{" not in entry.name:
                found.add(name)
    assert {"wsgi", "migrations", "templates", "manage"} <= found
    for name in found:
        with pytest.raises(StackgenError):
            project_slug(name)
    assert found <= _copier_reserved_names() | {"tests", "polls"}


def _copier_reserved_names() -> set[str]:
    validator = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())["project_slug"]["validator"]
    return set(re.findall(r"'([a-z_]+)'", validator))


def test_copier_validator_refuses_nothing_the_generator_accepts():
    """The plain-Copier rule is a subset of the generator's, never looser by accident."""
    names = _copier_reserved_names()
    assert {"class", "flask", "django", "polls", "test", "site", "json"} <= names
    for name in names:
        with pytest.raises(StackgenError):
            project_slug(name)


def test_data_is_parsed_and_typed():
    data = ["database=postgresql", "analytics=true", "project_name=Movie API"]
    assert parse_data(split_data(data), QUESTIONS, "flask-api") == {
        "database": "postgresql",
        "analytics": True,
        "project_name": "Movie API",
    }


@pytest.mark.parametrize(
    ("pair", "framework", "message"),
    [
        ("colour=blue", "flask-api", "unknown --data key 'colour'"),
        ("framework_label=x", "flask-api", "unknown --data key"),
        ("database=oracle", "flask-api", "database must be one of sqlite, postgresql, mysql"),
        ("analytics=maybe", "flask-api", "analytics expects true or false"),
        # Only what the README lists: yes, 1, on and TRUE are not taken for true.
        *(
            (f"analytics={word}", "flask-api", "analytics expects true or false")
            for word in ("yes", "1", "on", "y", "TRUE", " true")
        ),
        ("api=true", "flask-api", "api does not apply to the flask-api template"),
        ("cache=redis", "flask-api", "cache does not apply"),
        ("novalue", "flask-api", "expects KEY=VALUE"),
    ],
)
def test_bad_data_is_refused(pair, framework, message):
    with pytest.raises(StackgenError, match=re.escape(message)):
        parse_data(split_data([pair]), QUESTIONS, framework)
