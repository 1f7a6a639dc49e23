"""Where the time goes: written by hand from the profiles a run prints.

``FINDINGS`` (keyed by result name) is shown under a result only when the run
that writes docs/benchmarks.md misses that budget; ``SECTION_NOTES`` (keyed by
section title) is shown whatever the verdicts. Figures quoted here come from
the full run of 2026-11-25 on the 2-core machine described in the report;
after a change to the templates or generator, profile again and rewrite them
(``python -m bench --rewrite`` re-renders the report without measuring).
"""

_FLASK = (
    "In process (WSGI test client, no HTTP, table above) the generated list costs about "
    "1.8 ms per request against 1.3 ms for the minimal endpoint. The largest single cost was "
    "serializing the page: with marshmallow schemas, 27 schema dumps and 133 field "
    "serializations for 25 actors, 0.25 ms per page timed on its own. The starter's models "
    "are now pydantic (APIFlask supports both): the same page takes 0.08 ms, and the ratio "
    "over HTTP went from 0.72-0.75x (runs of the same day) to 0.93x in this run. What "
    "remains, from the per-package self times: werkzeug (three `url_for` calls for the "
    "links, the query string, response headers); Flask-Limiter's before- and after-request "
    "hooks, which run on every request although reads are filtered out (about 0.04 ms: the "
    "request filter skips the limits, not the hooks); the request-id hooks (about 0.01 ms); "
    "APIFlask's validation wrapper; and the page's extra row (`per_page + 1` tells whether "
    "a next page exists). An earlier cause is gone too: `pool_pre_ping=True` cost one round "
    "trip to PostgreSQL per request (1.93 against 1.77 ms); the template uses "
    "`pool_recycle` instead, so a database restart costs one failed request rather than "
    "every request a ping."
)

_ADD = "See the Update section's note below: the extra rendering of `check_writable`."

# Issue 26's last row (2026-12-06, run with --merge): what the scoped resource costs.
_SCOPED_VS_SHARED = (
    "The scoping itself: the scoped resource's read has one condition more than the shared "
    "one's, both signed in with the same token (Flask: `troupe_id IN (SELECT id FROM troupes "
    "WHERE owner_id = ...)`; Django: a join on `troupe__owner`). Interleaved single requests "
    "put it at 5-6 % in Flask (0.3 ms of 5 ms), at the budget's edge. In Django the list "
    "pays more: django-ninja's page-number pagination counts the rows, and the count goes "
    "through the join (all 10,000 rows are the reader's). The req/s rows beside are not to "
    "be read to 5 %: on this machine the same endpoint's req/s swung two-fold between 6-s "
    "rounds (the shared list: 135 to 317 req/s)."
)
_SCOPED_VS_STARTER = (
    "Mostly signing in, not the scoping: the starter's reads are public, a resource's are "
    "not (issue 26: a shared resource is read by signed-in users). Each signed-in request "
    "looks its token up (one statement, the user joined). In Flask the shared resource, "
    "signed in and unscoped, already takes 1.1-1.9 ms more than the starter's public read "
    "(list 4.85 against 3.75 ms, detail 5.28 against 3.40 ms, interleaved); the scoping adds "
    "0.3 ms to that. Closing it means not asking the database per request: a short-lived "
    "in-process cache of verified tokens, which would let a revoked token work for its "
    "lifetime. That trade is the project's to make; the comparison that isolates the "
    "scoping is the shared-resource row."
)

FINDINGS: dict[str, str] = {
    **{
        f"generated {fw} scoped resource {kind} / shared resource{how}": _SCOPED_VS_SHARED
        for fw in ("Flask", "Django")
        for kind in ("list", "detail")
        for how in (" (1 / latency, requests interleaved)", f" {kind} (req/s)")
    },
    **{
        f"generated {fw} scoped resource {kind} / starter{how}": _SCOPED_VS_STARTER
        for fw in ("Flask", "Django")
        for kind in ("list", "detail")
        for how in (" (1 / latency, requests interleaved)", f" {kind} (req/s)")
    },
    "generated Flask scoped resource list / minimal Flask + SQLAlchemy (req/s)": (
        _SCOPED_VS_STARTER
    ),
    "generated Flask list / minimal endpoint (req/s)": _FLASK,
    "stackgen add analytics flask / copier update --data analytics=true flask": _ADD,
    "stackgen add sentry django / copier update --data sentry=true django": _ADD,
}

SECTION_NOTES: dict[str, str] = {
    "Generation": (
        "`stackgen new` runs the same `copier.run_copy` as `copier copy`, in process, so both "
        "sides pay Copier's own costs: importing Copier (about 0.3 s, the largest single "
        "item), 40-50 git subprocesses through plumbum (cloning the template store into a "
        "temporary folder at the tag, then cleaning it up), and Jinja: 355 template compiles "
        "for the Django starter, though only 12 of its 40 files are `.jinja` (10 of 34 in the "
        "Flask starter): Copier also renders path names and the questions' defaults, `when` "
        "and validators as templates. stackgen's own additions, in its profile above: "
        "about eight git calls "
        "(`ensure_version` writing the template tree to find the version's tag, two `git "
        "config` reads for the author, `git init`, `git add -A` and the initial "
        "`git commit`), the questions read from `copier.yml`, and `.env`: together 65-85 ms "
        "on top of 620-680 ms. The budget holds, with a small margin. What would widen it: "
        "in an installed wheel, record the templates' tree id at build time so `ensure_version` "
        "need not `git add` the whole template folder on every run. Copier's share can only "
        "shrink with fewer rendered paths and questions."
    ),
    "Update": (
        "`stackgen update` (and `add`/`remove`, which are updates with one answer changed) "
        "wraps `copier.run_update`, which renders the old and the new version and merges them "
        "with git. On top of it (cProfile of `stackgen add sentry` on a fresh Django project, "
        "2026-12-01: 9.8 s under the profiler): `update.check_writable` renders the new version "
        "once more into a scratch folder (`copier.run_copy`, 1.9 s of the 9.8) to refuse, "
        "before anything changes, what Copier's in-place writes cannot see: a renamed package "
        "folder, a symlink on a path the template writes, a folder where it writes a file. "
        "That is most of the 1.3-1.5 s between the two sides, and why `add` misses its 1.2x "
        "budget since the check landed (1.05-1.08x before). `resources.update_all` adds one "
        "answers-file read per resource (none here). What would win it back: list the new "
        "version's paths without rendering the files' contents (Copier renders every file to "
        "know its path; Jinja compiles are most of each rendering: 2,941 compiles in all, 5.0 "
        "s), or take the file list from Copier's own rendering of the new version, which it "
        "makes anyway, before it writes."
    ),
    "Resources": (
        "Before (main at 128ebb0, same bench, `--quick`, 2026-12-06): every answers file had "
        "its own full Copier update (4 renderings, 6 clones of the store, ~148 git "
        "subprocesses, ~990 Jinja compiles): `update` with 20 Flask resources 70 s against 3.9 s "
        "for plain copier (18x), `add` 68 s (12x); Django 125 s (11x) and 125 s (20x). Then "
        "(`generator/sharing.py`, ea63d9a): one checkout per template commit and one "
        "compilation per template for the whole command, and a resource whose rendering is "
        "unchanged got its answers file only: 1.0-1.3x, but still 2.4-3.1x when every "
        "resource's files change (a Copier update and a commit of ours per resource). "
        "Now: every resource is rendered at its recorded version and at the new one before "
        "anything changes (`update.renderings`, about 35 ms a rendering for Flask, 55 ms for "
        "Django, from the shared checkouts and compilations); the starter alone goes through "
        "Copier's update; the resources' files go through one three-way merge "
        "(`generator/merge.py`: a file you left as it was made gets the new text, one the "
        "template left as it was keeps yours, `git merge-file` with Copier's labels where both "
        "changed it; `tests/test_update_cost.py` checks the result is byte for byte Copier's "
        "update of every answers file, git's index included). `stackgen update` to v0.1.2 "
        "with 20 Flask resources starts 228 processes, against 1,230 before and 300 for plain "
        "`copier update` of the starter alone. And the Python code Jinja generates for each "
        "template is kept beside the store (`sharing.cache_folder`), so a later command only "
        "hands it to Python's `compile`; plain Copier parses and generates every template for "
        "each of its three renderings: that is why stackgen's update is below plain Copier's "
        "at small N. `generate resource` renders the resource once (the plan's rendering is "
        "the one written), reads answers files with libyaml, and takes the migration macros "
        "from Jinja's bytecode cache. This run shared the 2-core machine with four other "
        "sessions' test suites (load average 5-9 throughout): absolute times are 2-5x a quiet "
        "machine's, and vary between repetitions; the ratios are taken per repetition, both "
        "sides back to back."
    ),
    "Generated apps under gunicorn": (
        "**Django (no budget).** The generated index does the same single query as the bare "
        "tutorial view; the difference is the stack around it, visible in the in-process table: "
        "`django.template` (the index extends `base.html`: `{% static %}` through the manifest "
        "storage, `{% url %}` for the header links, `user.is_authenticated` via the auth "
        "context processor) and the eight middleware classes of a production project (security "
        "headers, WhiteNoise, sessions, common, CSRF, auth, messages, clickjacking; "
        "`django.utils`, "
        "`asgiref` and `django.http` time). That is what a real site keeps; nothing to change."
        "\n\n**Flask.** " + _FLASK
    ),
}
