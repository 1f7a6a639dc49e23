"""What stackgen's tests share: keystrokes, snapshots, git and answers, one-line errors,
a template repository that moves on, and a generated project's own checks.

Tests read as scenarios through these helpers (as Copier's own tests do); no
test module imports another. What the benchmarks drive too (projects, servers)
is in ``harness``.

The template repository: tagged v1, then v2 (one file changed, one added, one
removed in each framework), and projects generated from v1; the
``template_repo`` fixture (in conftest.py) builds it from this repository's
templates.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier
import yaml
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from generator.cli import run
from harness.projects import ENV_DIR, FRAMEWORKS, REPO_ROOT, ProjectEnv

CHROMIUM = Path("/usr/bin/chromium")

ENTER, DOWN, CTRL_C, KILL_LINE = "\r", "\x1b[B", "\x03", "\x15"


def drive(keys: str, *argv: str) -> int:
    """Run stackgen with ``keys`` typed at its prompts, through prompt_toolkit's pipe input."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys)
        pipe.close()  # a prompt left unanswered ends the run instead of waiting forever
        return run(list(argv), interactive=True)


def new_project(dest: Path, framework: str = "flask", *extra: str) -> int:
    """``stackgen new DEST --framework FRAMEWORK --defaults EXTRA...``; its exit status."""
    argv = ["new", str(dest), "--framework", framework, "--defaults", *extra]
    return run(argv, interactive=False)


def new_flask(dest: Path, *extra: str) -> int:
    return new_project(dest, "flask", *extra)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for folders)."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def work_tree(project: Path) -> dict[str, bytes | None]:
    """``snapshot`` of everything but git's own bookkeeping (index timestamps, logs)."""
    return {name: data for name, data in snapshot(project).items() if not name.startswith(".git/")}


def answers_of(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def record(project: Path, **changes: object) -> None:
    """Write ``changes`` into the project's answers file and commit, as a pull request might."""
    path = project / ".copier-answers.yml"
    answers = yaml.safe_load(path.read_text())
    answers.update(changes)
    path.write_text(yaml.safe_dump(answers))
    commit_all(project, "hand-edited answers")


def untouched(project: Path, head: str) -> bool:
    """Whether the project is still at commit ``head`` with nothing changed, added or removed."""
    return git(project, "rev-parse", "HEAD").strip() == head and not git(
        project, "status", "--porcelain", "--untracked-files=all"
    )


def one_line_error(err: str) -> str:
    """The single line on stderr, checked to be one of ours, not a crash."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stackgen: ") and "internal error" not in lines[0], err
    return lines[0]


def stackgen_interrupted(argv: list[str], delay: float, cwd: Path) -> tuple[int, str]:
    """Run stackgen in a process of its own, send it SIGINT ``delay`` seconds into its work
    (after its imports); return its exit status and stderr."""
    import signal
    import sys
    import time

    # SIGINT as a terminal delivers it, even where this suite's parent ignores it (a shell's
    # background job does, and its children would inherit that: no signal would land).
    command = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "import generator.cli as c; print('ready', flush=True); c.main()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", command, *argv],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=300)
    return process.returncode, err


# A template repository that moves on.

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


def make_v2(templates: Path) -> None:
    """Change the templates: one file changed, one added, one removed, in each framework."""
    for template in FRAMEWORKS.values():
        folder = templates / "templates" / template
        readme = folder / "README.md.jinja"
        readme.write_text(readme.read_text() + f"\n{V2_README_LINE}\n")
        (folder / "CONTRIBUTING.md").write_text("# Contributing\n\nOpen an issue first.\n")
        (folder / ".pre-commit-config.yaml.jinja").unlink()
        (folder / ".dockerignore.jinja").unlink()


def copy_templates(repo: Path) -> None:
    """This working tree's copier.yml and templates (uncommitted changes too) into ``repo``."""
    shutil.copy(REPO_ROOT / "copier.yml", repo)
    shutil.copytree(
        REPO_ROOT / "templates",
        repo / "templates",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def build_template_repo(tmp_path: Path) -> Path:
    """A git repository of this repository's templates, tagged v1."""
    repo = tmp_path / "template"
    repo.mkdir()
    copy_templates(repo)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "v1")
    git(repo, "tag", "v1")
    return repo


def template_repo_from(tmp_path: Path, commit: str) -> Path:
    """A git repository of the templates as they were at ``commit`` (tagged v1) and as they
    are in the working tree (v2): a project made before a change, and the update to it."""
    repo = tmp_path / "template"
    repo.mkdir()
    tar = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", commit, "copier.yml", "templates"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(repo)], input=tar, check=True)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "v1")
    git(repo, "tag", "v1")
    shutil.rmtree(repo / "templates")
    copy_templates(repo)
    commit_all(repo, "v2")
    git(repo, "tag", "v2")
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


def copier_update_each(project: Path, vcs_ref: str, data: Mapping[str, object]) -> None:
    """What ``stackgen update`` does, done with Copier's own update of every answers file:
    each resource's, then the starter's, each kept apart by a commit (Copier wants a clean
    tree), the commits then taken back, every change left unstaged and each conflict left
    unmerged in git's index. The reference a faster way must give byte for byte."""
    head = git(project, "rev-parse", "HEAD").strip()
    unmerged: list[str] = []
    resources = sorted(p.name for p in project.glob(".copier-answers.resource-*.yml"))
    for answers_file in [*resources, ".copier-answers.yml"]:
        copier.run_update(
            project,
            data=dict(data),
            answers_file=answers_file,
            defaults=True,
            vcs_ref=vcs_ref,
            overwrite=True,
            quiet=True,
            unsafe=False,
            conflict="inline",
        )
        unmerged += [e for e in git(project, "ls-files", "-u", "-z").split("\0") if e]
        if answers_file != ".copier-answers.yml":
            commit_all(project, f"step {answers_file}")
    git(project, "reset", "-q", head)
    if unmerged:
        names = sorted({entry.partition("\t")[2] for entry in unmerged})
        records = [f"0 {'0' * 40}\t{name}" for name in names] + unmerged
        subprocess.run(
            ["git", "update-index", "-z", "--index-info"],
            cwd=project,
            input="\0".join(records) + "\0",
            text=True,
            check=True,
        )


# The edits users make most to a generated project: their own lines at the end
# of the files they extend (settings, URLs, the app factory, .env.example,
# pyproject.toml, compose.yaml), a new entry at the end of the lists they
# grow. Each is (file, the text it ends before, the user's text); ``None``
# appends at the very end. {slug} is the project's package.
USER_EDITS: dict[str, list[tuple[str, str | None, str]]] = {
    "flask": [
        ("{slug}/config.py", None, '\n\nMY_SETTING = os.environ.get("MY_SETTING", "mine")\n'),
        ("{slug}/__init__.py", "    return app\n", '    app.config.setdefault("MINE", True)\n'),
        (".env.example", None, "MY_SERVICE_URL=http://localhost:9000\n"),
        ("pyproject.toml", None, "\n[tool.mypy]\nstrict = true\n"),
        ("pyproject.toml", "\n]\n\n[project.optional-dependencies]", '\n    "requests==2.33.0",'),
        ("compose.yaml", None, "# my own note at the end\n"),
    ],
    "django": [
        ("{slug}/settings.py", None, 'MY_SETTING = os.environ.get("MY_SETTING", "mine")\n'),
        ("{slug}/settings.py", "\n]\n\nMIDDLEWARE = [", '\n    "blog.apps.BlogConfig",'),
        ("{slug}/urls.py", None, 'handler404 = "blog.views.not_found"\n'),
        ("{slug}/urls.py", "\n]\n", '\n    path("blog/", include("blog.urls")),'),
        (".env.example", None, "MY_SERVICE_URL=http://localhost:9000\n"),
        ("pyproject.toml", None, "\n[tool.mypy]\nstrict = true\n"),
        ("pyproject.toml", '\n]\n\n# pip install -e ".[dev]"', '\n    "requests==2.33.0",'),
        ("compose.yaml", None, "# my own note at the end\n"),
    ],
}


def edit_like_a_user(project: Path, framework: str, slug: str) -> list[str]:
    """Make ``USER_EDITS`` of ``framework`` in ``project``; return the files edited.

    The same edits on two renderings of a project give the texts a merge must
    produce from them.
    """
    edited = []
    for name, before, mine in USER_EDITS[framework]:
        path = project / name.format(slug=slug)
        text = path.read_text()
        if before is None:
            text += mine
        else:
            assert text.count(before) == 1, f"{name}: no single place before {before!r}"
            text = text.replace(before, mine + before)
        path.write_text(text)
        edited.append(str(path.relative_to(project)))
    return sorted(set(edited))


# A generated project's own checks, as its README and CI run them.


def browser_required(answers: Mapping[str, object] | None) -> dict[str, str]:
    """REQUIRE_BROWSER=1, as the project's CI sets it, where a browser test must run here."""
    needed = bool(answers and answers.get("browser_tests")) and CHROMIUM.exists()
    return {"REQUIRE_BROWSER": "1"} if needed else {}


def check_flask(
    env: ProjectEnv,
    project: Path,
    urls: dict[str, str],
    answers: Mapping[str, object] | None = None,
    tests: Sequence[str] = (),
) -> None:
    """The project's migrations, commands and own suite (``tests``: some of its test files
    only), as its CI runs them."""
    # A production-like run: no .env, no debug mode, so a real key.
    dev = {"SECRET_KEY": secrets.token_urlsafe(32), **urls}
    env.run(project, "flask", "db", "upgrade", env=dev)
    check = env.run(project, "flask", "db", "check", env=dev)
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    if "DATABASE_URL" not in urls:
        assert (project / "instance" / "app.sqlite3").exists()
    seed = env.run(project, "flask", "seed", env=dev)
    assert "Added 7 sample actors" in seed.stdout
    env.run(project, "flask", "tokens", "create", "matrix", env=dev)

    # The project's own suite: DATABASE_URL (the development database) is
    # set, TEST_DATABASE_URL names the server's test database (SQLite: unset,
    # each test makes its own file). The development data must survive it.
    # Its coverage gate is checked on SQLite: the lines covered follow the
    # options and resources, not the database, and tracing them nearly doubled
    # the suite's time (507 tests: 43 s, 71 s with coverage).
    suite_env = {**urls, **browser_required(answers)}
    coverage = "DATABASE_URL" not in urls and not tests
    options = () if coverage else ("--no-cov",)
    result = env.run(
        project, "python", "-m", "pytest", "-p", "no:cacheprovider", *options, *tests, env=suite_env
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary
    if coverage:
        assert "Required test coverage of 90% reached" in result.stdout, result.stdout
    # The development data survived the suite (seeding again adds nothing).
    reseed = env.run(project, "flask", "seed", env=dev)
    assert "Added 0 sample actors (7 were already there)" in reseed.stdout


def resource_tests(plurals: Iterable[str]) -> list[str]:
    """A Flask project's tests of its resources: each one's own file, and the two that cover
    them all. The rest of its suite is the starter's, which the matrix runs."""
    return [
        "tests/test_schemas.py",
        "tests/test_resources_api.py",
        *(f"tests/test_{plural}.py" for plural in plurals),
    ]


def check_django(
    env: ProjectEnv, project: Path, urls: dict[str, str], answers: dict[str, object]
) -> None:
    dev = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **urls}
    env.run(project, "python", "manage.py", "check", "--fail-level", "WARNING", env=dev)
    env.run(project, "python", "manage.py", "makemigrations", "--check", "--dry-run", env=dev)
    env.run(project, "python", "manage.py", "migrate", "--noinput", env=dev)
    output = env.run(project, "python", "manage.py", "showmigrations", "polls", env=dev).stdout
    assert "[X] 0001_initial" in output
    env.run(project, "python", "manage.py", "loadsamplepolls", env=dev)

    # The project's own suite, with no .env and no key: the test settings
    # provide one.
    suite_env = {**urls, **browser_required(answers)}
    result = env.run(project, "pytest", "-p", "no:cacheprovider", "-rs", env=suite_env)
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary, result.stdout
    assert "failed" not in summary and "error" not in summary, result.stdout
    if answers.get("browser_tests") and CHROMIUM.exists():
        # Other tests may skip (a statement timeout on SQLite); the browser's may not.
        skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
        assert not [line for line in skipped if "browser" in line.lower()], result.stdout


# A generated project served by gunicorn with resources, driven over real HTTP as an API
# client would: the one contract both starters keep (tests/test_contract.py).


# The issues' fitness model: owned tags, owned workouts (their tags, a coach: any user), a
# staff-kept catalogue of exercises (a unique field, choices, a parent exercise), and
# exercise sets scoped through their workout (one protected reference).
FITNESS = [
    "Tag name:string:40 --owned",
    "Workout name:string:120 duration_minutes:integer:min=1 performed_on:date "
    "performed_at:datetime:optional notes:text:optional tags:many "
    "coach:references:to=User:optional --owned",
    "Exercise title:string:unique category:choice:strength/cardio/mobility "
    "parent:references:to=Exercise:optional",
    "ExerciseSet workout:references exercise:references:protect reps:integer:min=1 "
    "weight_kg:decimal:6.2:optional",
]


@dataclass
class Reply:
    """An HTTP answer: its status, headers and body (parsed when it is JSON)."""

    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def json(self) -> bool:
        return self.headers.get("Content-Type", "").startswith("application/json")


def call(
    url: str,
    method: str = "GET",
    body: Any = None,
    token: str | None = None,
    raw: bytes | None = None,
    source: str | None = None,
) -> Reply:
    """One request; error statuses are answers too. ``raw`` sends bytes instead of JSON;
    ``source`` sends it from that loopback address (127.0.0.2, ...): another client."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    opener = urllib.request.build_opener(FromAddress(source)) if source else None
    return send(urllib.request.Request(url, data=data, method=method, headers=headers), opener)


class FromAddress(urllib.request.HTTPHandler):
    """urllib's HTTP, its connections made from the local address ``source``."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    def http_open(self, request: urllib.request.Request) -> Any:
        import http.client

        return self.do_open(http.client.HTTPConnection, request, source_address=(self.source, 0))


def send(request: urllib.request.Request, opener: Any = None) -> Reply:
    """Send ``request`` (through ``opener``, else urllib's own); the answer, errors included."""
    open_url = opener.open if opener is not None else urllib.request.urlopen
    try:
        with open_url(request, timeout=30) as response:
            status, text, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, text, got = error.code, error.read(), dict(error.headers)
    reply = Reply(status, got, text.decode(errors="replace"))
    if reply.json and text:
        reply.body = json.loads(text)
    return reply


def header(reply: Reply, name: str) -> str:
    """A header of the answer, whatever the case of its name."""
    return {key.lower(): value for key, value in reply.headers.items()}.get(name.lower(), "")


def is_error(reply: Reply, status: int) -> bool:
    """``status``, with the API contract's error body: a message, and details (maybe none)."""
    body = reply.body if reply.json else None
    return (
        reply.status == status
        and isinstance(body, dict)
        and isinstance(body.get("message"), str)
        and isinstance(body.get("detail"), dict)
    )


class LoginSession:
    """A browser's login session on a served Django site: its cookies, kept between calls,
    and its CSRF token, sent as the X-CSRFToken header only when asked (``csrf=True``)."""

    def __init__(self, base: str, username: str, password: str) -> None:
        import http.cookiejar
        import re

        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        login = f"{base}/accounts/login/"
        with self.opener.open(login, timeout=30) as page:
            form = page.read().decode()
        hidden = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert hidden, form
        fields = {"csrfmiddlewaretoken": hidden[1], "username": username, "password": password}
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(urllib.request.Request(login, data=data), timeout=30):
            pass
        assert self.cookie("sessionid"), "the login did not start a session"

    def cookie(self, name: str) -> str:
        return next((cookie.value for cookie in self.jar if cookie.name == name), "")

    def call(self, url: str, method: str = "GET", body: Any = None, csrf: bool = False) -> Reply:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if csrf:
            headers["X-CSRFToken"] = self.cookie("csrftoken")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        return send(request, self.opener)


@dataclass
class Served:
    """A generated project under gunicorn: its API's base URL, its users' tokens, and a
    way to run its own commands against the same database."""

    framework: str
    project: Path
    url: str
    tokens: dict[str, str]  # username -> bearer token
    env: ProjectEnv | None = None
    settings: Mapping[str, str] = field(default_factory=dict)

    def api(self, path: str) -> str:
        return f"{self.url}/api/{path.lstrip('/')}"

    def manage(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """``flask ARGS`` or ``python manage.py ARGS``, on the served database."""
        assert self.env is not None
        command = ("flask",) if self.framework == "flask" else ("python", "manage.py")
        return self.env.run(self.project, *command, *args, env=self.settings, input=input)

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run ``code`` with the project's app loaded (Flask: in an app context as ``app``;
        Django: ``manage.py shell -c``), on the served database."""
        assert self.env is not None
        if self.framework == "flask":
            code = "from wsgi import app\nwith app.app_context():\n" + "".join(
                f"    {line}\n" for line in code.splitlines()
            )
            return self.env.run(self.project, "python", "-c", code, env=self.settings)
        return self.manage("shell", "-c", code)


class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        import threading

        self.messages: list[Any] = []
        self.received = threading.Condition()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.received:
            self.messages.append(message)
            self.received.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30) -> list[Any]:
        with self.received:
            self.received.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, dict[str, str]]]:
    """A real SMTP server on the loopback interface (aiosmtpd): its mailbox, and the
    settings both starters read to send there (plain SMTP, no TLS on loopback)."""
    from aiosmtpd.controller import Controller

    from harness.runtime import free_port

    mailbox = Mailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        yield (
            mailbox,
            {
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(server.port),
                "EMAIL_USE_TLS": "false",
                "DEFAULT_FROM_EMAIL": "gym@example.com",
            },
        )
    finally:
        server.stop()


# The password every user made by served_with_resources signs in with.
PASSWORD = "a long passphrase"


# Each framework's way to make a user (staff or not) and a bearer token for them.
DJANGO_USERS = (
    "import json, os; from django.contrib.auth import get_user_model; "
    "from accounts.tokens import issue_token; users = get_user_model().objects; "
    "print(json.dumps({name: issue_token(name, users.create_user(name, f'{name}@example.com', "
    "os.environ['PASSWORD'], is_staff=name.startswith('staff'))) "
    "for name in os.environ['USERNAMES'].split()}))"
)


@contextmanager
def served_with_resources(
    folder: Path,
    framework: str,
    database: str,
    resources: list[str],
    users: list[str],
    database_url: str | None = None,
    settings: Mapping[str, str] | None = None,
    data: Sequence[str] = (),
) -> Iterator[Served]:
    """A new project with ``resources`` generated one by one (each committed), migrated,
    with ``users`` (those named staff... are staff; each NAME@example.com) and their
    tokens, under gunicorn.

    ``database_url`` serves it from that database (a private cluster a test stops and
    starts) instead of a fresh one on the shared server; ``settings`` are added to its
    environment; ``data`` are more answers (``typescript_client=true``)."""
    from harness import services
    from harness.projects import servers_for
    from harness.runtime import gunicorn

    project = folder / ("gym_api" if framework == "flask" else "gym")
    options = ["--data", "browser_tests=false", "--data", "api=true"]
    extra = [] if framework == "flask" else options
    for answer in data:
        extra += ["--data", answer]
    assert new_project(project, framework, "--data", f"database={database}", *extra) == 0
    for line in resources:
        assert run(["generate", "resource", *line.split(), "-C", str(project)], False) == 0
        commit_all(project, line)
    env = ProjectEnv()
    env.install(project)
    servers = (
        nullcontext({"DATABASE_URL": database_url})
        if database_url
        else servers_for({"database": database})
    )
    extra = dict(settings or {})
    with servers as urls:
        if framework == "flask":
            settings = {
                "SECRET_KEY": secrets.token_urlsafe(32),
                "REDIS_URL": services.redis_url(),
                # Counters of this run's own in the shared Redis.
                "RATELIMIT_KEY_PREFIX": f"stackgen-{secrets.token_hex(6)}",
                "API_WRITE_RATE_LIMIT": "10000/minute",
                **urls,
                **extra,
            }
            env.run(project, "flask", "db", "upgrade", env=settings)
            tokens = {}
            for name in users:
                staff = ["--staff"] if name.startswith("staff") else []
                env.run(
                    project,
                    *("flask", "users", "create", name, *staff, "--password-stdin"),
                    *("--email", f"{name}@example.com"),
                    env=settings,
                    input=f"{PASSWORD}\n",
                )
                made = env.run(project, "flask", "tokens", "create", name, env=settings)
                tokens[name] = made.stdout.strip()
            app = "wsgi:app"
        else:
            settings = {
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_DEBUG": "false",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_HTTPS": "false",
                # One cache for both workers (throttles, mail caps), this run's own keys.
                "REDIS_URL": services.redis_url(),
                "CACHE_KEY_PREFIX": f"stackgen-{secrets.token_hex(6)}",
                **urls,
                **extra,
            }
            env.run(project, "python", "manage.py", "migrate", "--noinput", env=settings)
            names = {**settings, "USERNAMES": " ".join(users), "PASSWORD": PASSWORD}
            made = env.run(project, "python", "manage.py", "shell", "-c", DJANGO_USERS, env=names)
            tokens = json.loads(made.stdout.strip().splitlines()[-1])
            app = f"{project.name}.wsgi"
        log = folder / "gunicorn.log"
        with gunicorn(env, project, app, settings, log, "/healthz", workers=2, threads=2) as url:
            yield Served(framework, project, url, tokens, env, settings)


# The typed TypeScript client (typescript_client): npm run in clients/typescript, on
# the project's own environment (its OpenAPI command), npm's downloads cached beside it.
NPM_CACHE = ENV_DIR.parent / "npm"


def npm(
    served: Served, *args: str, check: bool = True, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``npm ARGS`` in the served project's client, or skip without npm (fail under
    STACKGEN_REQUIRE_SERVICES=1). The client's smoke script is given the served API's URL."""
    from harness.runtime import require

    require(shutil.which("npm") is not None, "no npm (apt-get install nodejs npm)")
    assert served.env is not None
    client = served.project / "clients" / "typescript"
    settings = {
        **served.settings,
        "PYTHONPATH": str(served.project),
        "npm_config_cache": str(NPM_CACHE),
        "API_URL": served.url,
        **(env or {}),
    }
    return served.env.run(client, "npm", *args, env=settings, check=check)


# The initializr's render workers: a render held as long as a scenario needs.


def held_build(name: str, gate: Path, choice: Any, scratch: Path) -> Any:
    """``starter.build`` in a render worker, except that the project called ``name`` first
    leaves a file in the worker's temporary folder (as Copier's clone does), says
    ``gate/held``, and waits for ``gate/open``. Given to ``Renderer(work=...)`` as
    ``functools.partial(held_build, name, gate)``: a module function, pickled by name."""
    import tempfile
    import time

    from generator.web import starter

    if choice.answers["project_name"] == name:
        Path(tempfile.mkdtemp(prefix="copier-like-")).joinpath("file").write_text("x")
        (gate / "held").touch()
        while not (gate / "open").exists():
            time.sleep(0.02)
    return starter.build(choice, scratch)


def wait_for(path: Path, timeout: float = 120) -> None:
    """Until ``path`` exists (a worker's signal), or fail after ``timeout`` seconds."""
    import time

    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.02)
