"""A template repository that moves on: tagged v1, then v2 (one file changed, one added,
one removed in each framework), and projects generated from v1.

The ``template_repo`` fixture (in conftest.py) builds it from this repository's templates.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import copier
import yaml

from tests.projects import FRAMEWORKS, REPO_ROOT

V2_README_LINE = "Template v2 adds this line to the README."


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-qm", message)


def answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def make_v2(templates: Path) -> None:
    """Change the templates: one file changed, one added, one removed, in each framework."""
    for template in FRAMEWORKS.values():
        folder = templates / "templates" / template
        readme = folder / "README.md.jinja"
        readme.write_text(readme.read_text() + f"\n{V2_README_LINE}\n")
        (folder / "CONTRIBUTING.md").write_text("# Contributing\n\nOpen an issue first.\n")
        (folder / ".pre-commit-config.yaml.jinja").unlink()
        (folder / ".dockerignore").unlink()


def build_template_repo(tmp_path: Path) -> Path:
    """A git repository of this repository's templates, tagged v1."""
    repo = tmp_path / "template"
    repo.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", repo)
    shutil.copytree(
        REPO_ROOT / "templates",
        repo / "templates",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "v1")
    git(repo, "tag", "v1")
    return repo


def release_v2(repo: Path) -> None:
    make_v2(repo)
    commit_all(repo, "v2")
    git(repo, "tag", "v2")


def generate_at_v1(repo: Path, dest: Path, framework: str, **data) -> Path:
    copier.run_copy(
        str(repo),
        dest,
        data={"framework": FRAMEWORKS[framework], **data},
        defaults=True,
        vcs_ref="v1",
        quiet=True,
    )
    git(dest, "init", "-q", "-b", "main")
    commit_all(dest, "generated at v1")
    return dest
