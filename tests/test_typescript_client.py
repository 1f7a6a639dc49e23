"""The typed TypeScript client (``typescript_client``), on both starters.

One project per starter, served by gunicorn as the contract tests serve theirs: the
client as generated is current (its stale check passes), and its smoke script, compiled
by ``tsc`` (a type error fails it) and run through the client, signs in, makes and lists
tokens, reads the starter's list and a 422 as a typed error, and signs out, over HTTP. A
resource added afterwards leaves the client stale until it is regenerated, as the
project's CI says; regenerated, it has the resource's paths and type-checks.
"""

from __future__ import annotations

import pytest

from generator.cli import run
from harness.projects import leftover_template_syntax
from tests.helpers import PASSWORD, commit_all, npm, served_with_resources

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_the_client_drives_the_served_api_and_is_stale_after_a_new_resource(
    tmp_path, capsys, framework
):
    answers = ["typescript_client=true"]
    with served_with_resources(tmp_path, framework, "sqlite", [], ["ann"], data=answers) as served:
        client = served.project / "clients" / "typescript"
        assert leftover_template_syntax(served.project) == []
        npm(served, "ci", "--no-audit", "--no-fund")
        npm(served, "run", "stale")

        # smoke compiles the client with tsc first: a type error fails it
        user = {"API_USERNAME": "ann", "API_PASSWORD": PASSWORD}
        smoke = npm(served, "run", "smoke", env=user).stdout
        assert "signed in as token" in smoke and "me: ann" in smoke, smoke
        assert "smoke, smoke laptop" in smoke, smoke  # after the helper's own token
        assert "422: " in smoke and '{"json":{"name":' in smoke, smoke
        assert smoke.rstrip().endswith("signed out"), smoke

        line = "Workout name:string:120"
        capsys.readouterr()
        assert run(["generate", "resource", *line.split(), "-C", str(served.project)], False) == 0
        regenerate = "`cd clients/typescript && npm ci && npm run generate`"
        assert regenerate in capsys.readouterr().out  # the next steps say how
        commit_all(served.project, line)
        stale = npm(served, "run", "stale", check=False)
        assert stale.returncode == 1, stale.stdout + stale.stderr
        assert "src/schema.d.ts is stale: run npm run generate" in stale.stderr

        npm(served, "run", "generate")
        assert '"/api/workouts"' in (client / "src" / "schema.d.ts").read_text()
        npm(served, "run", "check")
