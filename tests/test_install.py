"""Install once, use everywhere: the built wheel works from outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from harness.projects import REPO_ROOT


def sh(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_wheel_installed_outside_the_repository_generates_checks_and_updates(tmp_path):
    dist = tmp_path / "dist"
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, REPO_ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("stackgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "generator/web/page/index.html" in names and "generator/web/page/favicon.ico" in names
    assert "generator/template_source/copier.yml" in names
    # Maintainer tools and the test harness stay out of the user's wheel.
    assert not [n for n in names if n.startswith(("release/", "harness/", "tests/", "bench/"))]
    assert not [n for n in names if n.endswith(("/locks.py", "/history.py"))]

    venv = tmp_path / "tool"  # what pipx or `uv tool install` make: a venv of its own
    sh(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    sh(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    stackgen = venv / "bin" / "stackgen"
    work = tmp_path / "work"  # nowhere near the repository
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}

    where = sh(
        venv / "bin" / "python",
        "-c",
        "import generator; print(generator.__file__)",
        cwd=work,
        env=env,
    )
    assert Path(where.strip()).is_relative_to(venv)  # the installed copy, not the checkout
    sh(stackgen, "new", "shop", "--framework", "django", "--defaults", cwd=work, env=env)
    answers = yaml.safe_load((work / "shop" / ".copier-answers.yml").read_text())
    assert answers["framework"] == "django-mtv"
    assert "uv tool install" in (work / "shop" / "README.md").read_text()

    assert sh(stackgen, "check", cwd=work / "shop", env=env).startswith("up to date")
    out = sh(stackgen, "update", "--defaults", cwd=work / "shop", env=env)
    assert "already at template version" in out
