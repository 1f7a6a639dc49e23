"""Build the TypeScript client's generated files: each starter's ``schema.d.ts`` and the
client's ``package-lock.json.jinja``.

Run when an API changes (a route, a schema, a status) or a client dependency's pin in
``templates/shared/typescript/package.json.jinja`` does (needs npm and the npm registry)::

    python -m release.clients

A generated project's client must match the project as generated, with no Node at
generation time: so the client is generated here, as the project itself regenerates it
(``npm run generate``: the app's own OpenAPI command, then the pinned openapi-typescript),
for every combination of the options that change the API's document (Flask's analytics
and celery), and written to ``templates/shared/typescript/schemas/``, which the
starters' ``schema.d.ts.jinja`` include. The lock's only answer is the project's name.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from harness.projects import REPO_ROOT, ProjectEnv, generate

SHARED = REPO_ROOT / "templates" / "shared" / "typescript"
SCHEMAS = SHARED / "schemas"
PLACEHOLDER = "stackgen-lock-placeholder"
CLIENT_NAME = "{{ project_slug | replace('_', '-') }}-client"
# The options that change an API's OpenAPI document, by framework.
API_OPTIONS = {"flask": ("analytics", "celery"), "django": ()}
FRAMEWORK_ANSWERS = {"flask": {}, "django": {"api": True}}
SECRETS = {"SECRET_KEY": secrets.token_urlsafe(32), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}


def schema_name(framework: str, options: dict[str, bool]) -> str:
    """The file a combination's schema is kept in (the starters' include names it so)."""
    template = "flask-api" if framework == "flask" else "django-mtv"
    return template + "".join(f"-{name}" for name, on in options.items() if on) + ".d.ts"


def npm(client: Path, env: ProjectEnv, project: Path, *args: str) -> None:
    env.run(client, "npm", *args, env={**SECRETS, "PYTHONPATH": str(project)})


def build(work: Path) -> None:
    SCHEMAS.mkdir(exist_ok=True)
    env = ProjectEnv()
    lock = None
    for framework, names in API_OPTIONS.items():
        for values in itertools.product([False, True], repeat=len(names)):
            options = dict(zip(names, values, strict=True))
            target = SCHEMAS / schema_name(framework, options)
            if not target.exists():
                target.write_text("")  # the project renders before its schema exists
            answers = {**FRAMEWORK_ANSWERS[framework], **options, "typescript_client": True}
            project = generate(work / target.stem, framework, **answers)
            env.install(project)
            client = project / "clients" / "typescript"
            if lock is None:
                lock = _lock(client, env, project)
            else:
                shutil.copy(lock, client / "package-lock.json")
            npm(client, env, project, "ci", "--no-audit", "--no-fund")
            npm(client, env, project, "run", "generate")
            target.write_text((client / "src" / "schema.d.ts").read_text())
            print(f"wrote {target.relative_to(REPO_ROOT)}")


def _lock(client: Path, env: ProjectEnv, project: Path) -> Path:
    """The client's lock, written by npm for a placeholder name, kept as a template."""
    manifest = json.loads((client / "package.json").read_text())
    manifest["name"] = PLACEHOLDER
    (client / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (client / "package-lock.json").unlink(missing_ok=True)
    npm(client, env, project, "install", "--package-lock-only", "--no-audit", "--no-fund")
    lock = client / "package-lock.json"
    text = lock.read_text()
    assert text.count(f'"{PLACEHOLDER}"') == 2, "the name is the lock's and its root package's"
    (SHARED / "package-lock.json.jinja").write_text(
        text.replace(f'"{PLACEHOLDER}"', f'"{CLIENT_NAME}"')
    )
    print(f"wrote {(SHARED / 'package-lock.json.jinja').relative_to(REPO_ROOT)}")
    return lock


def main() -> None:
    os.environ.setdefault("npm_config_cache", str(REPO_ROOT / ".cache" / "npm"))
    with tempfile.TemporaryDirectory(prefix="stackgen-clients-") as work:
        build(Path(work))


if __name__ == "__main__":
    main()
