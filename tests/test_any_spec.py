"""Any data model stackgen accepts gives a green project; the rest is refused in one line.

Hypothesis draws whole models: resources with names and fields of every type, with
their parameters, modifiers, defaults and bounds, references to the resources drawn
before them, owned or shared, and names that collide with Python and with what the
templates define; and the starter they go into: the options that change what a
resource's code imports, generates or meets (``starter_options``). Each resource is
generated in turn: it is refused in one line with nothing written, or it is added. The
project then passes its own CI: ruff check, ruff format --check, its tests and the
migration drift check.

A bounded number of models runs in the suite, from a fixed seed so that a failure is
reproducible; more with STACKGEN_SPEC_EXAMPLES=50 (and STACKGEN_SPEC_SEED for other
draws): ``STACKGEN_SPEC_EXAMPLES=50 .venv/bin/pytest tests/test_any_spec.py -m slow``.
"""

from __future__ import annotations

import io
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, seed, settings
from hypothesis import strategies as st

from generator import fields
from generator.cli import run
from tests.helpers import check_django, check_flask, commit_all, git, new_project

EXAMPLES = int(os.environ.get("STACKGEN_SPEC_EXAMPLES", "2"))
SEED = int(os.environ.get("STACKGEN_SPEC_SEED", "20261206"))
# Each example is a whole project's CI: no shrinking (it would run that again and again);
# Hypothesis prints the model that failed, and the seed draws it again.
DRAWN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# Names a person would choose, and names that collide with Python, SQL, the frameworks
# and the code the templates write.
PLAIN_FIELDS = ["title", "count", "price", "kind", "note", "level", "ref", "done", "starts_on"]
COLLIDING_FIELDS = [
    "class", "id", "date", "page", "db", "check", "type", "match", "owner", "objects",
    "mapped_column", "select", "json", "query", "order", "user", "saved", "visible_to",
]  # fmt: skip
PLAIN_MODELS = ["Workout", "Exercise", "Entry", "BodyMeasurement", "Tag", "Status"]
COLLIDING_MODELS = [
    "A", "I", "Db", "Class", "Decimal", "Type", "Actor", "User", "Session",
    "Vote", "ApiToken", "Task",  # what analytics, api and celery add to a starter
]  # fmt: skip
CHOICES = ["draft", "published", "a", "b-c", "x_1", "very-long-choice-value-here"]

# Mostly what a person would write, often enough what collides.
field_names = st.one_of(
    st.sampled_from(PLAIN_FIELDS),
    st.sampled_from(PLAIN_FIELDS),
    st.sampled_from(COLLIDING_FIELDS),
    st.from_regex(r"[a-z][a-z0-9]{0,12}(_[a-z0-9]{1,6}){0,2}", fullmatch=True),
)
model_names = st.one_of(
    st.sampled_from(PLAIN_MODELS),
    st.sampled_from(COLLIDING_MODELS),
    st.from_regex(r"[A-Z][a-z]{1,10}([A-Z][a-z]{1,8})?", fullmatch=True),
)
numbers = st.one_of(
    st.integers(-5, 5), st.integers(-(2**40), 2**40), st.sampled_from([2**31 - 1, -(2**31)])
)
decimals = st.builds(lambda n, d: f"{n}.{d:02d}" if d else str(n), numbers, st.integers(0, 99))


@st.composite
def field_spec(draw: st.DrawFn, targets: list[str]) -> str:
    """One ``name:type[:parameter][:modifier]...``, right or wrong."""
    kinds = [k for k in fields.TYPES if k not in ("references", "many") or targets]
    kind = draw(st.sampled_from(kinds))
    name = draw(field_names)
    parts = [name, kind]
    if kind == "references":
        parts[0] = draw(st.sampled_from([fields.names(t).singular for t in targets] + [name]))
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(fields.ON_DELETE)))
    elif kind == "many":  # a target's plural, or any name with to=
        parts[0] = draw(st.sampled_from([fields.names(t).plural for t in targets] + [name]))
        if draw(st.booleans()):
            parts.append(f"to={draw(st.sampled_from(targets))}")
    elif kind == "string" and draw(st.booleans()):
        parts.append(str(draw(st.integers(1, 800))))
    elif kind == "decimal" and draw(st.booleans()):
        precision = draw(st.integers(1, 31))
        parts.append(f"{precision}.{draw(st.integers(0, precision))}")
    elif kind == "choice":
        parts.append("/".join(draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=4))))
    modifiers = draw(st.lists(st.sampled_from(fields.FLAGS), unique=True, max_size=2))
    if kind in fields.NUMBERS:
        value = decimals if kind != "integer" else numbers
        for bound in ("min", "max"):
            if draw(st.booleans()):
                modifiers.append(f"{bound}={draw(value)}")
    if draw(st.integers(0, 3)) == 0:
        default = {
            "integer": numbers.map(str),
            "decimal": decimals,
            "float": decimals,
            "boolean": st.sampled_from(["true", "false", "true", "yes"]),
            "date": st.sampled_from(["2026-01-31", "1999-12-01", "2026-02-30"]),
            "email": st.sampled_from(["ada@example.com", "bo@example.org", "nope"]),
            "choice": st.sampled_from(CHOICES),
        }.get(kind, st.sampled_from(["x", "Some words", "y" * 300]))
        modifiers.append(f"default={draw(default)}")
    return ":".join(parts + modifiers)


@st.composite
def resource_line(draw: st.DrawFn, targets: list[str]) -> list[str]:
    """The argv of one ``generate resource``, referencing only ``targets`` (the ones added)."""
    model = draw(model_names)
    specs = draw(st.lists(field_spec(targets), min_size=1, max_size=4))
    flags = (["--owned"] if draw(st.integers(0, 2)) == 0 else []) or (
        ["--writers", "users"] if draw(st.integers(0, 3)) == 0 else []
    )
    return [model, *specs, *flags]


# copier.yml's options that change what a resource's code imports, generates or meets:
# Django's api (each resource's api.py and test_api.py, the shared <slug>/api.py, the
# ApiToken model), analytics (Django's Vote model and its URLs, Flask's extensions) and
# celery (its settings and test fixtures). The database stays SQLite and the browser test
# off: the draws are about the resources' code, not about the servers.
DRAWN_OPTIONS = {"flask": ["analytics", "celery"], "django": ["api", "analytics", "celery"]}


@st.composite
def starter_options(draw: st.DrawFn, framework: str) -> tuple[tuple[str, bool], ...]:
    """The answers of the starter the resources go into, besides the defaults."""
    return tuple((key, draw(st.booleans())) for key in DRAWN_OPTIONS[framework])


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory):
    """A new committed project per framework and options, made once, copied per model."""
    made: dict[tuple[str, tuple[tuple[str, bool], ...]], Path] = {}

    def base(framework: str, options: tuple[tuple[str, bool], ...]) -> Path:
        if (framework, options) not in made:
            project = tmp_path_factory.mktemp(f"base-{framework}") / "drawn"
            answers = [*options, ("browser_tests", False)]
            data = [f"--data={key}={str(value).lower()}" for key, value in answers]
            assert new_project(project, framework, *data) == 0
            made[framework, options] = project
        return made[framework, options]

    return base


def generate(project: Path, line: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        status = run(["generate", "resource", *line, "-C", str(project)], interactive=False)
    return status, err.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["flask", "django"])
@seed(SEED)
@DRAWN
@given(data=st.data())
def test_any_model_is_refused_in_one_line_or_passes_the_projects_own_ci(
    bases, tmp_path_factory, framework, data
):
    from harness.projects import ProjectEnv

    options = data.draw(starter_options(framework), label="starter options")
    event("starter with " + (", ".join(key for key, on in options if on) or "the defaults"))
    project = tmp_path_factory.mktemp("drawn") / "drawn"
    shutil.copytree(bases(framework, options), project, symlinks=True)
    accepted: list[list[str]] = []
    tried = data.draw(st.integers(1, 4), label="resources tried")
    for _ in range(tried):
        line = data.draw(resource_line([added[0] for added in accepted]), label="generate resource")
        head = git(project, "rev-parse", "HEAD").strip()
        status, err = generate(project, line)
        if status == 0:
            if git(project, "status", "--porcelain"):  # else: the same fields again
                commit_all(project, " ".join(line))
            accepted.append(line)
            continue
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("stackgen: "), (line, err)
        assert "internal error" not in err, (line, err)
        assert git(project, "status", "--porcelain") == "", (line, "something was written")
        assert git(project, "rev-parse", "HEAD").strip() == head
    event(f"{len(accepted)} of {tried} resources accepted")
    if not accepted:
        return
    env = ProjectEnv()
    env.install(project)
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")
    answers = {"database": "sqlite", "browser_tests": False, **dict(options)}
    if framework == "flask":
        check_flask(env, project, {}, answers)
    else:
        check_django(env, project, {}, answers)
