"""Generate projects from this repository's templates and run their own checks.

The generated projects are the product, so tests drive them the way a user
would: render with Copier, install the project's pinned dependencies, then
run the project's own commands. Every generated project in a test run shares
one virtual environment (``.cache/project-env``) so dependencies are
installed once, not once per combination.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import copier

from generator.catalogue import TEMPLATES
from generator.questions import (
    applies,
    default_for,
    depends_on,
    load_questions,
    option_values,
    options_of,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_DIR = Path(os.environ.get("STACKGEN_PROJECT_ENV", REPO_ROOT / ".cache" / "project-env"))
FRAMEWORKS = TEMPLATES  # short name (flask, django) -> template folder
COPIER_YML = REPO_ROOT / "copier.yml"
LEFTOVER_SYNTAX = re.compile(r"\{\{|\{%-?\s|\s-?%\}|\{#\s")


def generate(dst: Path, framework: str, **data: object) -> Path:
    """Render the template for ``framework`` (flask or django) into ``dst``.

    Renders the working tree (uncommitted changes included), as a template
    author sees it, with every unanswered question at its default.
    """
    answers = {"framework": FRAMEWORKS.get(framework, framework), **data}
    answers.setdefault("project_name", dst.name)
    copier.run_copy(str(REPO_ROOT), dst, data=answers, defaults=True, vcs_ref="HEAD", quiet=True)
    return dst


def leftover_template_syntax(project: Path) -> list[str]:
    """Lines that still carry Jinja delimiters, as ``path:line: text``."""
    found = []
    for path in sorted(project.rglob("*")):
        if not path.is_file() or ".git" in path.parts:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if LEFTOVER_SYNTAX.search(line) and not _allowed_braces(path, line):
                found.append(f"{path.relative_to(project)}:{number}: {line.strip()}")
    return found


def _allowed_braces(path: Path, line: str) -> bool:
    # Django and Jinja templates of the generated project legitimately use
    # {% %} and {{ }}; GitHub Actions expressions use ${{ }}.
    if path.suffix == ".html":
        return True
    return "${{" in line


def parse_every_file(project: Path) -> dict[str, int]:
    """Parse every Python, TOML and YAML file of ``project``; return how many of each.

    A file that does not parse raises (SyntaxError, TOMLDecodeError, YAMLError).
    """
    import yaml

    checked = {".py": 0, ".toml": 0, ".yaml": 0}
    for path in sorted(project.rglob("*")):
        if not path.is_file() or ".git" in path.parts:
            continue
        name = str(path.relative_to(project))
        if path.suffix == ".py":
            compile(path.read_text(), name, "exec")
            checked[".py"] += 1
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
            checked[".toml"] += 1
        elif path.suffix in {".yml", ".yaml"}:
            document = yaml.safe_load(path.read_text())
            assert isinstance(document, dict) and document, f"{name} is empty"
            checked[".yaml"] += 1
    return checked


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def project_requirements(project: Path, extras: tuple[str, ...] = ("dev",)) -> list[str]:
    """The dependencies a generated project declares, with the given extras."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    requirements = list(meta.get("dependencies", []))
    for extra in extras:
        requirements += meta.get("optional-dependencies", {}).get(extra, [])
    return requirements


class ProjectEnv:
    """A virtual environment shared by the generated projects of a test run.

    ``pythonpath`` goes on PYTHONPATH after the project (the benchmark puts the
    repository there for its baseline apps); ``log``, when given, is told what
    is about to be installed.
    """

    def __init__(
        self,
        root: Path = ENV_DIR,
        pythonpath: Sequence[Path] = (),
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root
        self.bin = root / "bin"
        self._record = root / "stackgen-installed.txt"
        self._pythonpath = tuple(pythonpath)
        self._log = log

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def install(self, project: Path, extras: tuple[str, ...] = ("dev",)) -> None:
        """Install what ``project`` declares, unless an earlier project did."""
        self.install_requirements(*project_requirements(project, extras))

    def install_requirements(self, *requirements: str) -> None:
        """Install ``requirements`` (pinned), unless an earlier test did."""
        wanted = sorted(set(requirements))
        with _locked(self.root.parent / f"{self.root.name}.lock"):
            if not self.python.exists():
                subprocess.run([sys.executable, "-m", "venv", str(self.root)], check=True)
            done = set(self._record.read_text().splitlines()) if self._record.exists() else set()
            missing = [req for req in wanted if req not in done]
            if missing:
                if self._log:
                    self._log(f"  installing into {self.root}: {' '.join(missing)}")
                subprocess.run(
                    [str(self.python), "-m", "pip", "install", "-q", *missing],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                self._record.write_text("\n".join(sorted(done | set(missing))) + "\n")

    def environ(self, project: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "COV_", "DJANGO_", "FLASK_"))
            and key not in {"DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY", "VIRTUAL_ENV"}
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        env["PYTHONPATH"] = os.pathsep.join(map(str, (project, *self._pythonpath)))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(extra or {})
        return env

    def run(
        self,
        project: Path,
        *command: str | Path,
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
        check: bool = True,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` inside ``project`` with this environment active (``input`` on
        its standard input).

        On failure the assertion message carries the command's whole output,
        which is what one needs to fix a template.
        """
        args = [str(part) for part in command]
        result = subprocess.run(
            args,
            cwd=project,
            env=self.environ(project, env),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"`{' '.join(args)}` failed in {project} (exit {result.returncode})\n"
                f"--- stdout ---\n{result.stdout[-8000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
            )
        return result


# The generation matrix, read from copier.yml so that a new question with
# choices (or a new bool) joins it without editing any test. The full product
# doubles with every feature; all pairs of values (every value of every
# option next to every value of every other, at least once) stays small and
# still catches the bugs two options make together.


def option_matrix() -> list[tuple[str, dict[str, object]]]:
    """The (framework, answers) combinations the matrix generates.

    For each framework: every default, everything on (every bool true, every
    choice at its last value: the server-backed one), then all pairs of the
    options' values (allpairspy), without repeats. ``framework`` is the short
    name (flask, django); ``answers`` holds a value for every option that
    applies, in copier.yml's order.
    """
    from allpairspy import AllPairs

    questions = load_questions(COPIER_YML)
    short = {value: name for name, value in FRAMEWORKS.items()}
    combinations: list[tuple[str, dict[str, object]]] = []
    for template in option_values(questions["framework"]) or []:
        framework = short.get(str(template), str(template))
        options = matrix_options(questions, str(template))
        names = list(options)
        rows: list[dict[str, object]] = [
            option_defaults(framework),
            {name: values[-1] for name, values in options.items()},
        ]

        if len(names) >= 2:
            keep = partial(consistent, questions, options, str(template))
            values = [
                [*options[name], NOT_ASKED]
                if depends_on(questions[name], str(template))
                else options[name]
                for name in names
            ]
            pairs = AllPairs(values, filter_func=keep)
            rows += [
                {name: value for name, value in zip(names, row, strict=True) if value != NOT_ASKED}
                for row in pairs
            ]
        else:
            rows += [{name: value} for name in names for value in options[name]]
        seen: list[dict[str, object]] = []
        for row in rows:
            # A question whose ``when`` reads other answers drops out where it does not apply.
            answers = {
                name: value
                for name, value in row.items()
                if applies(questions[name], {"framework": template, **row})
            }
            if answers not in seen:
                seen.append(answers)
        for pair in missing_pairs(questions, options, str(template), seen):
            given = {**option_defaults(framework), **pair}
            row = {name: given[name] for name in options if name in given}  # copier.yml's order
            if row not in seen:
                seen.append(row)
        combinations += [(framework, answers) for answers in seen]
    return combinations


def missing_pairs(
    questions: Mapping[str, Mapping[str, object]],
    options: Mapping[str, list[object]],
    template: str,
    rows: list[dict[str, object]],
) -> list[dict[str, object]]:
    """The pairs of values no row has, where a project can have them, with what they need.

    allpairspy's filter keeps rows consistent but may then leave a pair of a
    question whose ``when`` reads other answers uncovered; each comes back as
    a pair plus the answers that let it be asked (browser_tests=true). A pair
    joins an earlier one when their answers agree and still let each be asked,
    so that two conditional options (browser_driver, signup) add few rows.
    """
    found: list[dict[str, object]] = []
    for (a, a_values), (b, b_values) in itertools.combinations(options.items(), 2):
        for va, vb in itertools.product(a_values, b_values):
            pair = {a: va, b: vb}
            reads = {n for name in pair for n in depends_on(questions[name], template)}
            needs = {n: True for n in sorted(reads) if n not in pair}
            wanted = {**needs, **pair}
            if not all(
                applies(questions[name], {"framework": template, **wanted}) for name in pair
            ):
                continue  # ruled out by its own answers: no project has it
            if not any(all(row.get(k) == v for k, v in wanted.items()) for row in rows + found):
                join(found, wanted, questions, template)
    return found


def join(
    found: list[dict[str, object]],
    wanted: dict[str, object],
    questions: Mapping[str, Mapping[str, object]],
    template: str,
) -> None:
    """Add ``wanted`` to the first of ``found`` it agrees with, or as a row of its own."""
    for index, other in enumerate(found):
        merged = {**other, **wanted}
        if all(other.get(name, value) == value for name, value in wanted.items()) and all(
            applies(questions[name], {"framework": template, **merged}) for name in merged
        ):
            found[index] = merged
            return
    found.append(wanted)


# Options the matrix leaves at their defaults: they change no Python file and no
# dependency of the project, so no pair with another option can break its checks,
# and a test of their own proves what they add (typescript_client:
# tests/test_typescript_client.py). In the pairs they would cost 5 more projects.
OUTSIDE_THE_MATRIX = frozenset({"typescript_client"})


def matrix_options(questions: Mapping[str, Mapping[str, object]], template: str) -> dict:
    """The options the matrix combines for ``template``, with their values."""
    options = options_of(questions, template)
    return {name: values for name, values in options.items() if name not in OUTSIDE_THE_MATRIX}


NOT_ASKED = "(not asked)"  # the value, in all-pairs rows, of a question its answers rule out


def consistent(
    questions: Mapping[str, Mapping[str, object]],
    options: Mapping[str, list[object]],
    template: str,
    values: list[object],
) -> bool:
    """Whether a (partial) all-pairs row is one a project can have.

    A question whose ``when`` reads other answers (browser_driver) takes
    NOT_ASKED exactly where those answers rule it out, so allpairspy places
    each of its real values in rows where it is asked, pairs intact.
    """
    row = dict(zip(options, values, strict=False))
    return all(
        (value == NOT_ASKED) != applies(questions[name], {"framework": template, **row})
        for name, value in row.items()
        if depends_on(questions[name], template)
        and set(depends_on(questions[name], template)) <= set(row)
    )


def full_product_size() -> int:
    """How many combinations the full product of the options would be (for the CI log)."""
    questions = load_questions(COPIER_YML)
    total = 0
    for template in option_values(questions["framework"]) or []:
        size = 1
        for values in matrix_options(questions, str(template)).values():
            size *= len(values)
        total += size
    return total


def option_defaults(framework: str) -> dict[str, object]:
    """The default answer of every option the matrix combines that applies to ``framework``."""
    questions = load_questions(COPIER_YML)
    answers: dict[str, object] = {"framework": FRAMEWORKS.get(framework, framework)}
    for name, question in questions.items():
        if name in {"framework", *OUTSIDE_THE_MATRIX} or option_values(question) is None:
            continue
        if applies(question, answers):
            answers[name] = default_for(name, questions, **answers)
    del answers["framework"]
    return answers


def combination_id(framework: str, answers: Mapping[str, object]) -> str:
    """A readable test id: ``flask-postgresql-analytics``, ``django-sqlite-locmem-no-...``."""
    parts = [framework]
    for name, value in answers.items():
        label = name.replace("_", "-")
        if value is True:
            parts.append(label)
        elif value is False:
            parts.append(f"no-{label}")
        else:
            parts.append(str(value))
    return "-".join(parts)


@contextmanager
def servers_for(
    answers: Mapping[str, object], test_database: bool = False
) -> Iterator[dict[str, str]]:
    """The real servers a combination's answers ask for, as project settings.

    DATABASE_URL names a fresh database (dropped afterwards) for postgresql
    and mysql; with ``test_database``, TEST_DATABASE_URL names a second one,
    for a project whose own tests take their database from it (Flask's).
    REDIS_URL is set when the cache is redis. SQLite needs none of them:
    each project uses its own files.
    """
    from harness import services

    env: dict[str, str] = {}
    if answers.get("cache") == "redis":
        env["REDIS_URL"] = services.redis_url()
    database = str(answers.get("database", "sqlite"))
    if database == "sqlite":
        yield env
        return
    with ExitStack() as stack:
        env["DATABASE_URL"] = stack.enter_context(services.database(database))
        if test_database:
            env["TEST_DATABASE_URL"] = stack.enter_context(services.database(database))
        yield env
