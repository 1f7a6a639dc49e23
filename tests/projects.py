"""Generate projects from this repository's templates and run their own checks.

The generated projects are the product, so tests drive them the way a user
would: render with Copier, install the project's pinned dependencies, then
run the project's own commands. Every generated project in a test run shares
one virtual environment (``.cache/project-env``) so dependencies are
installed once, not once per combination.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import copier

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_DIR = Path(os.environ.get("STACKGEN_PROJECT_ENV", REPO_ROOT / ".cache" / "project-env"))
FRAMEWORKS = {"flask": "flask-api", "django": "django-mtv"}
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
    """A virtual environment shared by the generated projects of a test run."""

    def __init__(self, root: Path = ENV_DIR) -> None:
        self.root = root
        self.bin = root / "bin"
        self._record = root / "stackgen-installed.txt"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def install(self, project: Path, extras: tuple[str, ...] = ("dev",)) -> None:
        """Install what ``project`` declares, unless an earlier project did."""
        wanted = sorted(set(project_requirements(project, extras)))
        with _locked(self.root.parent / f"{self.root.name}.lock"):
            if not self.python.exists():
                subprocess.run([sys.executable, "-m", "venv", str(self.root)], check=True)
            done = set(self._record.read_text().splitlines()) if self._record.exists() else set()
            missing = [req for req in wanted if req not in done]
            if missing:
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
            and key not in {"DATABASE_URL", "SECRET_KEY", "VIRTUAL_ENV"}
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        env["PYTHONPATH"] = str(project)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(extra or {})
        return env

    def run(
        self,
        project: Path,
        *command: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` inside ``project`` with this environment active.

        On failure the assertion message carries the command's whole output,
        which is what one needs to fix a template.
        """
        result = subprocess.run(
            list(command),
            cwd=project,
            env=self.environ(project, env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"`{' '.join(command)}` failed in {project} (exit {result.returncode})\n"
                f"--- stdout ---\n{result.stdout[-8000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
            )
        return result
