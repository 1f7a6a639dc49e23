"""The web initializr (`stackgen serve`): the same rules as the CLI, downloads that stay
updatable, and refusals that are JSON 4xx naming the key, never a 500."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import store
from generator.catalogue import TEMPLATES
from generator.cli import run
from generator.errors import AnswerError
from generator.questions import asks, load_questions, option_values
from generator.recommendation import QUESTIONS
from generator.web import create_app, starter
from generator.web.workers import RETRY_AFTER, Renderer
from harness.projects import REPO_ROOT
from tests.helpers import held_build, wait_for

QUESTIONS_YML = load_questions(REPO_ROOT / "copier.yml")
AUTHOR = {"author_name": "Ada Lovelace", "author_email": "ada@example.com"}


@pytest.fixture(scope="module")
def client():
    return create_app().test_client()


def query(**answers: object) -> str:
    return urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in answers.items()})


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


def unzip(data: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (top,) = {name.split("/")[0] for name in archive.namelist()}
        for info in archive.infolist():
            archive.extract(info, into)
            mode = info.external_attr >> 16 & 0o777
            if mode:
                (into / info.filename).chmod(mode)
    return into / top


# --- metadata and recommendation: one source each ---------------------------------------


def test_metadata_lists_every_question_of_copier_yml_with_its_frameworks(client):
    meta = client.get("/api/metadata").get_json()
    by_key = {q["key"]: q for q in meta["questions"]}
    asked = [k for k, s in QUESTIONS_YML.items() if k != "framework" and s.get("when") is not False]
    assert list(by_key) == asked
    for key, question in by_key.items():
        spec = QUESTIONS_YML[key]
        assert question["values"] == option_values(spec)
        assert question["frameworks"] == [
            name for name, template in TEMPLATES.items() if asks(spec, template)
        ]
    assert by_key["database"]["defaults"] == {"flask": "sqlite", "django": "sqlite"}
    assert by_key["analytics"]["defaults"] == {"flask": False, "django": False}
    assert by_key["api"]["defaults"] == {"django": False}
    assert by_key["browser_tests"]["defaults"] == {"flask": False, "django": True}
    # shown once it is on
    assert by_key["browser_driver"]["requires"] == {name: ["browser_tests"] for name in TEMPLATES}
    assert by_key["database"]["requires"] == {name: [] for name in TEMPLATES}
    assert by_key["typescript_client"]["requires"] == {"flask": [], "django": ["api"]}
    assert by_key["description"]["defaults"] == {
        "flask": "A Flask REST API",
        "django": "A Django web site",
    }
    assert [q["key"] for q in meta["help_me_choose"]] == [q.key for q in QUESTIONS]


@pytest.mark.parametrize(
    "answers",
    [
        {"building": "site", "experience": "new", "style": "batteries", "deadline": "days"},
        {"building": "data", "experience": "some", "style": "choose", "deadline": "no-rush"},
        {"building": "api", "experience": "new", "style": "batteries", "deadline": "days"},
    ],
)
def test_recommendation_is_the_one_recommend_json_prints(client, capsys, answers):
    flags = [arg for key, value in answers.items() for arg in (f"--{key}", value)]
    assert run(["recommend", *flags, "--json"], interactive=False) == 0
    printed = json.loads(capsys.readouterr().out)
    assert client.get(f"/api/recommend?{query(**answers)}").get_json() == printed


@pytest.mark.parametrize(
    ("url", "key", "valid"),
    [
        ("building=site", "experience", ["new", "some", "experienced"]),
        ("building=castle&experience=new&style=choose&deadline=days", "building", None),
        ("building=site&building=api&experience=new&style=choose&deadline=days", "building", None),
        ("building=site&experience=new&style=choose&deadline=days&x=1", "x", None),
    ],
)
def test_recommend_refuses_bad_answers_naming_the_key(client, url, key, valid):
    response = client.get(f"/api/recommend?{url}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["key"] == key
    if valid:
        assert body["valid"] == valid
    elif key == "building" and "castle" in url:
        assert body["valid"] == ["site", "api", "data"]


# --- preview, file content, diff ----------------------------------------------------------


@pytest.mark.parametrize(
    ("framework", "extra"),
    [("flask", {"analytics": True, "database": "postgresql"}), ("django", {"cache": "redis"})],
)
def test_the_shown_command_generates_what_preview_and_download_hold(
    client, tmp_path, monkeypatch, framework, extra
):
    """Same answers, same files: `stackgen new` (run as the page shows it) minus .git and
    .env; the download's answers file names the default store instead of this one."""
    q = query(framework=framework, project_name="Movie Shop", **AUTHOR, **extra)
    preview = client.get(f"/api/preview?{q}").get_json()
    assert preview["folder"] == "movie-shop"
    argv = shlex.split(preview["command"])
    assert argv[:5] == ["stackgen", "new", "movie-shop", "--framework", framework]
    monkeypatch.chdir(tmp_path)
    assert run(argv[1:], interactive=False) == 0
    dest = tmp_path / "movie-shop"
    generated = tree(dest)
    assert ".env" in generated
    del generated[".env"]
    mine = yaml.safe_load(generated.pop(".copier-answers.yml"))
    assert mine["project_name"] == "Movie Shop" and mine["author_name"] == "Ada Lovelace"

    listed = {f["path"]: f["size"] for f in preview["files"]}
    assert listed.pop(".copier-answers.yml") > 0
    assert listed == {path: len(content) for path, content in generated.items()}

    zipped = client.get(f"/starter.zip?{q}")
    assert zipped.status_code == 200
    assert zipped.headers["Content-Disposition"] == 'attachment; filename="movie-shop.zip"'
    project = unzip(zipped.data, tmp_path / "unzipped")
    assert project.name == "movie-shop"
    downloaded = tree(project)
    recorded = yaml.safe_load(downloaded.pop(".copier-answers.yml"))
    assert downloaded == generated
    assert recorded.pop("_src_path") == store.DEFAULT_STORE
    del mine["_src_path"]
    assert recorded == mine
    for path in project.rglob("*"):  # file modes survive the archive
        if path.is_file():
            twin = dest / path.relative_to(project)
            assert path.stat().st_mode & 0o111 == twin.stat().st_mode & 0o111, path


def test_resource_rows_reach_the_preview_the_command_and_the_download(
    client, tmp_path, monkeypatch
):
    rows = "Workout  name:string --owned;ExerciseSet title:string workout:references;"
    q = query(framework="flask", resources=rows)
    preview = client.get(f"/api/preview?{q}").get_json()
    assert preview["resources"] == [
        "Workout name:string --owned",
        "ExerciseSet title:string workout:references",
    ]
    argv = shlex.split(preview["command"])
    assert argv[-4:] == [
        "--resource",
        "Workout name:string --owned",
        "--resource",
        "ExerciseSet title:string workout:references",
    ]
    monkeypatch.chdir(tmp_path)
    assert run(argv[1:], interactive=False) == 0

    def shape(paths):  # a migration's revision is its own in each project
        return sorted(re.sub(r"/[0-9a-f]{12}_", "/REV_", path) for path in paths)

    generated = [p for p in tree(tmp_path / "my-project") if p != ".env"]
    listed = [f["path"] for f in preview["files"]]
    assert shape(listed) == shape(generated)
    assert "my_project/resources/exercise_sets/views.py" in listed
    project = unzip(client.get(f"/starter.zip?{q}").data, tmp_path / "unzipped")
    answers = yaml.safe_load((project / ".copier-answers.resource-workout.yml").read_text())
    assert answers["_src_path"] == store.DEFAULT_STORE and answers["resource"]["owned"] is True


def test_a_refused_resource_row_is_named_by_its_number_and_name(client):
    """The page shows the error beside that row: rows count from 1, blank ones skipped."""
    rows = "Workout name:string;  ;ExerciseSet workout:references reps:integr"
    for framework in ("flask", "django"):
        response = client.get(f"/api/preview?{query(framework=framework, resources=rows)}")
        assert response.status_code == 400
        body = response.get_json()
        assert (body["key"], body["row"], body["name"]) == ("resources", 2, "ExerciseSet")
        assert body["error"].startswith(
            'resource 2 (ExerciseSet): field "reps": unknown type "integr"'
        )
    bound = client.get(
        f"/api/preview?{query(framework='flask', resources=HEAVY_ROWS + ';X a:string')}"
    )
    assert "row" not in bound.get_json()  # the bounds are no one row's fault


def test_django_resources_get_pages_and_with_the_api_option_an_api(client):
    rows = "Workout name:string duration_minutes:integer:min=1 --owned"
    listed = {}
    for api in (False, True):
        q = query(framework="django", api=api, resources=rows)
        preview = client.get(f"/api/preview?{q}").get_json()
        listed[api] = {f["path"] for f in preview["files"]}
    app = "my_project/resources/workouts/"
    for api in (False, True):
        assert {app + "views.py", app + "urls.py", app + "tests.py"} <= listed[api]
    assert app + "api.py" not in listed[False]
    assert {app + "api.py", app + "test_api.py"} <= listed[True]


def test_file_content_and_unknown_paths(client):
    q = query(framework="flask", project_name="Movie API")
    body = client.get(f"/api/file?{q}&path=pyproject.toml").get_json()
    assert body["binary"] is False and 'name = "movie-api"' in body["text"].replace("_", "-")
    for path in ("../pyproject.toml", "/etc/passwd", ".env", "", "movie_api"):
        response = client.get(f"/api/file?{q}&{urlencode({'path': path})}")
        assert response.status_code == 404, path
        assert response.get_json()["key"] == "path"
        assert "pyproject.toml" in response.get_json()["valid"]
    missing = client.get(f"/api/file?{q}")
    assert missing.status_code == 404 and missing.get_json()["key"] == "path"


def test_diff_shows_what_one_flipped_option_changes(client):
    q = query(framework="flask")
    body = client.get(f"/api/diff?{q}&flip=analytics=true").get_json()
    added = [f["path"] for f in body["added"]]
    assert "tests/test_stats.py" in added and "my_project/api/stats.py" in added
    assert body["removed"] == []
    changed = {f["path"]: f["diff"] for f in body["changed"]}
    assert "+analytics: true" in changed[".copier-answers.yml"]
    assert "pandas" in changed["pyproject.toml"]

    database = client.get(f"/api/diff?{q}&flip=database=mysql").get_json()
    assert "pymysql" in {f["path"]: f["diff"] for f in database["changed"]}["pyproject.toml"]

    for flip, key in [("", "flip"), ("framework=django", "flip"), ("cache=redis", "cache")]:
        response = client.get(f"/api/diff?{q}&{urlencode({'flip': flip})}")
        assert response.status_code == 400 and response.get_json()["key"] == key, flip


# --- untrusted input ----------------------------------------------------------------------

BAD = [
    # (query, key named, a value the answer lists as valid or None)
    ("", "framework", "flask"),
    ("framework=rails", "framework", "django"),
    ("framework=flask-api", "framework", "flask"),
    ("framework=flask&framework=django", "framework", None),
    ("framework=flask&database=oracle", "database", "postgresql"),
    ("framework=flask&database=sqlite&database=mysql", "database", None),
    ("framework=flask&analytics=maybe", "analytics", None),
    ("framework=flask&cache=redis", "cache", "analytics"),
    ("framework=flask&api=true", "api", "analytics"),
    ("framework=django&analytics=maybe", "analytics", None),
    ("framework=flask&colour=blue", "colour", "database"),
    ("framework=flask&framework_label=x", "framework_label", "database"),
    ("framework=flask&_src_path=/tmp", "_src_path", "database"),
    ("framework=flask&project_name=", "project_name", None),
    ("framework=flask&project_name=%00", "project_name", None),
    ("framework=flask&project_name=a%00b", "project_name", None),
    ("framework=flask&project_name=a%0Ab", "project_name", None),
    ("framework=flask&project_name=..", "project_name", None),
    ("framework=flask&project_name=os", "project_name", None),
    ("framework=flask&project_name=" + "x" * 300, "project_name", None),
    ("framework=flask&description=" + "y" * 5000, "description", None),
    ("framework=flask&project_slug=..%2Fx", "project_slug", None),
    ("framework=flask&project_slug=import", "project_slug", None),
    ("framework=flask&author_email=nobody", "author_email", None),
    ('framework=flask&description=say+"hi"', "description", None),
    ("framework=flask&=x", "", None),
    ("framework=flask&description%3Dhi=", "description=hi", "description"),
    ("framework=flask&+database=mysql", " database", "database"),
    ("framework=flask&project_name=%80", "", None),
    ("framework=flask&" + "&".join(f"k{i}=1" for i in range(60)), None, None),
    ("framework=flask&resources=Workouts+name:string", "resources", None),
    ("framework=flask&resources=Workout+name:strng", "resources", None),
    ("framework=flask&resources=Workout", "resources", None),
    ("framework=flask&resources=Workout+a:string;Workout+b:string", "resources", None),
    ("framework=flask&resources=Workout+coach:references", "resources", None),
    ("framework=django&resources=Session+label:string", "resources", None),
    ("framework=flask&resources=Workout+name:string+--owned+--owned", "resources", None),
    # One short query, many renders: 20 one-field resources took the server 54 s.
    (
        "framework=flask&resources=" + ";".join(f"R{n}x+a:string" for n in range(7)),
        "resources",
        None,
    ),
    (
        "framework=flask&resources="
        + ";".join(f"R{n}x+" + "+".join(f"f{k}:string" for k in range(11)) for n in range(4)),
        "resources",
        None,
    ),
]


@pytest.mark.parametrize(("qs", "key", "valid"), BAD)
@pytest.mark.parametrize("endpoint", ["/api/preview", "/starter.zip", "/starter.tar.gz"])
def test_bad_input_is_a_json_400_naming_the_key(client, endpoint, qs, key, valid):
    response = client.get(f"{endpoint}?{qs}")
    assert response.status_code == 400, response.data[:300]
    body = response.get_json()
    assert body["error"]
    if key is not None:
        assert body["key"] == key
    if valid is not None:
        assert valid in body["valid"]


KEYS = [*QUESTIONS_YML, "path", "flip", "x", ""]
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.lists(st.tuples(st.one_of(st.sampled_from(KEYS), ANY_TEXT), ANY_TEXT), max_size=6),
    framework=st.sampled_from([None, "flask", "django"]),
)
def test_any_pairs_make_a_choice_or_an_answer_error_naming_a_given_key(pairs, framework):
    """No render here: the checks alone, on whatever a query string can carry."""
    if framework:
        pairs = [("framework", framework), *pairs]
    try:
        choice = starter.parse_pairs(pairs)
    except AnswerError as error:
        assert error.key in {key for key, _ in pairs} | {"framework"}
        assert str(error)
        return
    assert choice.folder and "/" not in choice.folder and choice.folder not in {".", ".."}
    assert dict(choice.given).keys() <= {key for key, _ in pairs}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.one_of(
        st.binary(max_size=120),
        # Lone surrogates become the invalid UTF-8 a client can send (str.encode refuses them).
        ANY_TEXT.map(lambda text: b"framework=flask&" + text.encode("utf-8", "surrogatepass")),
    )
)
def test_any_query_string_is_never_a_server_error(client, raw):
    # A stand-in render: this is about the checks, not about Copier.
    fake = starter.Starter("x", "v0", (starter.File("README.md", 0o644, b"hi\n"),))
    renderer = client.application.extensions["stackgen.renderer"]
    with mock.patch.object(renderer, "render", lambda choice: fake):
        for endpoint in (
            "/api/preview",
            "/api/file",
            "/api/diff",
            "/api/recommend",
            "/starter.zip",
        ):
            # What a WSGI server hands the app: the raw query, bytes as latin-1.
            query_string = raw.decode("latin-1")
            response = client.get(endpoint, environ_overrides={"QUERY_STRING": query_string})
            assert response.status_code in {200, 400, 404}, (endpoint, raw, response.data[:200])
            if response.status_code != 200:
                assert response.get_json()["error"]


@pytest.mark.parametrize(
    ("name", "folder"),
    [("../x", "x"), ("/etc", "etc"), ("a/../../b", "a-b"), ("Movie API", "movie-api")],
)
def test_path_tricks_in_the_name_stay_text(client, name, folder):
    """A project name is text in the project's files; the archive's folder is derived."""
    response = client.get(f"/starter.tar.gz?{query(framework='flask', project_name=name)}")
    assert response.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(response.data)) as archive:
        names = archive.getnames()
        assert all(n == folder or n.startswith(f"{folder}/") for n in names)
        assert not any(".." in n.split("/") or n.startswith("/") for n in names)
        answers = yaml.safe_load(archive.extractfile(f"{folder}/.copier-answers.yml").read())
    assert answers["project_name"] == name


def test_a_query_string_that_is_not_utf8_is_refused(client):
    response = client.get("/api/preview", environ_overrides={"QUERY_STRING": "framework=\x80"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "the query string is not UTF-8 text"


def test_a_huge_query_string_is_refused(client):
    response = client.get("/api/preview?framework=flask&description=" + "z" * 20_000)
    assert response.status_code == 400
    assert "query string" in response.get_json()["error"]


def test_unknown_routes_and_methods_answer_json(client):
    assert client.get("/nope").status_code == 404
    assert client.get("/nope").get_json()["error"]
    assert client.post("/starter.zip?framework=flask").status_code == 405


def test_the_page_lists_the_questions_and_echoes_nothing(client):
    response = client.get("/?framework=%3Cscript%3Ealert(1)%3C/script%3E&building=site")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for key in [*QUESTIONS_YML, *(q.key for q in QUESTIONS)]:
        if QUESTIONS_YML.get(key, {}).get("when") is not False:
            assert f'name="{key}"' in page, key
    assert "<script>alert(1)" not in page


def test_the_favicon_is_served_by_the_app_itself(client):
    """/favicon.ico (which browsers ask for unprompted) and the SVG the page links to."""
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.mimetype == "image/x-icon"
    assert ico.data[:4] == b"\x00\x00\x01\x00"  # an ICO header, not a page or JSON
    svg = client.get("/favicon.svg")
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<svg")
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in page


# --- archives -----------------------------------------------------------------------------


def test_archives_are_the_same_project_and_carry_no_env(client):
    q = query(framework="django", project_name="Poll Site")
    zipped = client.get(f"/starter.zip?{q}").data
    tarred = client.get(f"/starter.tar.gz?{q}").data
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        from_zip = {n: z.read(n) for n in z.namelist()}
    with tarfile.open(fileobj=io.BytesIO(tarred)) as t:
        from_tar = {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
    assert from_zip == from_tar
    assert "poll-site/.env.example" in from_zip and "poll-site/.env" not in from_zip
    readme = from_zip["poll-site/README.md"].decode()
    assert "cp .env.example .env" in readme
    assert client.get(f"/starter.zip?{q}").data == zipped  # the same bytes each time


def test_renders_are_cached_and_leave_nothing_behind(tmp_path):
    renderer = Renderer(cached=4, scratch=tmp_path)
    choice = starter.parse_pairs([("framework", "flask"), ("project_name", "cache-check")])
    first = renderer.render(choice)
    assert list(tmp_path.iterdir()) == []  # the render's folder (and Copier's clone) are gone
    assert renderer.render(choice) is first
    assert renderer.cache_info() == (1, 4)


# --- one request never holds the others ----------------------------------------------------

# The heaviest preview the bounds allow: 6 resources, 40 fields.
HEAVY_ROWS = ";".join(
    f"Heavy{n} " + " ".join(f"f{k}:string" for k in range(6 if n < 4 else 8)) for n in range(6)
)
HELD = query(framework="flask", project_name="held", resources=HEAVY_ROWS)
LIGHT = query(framework="django", project_name="light")


@pytest.fixture
def gate(tmp_path) -> Path:
    """The gate of a held render (tests/helpers.py held_build), beside tmp_path/scratch,
    where the renders' temporary folders go, to see what is left."""
    for folder in ("gate", "scratch"):
        (tmp_path / folder).mkdir()
    return tmp_path / "gate"


def held_app(gate: Path, **bounds):
    """An initializr whose render of the project called "held" waits at ``gate``."""
    work = partial(held_build, "held", gate)
    return create_app(renderer=Renderer(work=work, scratch=gate.parent / "scratch", **bounds))


@contextmanager
def held(app, gate: Path) -> Iterator[Future]:
    """The held request in flight, let go at the end whatever happens."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            heavy = pool.submit(app.test_client().get, f"/api/preview?{HELD}")
            wait_for(gate / "held")
            yield heavy
        finally:
            (gate / "open").touch()


def test_a_trivial_request_is_answered_while_a_heavy_render_is_held(gate):
    app = held_app(gate, deadline=600)
    with held(app, gate) as heavy:
        light = app.test_client().get(f"/api/preview?{LIGHT}")
        assert light.status_code == 200, light.data[:300]
        assert "manage.py" in [f["path"] for f in light.get_json()["files"]]
        assert not heavy.done()  # still held: the light one did not wait for it
    answer = heavy.result(timeout=600)
    assert answer.status_code == 200, answer.data[:300]
    assert len(answer.get_json()["resources"]) == 6


def test_past_its_deadline_a_render_is_a_json_503_and_leaves_nothing(gate):
    app = held_app(gate, deadline=8)  # the gate never opens: always past it, however busy
    response = app.test_client().get(f"/starter.zip?{HELD}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER)
    assert response.get_json() == {
        "error": "the starter took longer than 8 s to render; try again later"
    }
    assert (gate / "held").exists()  # it was rendering, with a folder of its own
    assert list((gate.parent / "scratch").iterdir()) == []  # the worker's folders are removed


def test_past_the_waiting_bound_a_request_is_refused_at_once(gate):
    app = held_app(gate, workers=1, waiting=0, deadline=600)
    with held(app, gate) as heavy:
        refused = app.test_client().get(f"/api/preview?{LIGHT}")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == str(RETRY_AFTER)
        assert refused.get_json() == {
            "error": "the server is busy (renders running: 1, waiting: 0); try again in a few "
            "seconds"
        }
    assert heavy.result(timeout=600).status_code == 200
    assert app.test_client().get(f"/api/preview?{LIGHT}").status_code == 200


def test_the_serving_process_never_loads_copier():
    """Renders happen in worker processes, which end with them: the server's own memory
    holds its cache, not Copier, Jinja and the templates of every render so far."""
    code = (
        "import sys\n"
        "from generator.web import create_app\n"
        "client = create_app().test_client()\n"
        "for name in ('one', 'two'):\n"
        "    assert client.get(f'/api/preview?framework=flask&project_name={name}').status_code"
        " == 200\n"
        "print(sorted(m for m in ('copier', 'plumbum') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- the download on the user's machine ---------------------------------------------------


def stackgen(*argv: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """stackgen as a user with a home of their own runs it: no STACKGEN_HOME, no store yet."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"STACKGEN_HOME", "XDG_DATA_HOME", "PYTHONPATH"}
    }
    env |= {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        [sys.executable, "-c", "from generator.cli import main; main()", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_download_is_checked_and_updated_by_the_users_own_stackgen(client, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    data = client.get(f"/starter.zip?{query(framework='flask', project_name='Shop API')}").data
    project = unzip(data, tmp_path / "downloads")
    git = ["git", "-c", "user.name=U", "-c", "user.email=u@example.com"]
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "start"]):
        subprocess.run(
            [*git, *command], cwd=project, check=True, env={**os.environ, "HOME": str(home)}
        )

    checked = stackgen("check", cwd=project, home=home)
    assert checked.returncode == 0, checked.stderr
    version = yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"]
    assert checked.stdout.strip() == f"up to date: template version {version}"
    assert (home / ".local/share/stackgen/templates/.git").is_dir()  # the user's own store

    updated = stackgen("update", "--defaults", "--data", "analytics=true", cwd=project, home=home)
    assert updated.returncode == 0, updated.stderr
    assert (project / "shop_api" / "api" / "stats.py").is_file()


# --- serving ------------------------------------------------------------------------------


@pytest.fixture
def served():
    """The app under waitress (as `stackgen serve` runs it) on a free loopback port."""
    import waitress

    server = waitress.create_server(create_app(), host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.mark.slow
def test_twenty_parallel_downloads_all_succeed(served):
    def fetch(number: int) -> tuple[str, bytes]:
        framework = ("flask", "django")[number % 2]
        name = f"shop {number % 5}"  # some identical requests, some not
        kind = ("zip", "tar.gz")[number % 3 == 0]
        url = f"{served}/starter.{kind}?{query(framework=framework, project_name=name)}"
        with urlopen(url, timeout=300) as response:
            assert response.status == 200
            return kind, response.read()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(fetch, range(20)))
    for number, (kind, data) in enumerate(results):
        folder = f"shop-{number % 5}"
        if kind == "zip":
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        else:
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                names = archive.getnames()
        assert f"{folder}/.copier-answers.yml" in names, number
        assert f"{folder}/pyproject.toml" in names, number


def test_serve_help_imports_no_web_stack():
    code = (
        "import sys\n"
        "from generator.cli import run\n"
        "try:\n"
        "    run(['serve', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('flask', 'waitress', 'copier', 'jinja2', 'generator.web') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert "gunicorn 'generator.web:create_app()'" in result.stdout
    assert result.stdout.strip().endswith("[]")


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_refuses_what_is_not_a_port(capsys, port):
    with pytest.raises(SystemExit) as stopped:
        run(["serve", "--port", port])
    assert stopped.value.code == 2
    assert "is not a port number (0 to 65535)" in capsys.readouterr().err


def test_serve_on_a_busy_port_is_one_line(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert run(["serve", "--port", str(port)], interactive=False) == 1
    err = capsys.readouterr().err
    assert err == f"stackgen: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_stackgen_serve_prints_its_url_and_serves(tmp_path):
    from harness.runtime import free_port

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from generator.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith(f"Serving the stackgen initializr on http://127.0.0.1:{port}/")
        with urlopen(f"http://127.0.0.1:{port}/api/metadata", timeout=30) as response:
            assert json.load(response)["questions"]
    finally:
        server.terminate()
        server.wait(timeout=15)
