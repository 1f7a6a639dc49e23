"""A new user's first run: generate, then type exactly the commands stackgen prints.

A fresh virtual environment per framework, the project's own install command,
its migrations, its development server answering a real request, its tests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from generator.create import INTERACTIVE, next_steps
from harness.projects import generate
from tests.helpers import answers_of

STACKGEN = Path(sys.executable).parent / "stackgen"
PROBES = {  # framework -> (run command prefix, path that must answer 200)
    "flask": ("flask run", "/api/actors"),
    "django": ("python manage.py runserver", "/polls/"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def printed_steps(output: str) -> list[str]:
    lines = output.splitlines()
    return [line.strip() for line in lines[lines.index("Next:") + 1 :] if line.strip()]


def user_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST"))}
    env.update(STACKGEN_HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def get(url: str, deadline: float) -> tuple[int, bytes]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.slow
@pytest.mark.parametrize("framework", PROBES)
def test_printed_next_steps_work_in_a_fresh_environment(tmp_path, framework):
    env = user_env(tmp_path / "home")
    created = subprocess.run(
        [STACKGEN, "new", str(tmp_path / "first"), "--framework", framework, "--defaults"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    steps = printed_steps(created.stdout)
    run_prefix, probe = PROBES[framework]
    cd, setup, install, *prepare, serve, test = steps
    assert cd.startswith("cd ") and serve.startswith(run_prefix) and test == "pytest"
    interactive = [step for step in prepare if step.endswith(INTERACTIVE)]
    assert interactive == (
        ["python manage.py createsuperuser" + INTERACTIVE] if framework == "django" else []
    )

    def shell(command: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        script = f"set -e\n{cd}\n{setup}\n{command}\n"
        result = subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=timeout
        )
        assert result.returncode == 0, (
            f"{command}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
        return result

    shell(install)
    for step in prepare:
        if step not in interactive:  # a person answers those; the rest runs as printed
            shell(step)
    port = free_port()
    address = f"--port {port}" if framework == "flask" else f"127.0.0.1:{port}"
    server = subprocess.Popen(
        ["bash", "-c", f"set -e\n{cd}\n{setup}\nexec {serve} {address}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        status, body = get(f"http://127.0.0.1:{port}{probe}", time.monotonic() + 60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert status == 200
    if framework == "flask":
        assert json.loads(body)["items"] == []
    else:
        assert b'href="/polls/' in body  # the sample polls are listed
    tests = shell(test)
    assert " passed" in tests.stdout and " failed" not in tests.stdout


def commands_of(readme: str) -> list[str]:
    """The lines of the README's sh blocks, each without its trailing ``# note``."""
    commands, inside = [], False
    for line in readme.splitlines():
        if line.startswith("```"):
            inside = line == "```sh"
        elif inside:
            commands.append(line.split("   #")[0].split("  #")[0].rstrip())
    return commands


@pytest.mark.parametrize("database", ["postgresql", "mysql"])
@pytest.mark.parametrize("framework", PROBES)
def test_the_readme_creates_the_database_with_the_printed_command(tmp_path, framework, database):
    project = generate(tmp_path / "dbsite", framework, database=database)
    recorded = answers_of(project)
    steps = next_steps(project, recorded)
    # The one step a server database adds to the printed ones.
    [create] = [
        s for s in steps if s not in next_steps(project, {**recorded, "database": "sqlite"})
    ]
    assert create.split()[0] in {"createdb", "mysql"}, create
    assert create in commands_of((project / "README.md").read_text())


def test_an_api_project_says_how_to_make_an_api_user_and_its_token(tmp_path):
    project = generate(tmp_path / "apisite", "django", api=True)
    recorded = answers_of(project)
    steps = next_steps(project, recorded)
    added = [s for s in steps if s not in next_steps(project, {**recorded, "api": False})]
    commands = [step.split("  #")[0] for step in added]
    assert commands == ["python manage.py users create me", "python manage.py apitoken create me"]
    readme = commands_of((project / "README.md").read_text())
    assert all(command in readme for command in commands), readme
