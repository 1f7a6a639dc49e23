"""Which framework suits a project: the "help me choose" questions and the decision.

Pure data and functions, no prompting: the questionnaire asks these questions,
``recommend`` weighs the answers. Each answer leans towards one framework (or
neither) with a reason phrased for that person, so the recommendation can say
why in their own terms.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.catalogue import DJANGO, FLASK, LABELS, TEMPLATES


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    leans: str | None  # FLASK, DJANGO or None
    weight: int
    reason: str = ""


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    options: tuple[Option, ...]

    def option(self, value: str) -> Option:
        for option in self.options:
            if option.value == value:
                return option
        choices = ", ".join(o.value for o in self.options)
        raise ValueError(f"{self.key} must be one of {choices}, not {value!r}")


QUESTIONS: tuple[Question, ...] = (
    Question(
        "building",
        "What are you building?",
        (
            Option(
                "site",
                "A web site with pages, user accounts and an admin",
                DJANGO,
                3,
                "you are building a site with pages and accounts: Django ships the admin, "
                "authentication, forms and templates for it",
            ),
            Option(
                "api",
                "A JSON API for other clients (a front end, mobile apps, services)",
                FLASK,
                3,
                "you are building a JSON API: Flask keeps it small and explicit, "
                "with only the parts an API needs",
            ),
            Option(
                "data",
                "A data or machine-learning service",
                FLASK,
                3,
                "you are serving data or models: Flask stays out of the way of pandas, "
                "NumPy and your own code",
            ),
        ),
    ),
    Question(
        "experience",
        "How much Python web work have you done?",
        (
            Option(
                "new",
                "None yet: this is my first web project",
                DJANGO,
                2,
                "you are new to web work: Django decides the structure for you, and its "
                "tutorial and conventions show where everything goes",
            ),
            Option("some", "Some: I have built a small app before", None, 0),
            Option(
                "experienced",
                "A lot: I know how I like to structure an app",
                FLASK,
                1,
                "you know how you like to structure an app: Flask lets you choose every part",
            ),
        ),
    ),
    Question(
        "style",
        "How do you like to work?",
        (
            Option(
                "batteries",
                "Batteries included: one way to do things, already wired up",
                DJANGO,
                2,
                "you want batteries included: ORM, migrations, admin and auth all come "
                "with Django and work together",
            ),
            Option(
                "choose",
                "Pick each part myself: small core, explicit code",
                FLASK,
                2,
                "you prefer to pick each part: Flask is a small core you extend with the "
                "libraries you choose",
            ),
        ),
    ),
    Question(
        "deadline",
        "How soon must a first version ship?",
        (
            Option(
                "days",
                "Within days: an MVP as fast as possible",
                DJANGO,
                2,
                "you need an MVP within days: the Django admin gives you a back office "
                "on the first day",
            ),
            Option("weeks", "In a few weeks", None, 0),
            Option(
                "no-rush",
                "No rush: I want to learn and shape every piece",
                FLASK,
                1,
                "you have time to shape every piece: Flask shows you how each one works",
            ),
        ),
    ),
)

QUESTIONS_BY_KEY = {question.key: question for question in QUESTIONS}

# How each "What are you building?" answer reads in a sentence.
NEEDS = {"site": "site with pages and accounts", "api": "JSON API", "data": "data service"}
BEST_AT = {FLASK: "JSON APIs and data services", DJANGO: "sites with pages, accounts and an admin"}
# A close call: the answers weigh within this many points of each other, so
# one answer of ordinary weight (2) would tip the balance either way.
CLOSE_MARGIN = 2


@dataclass(frozen=True)
class Part:
    """Something a generated starter contains, and the template answers that add it.

    ``options`` are ``--data`` answers (empty: every project of that framework
    has it); ``serves`` is the "What are you building?" answer it is for. A
    template option becomes recommendable by adding one Part.
    """

    framework: str
    summary: str
    serves: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


PARTS: tuple[Part, ...] = (
    Part(
        FLASK,
        "a JSON REST API for actors at /api/actors (list, create, read, update, delete)",
        serves="api",
    ),
    Part(FLASK, "request validation and interactive OpenAPI docs at /api/docs"),
    Part(FLASK, "SQLAlchemy 2 models and Flask-Migrate migrations"),
    Part(
        FLASK,
        "GET /api/actors/stats: statistics computed in SQL and pandas, an SVG chart, a CSV"
        " export and a notebook",
        serves="data",
        options={"analytics": True},
    ),
    Part(
        DJANGO,
        "the tutorial's polls site: pages to list questions, vote and see results",
        serves="site",
    ),
    Part(DJANGO, "user accounts: login and logout pages"),
    Part(DJANGO, "the Django admin, a back office for the data"),
    Part(
        DJANGO,
        "the polls' statistics on a staff page (votes per question, choice and day), with an SVG"
        " chart, a CSV export and a notebook",
        options={"analytics": True},
    ),
    Part(DJANGO, "a Redis cache", options={"cache": "redis"}),
    Part(DJANGO, "a headless-Chromium browser test of the site", options={"browser_tests": True}),
    Part(FLASK, "a headless-Chromium test of the API docs page", options={"browser_tests": True}),
    Part(DJANGO, "a JSON API for the polls", serves="api", options={"api": True}),
    *(
        Part(framework, summary, options={option: True})
        for framework in (FLASK, DJANGO)
        for option, summary in (
            ("celery", "background tasks with Celery (its app, an example task, a worker to run)"),
            ("sentry", "error reports to Sentry with sentry-sdk, on once SENTRY_DSN is set"),
        )
    ),
)


def new_command(path: str, framework: str, answers: Mapping[str, Any]) -> str:
    """The ``stackgen new`` command line, shell-quoted, that generates ``answers`` in ``path``.

    One builder for every place that shows it: the recommendation, the
    guided ``new`` once every question is answered, and the web initializr.
    """
    from generator.answers import format_value

    argv = ["stackgen", "new", path, "--framework", framework, "--defaults"]
    for key, value in answers.items():
        argv += ["--data", f"{key}={format_value(value)}"]
    return shlex.join(argv)


def format_options(options: Mapping[str, Any]) -> str:
    from generator.answers import format_value

    return " ".join(f"{key}={format_value(value)}" for key, value in options.items())


def offered(part: Part, questions: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether copier.yml's ``questions`` ask, for this framework, every option ``part`` needs."""
    from generator.questions import asks, option_values

    for key, value in part.options.items():
        spec = questions.get(key)
        if spec is None or key == "framework" or not asks(spec, TEMPLATES[part.framework]):
            return False
        allowed = option_values(spec)
        if allowed is not None and value not in allowed:
            return False
    return True


def contents(
    framework: str, options: Mapping[str, Any] | None = None, parts: Sequence[Part] = PARTS
) -> tuple[str, ...]:
    """What a starter generated with ``options`` contains."""
    options = options or {}
    return tuple(
        part.summary
        for part in parts
        if part.framework == framework
        and all(options.get(key) == value for key, value in part.options.items())
    )


def option_defaults(
    framework: str,
    questions: Mapping[str, Mapping[str, Any]] | None,
    parts: Sequence[Part] = PARTS,
) -> dict[str, Any]:
    """The template's defaults for the options the parts of ``framework``'s starter name."""
    from generator.questions import default_for

    keys = {key for part in parts if part.framework == framework for key in part.options}
    template = TEMPLATES[framework]
    return {
        key: default_for(key, questions, framework=template)
        for key in sorted(keys)
        if key in (questions or {})
    }


def describe_starter(
    framework: str,
    options: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    parts: Sequence[Part] = PARTS,
) -> str:
    """What a starter contains with ``options`` (over the template's ``defaults``), then
    what each option it leaves out would add."""
    options = options or {}
    answers = {**(defaults or {}), **options}
    with_options = f" with {format_options(options)}" if options else ""
    lines = [f"The {LABELS[framework]} starter{with_options} contains:"]
    lines += [f"  - {summary}" for summary in contents(framework, answers, parts)]
    extra = [
        part
        for part in parts
        if part.framework == framework
        and part.options
        and any(answers.get(key) != value for key, value in part.options.items())
    ]
    if extra:
        lines.append("Options add:")
        lines += [f"  - {format_options(part.options)}: {part.summary}" for part in extra]
    return "\n".join(lines)


@dataclass(frozen=True)
class Recommendation:
    framework: str  # FLASK or DJANGO
    options: Mapping[str, Any]  # --data answers the starter needs for what is being built
    fits: bool  # whether that starter, with those options, has what is being built
    reasons: tuple[str, ...]
    other: str  # the strongest reason for the other framework
    scores: Mapping[str, int]
    contents: tuple[str, ...]  # what the starter generated by ``command`` contains
    defaults: Mapping[str, Any]  # the template's defaults for the starter's options

    @property
    def label(self) -> str:
        return LABELS[self.framework]

    @property
    def template(self) -> str:
        return TEMPLATES[self.framework]

    @property
    def other_framework(self) -> str:
        return FLASK if self.framework == DJANGO else DJANGO

    @property
    def margin(self) -> int:
        """How much more the answers weigh for the recommendation.

        Negative when they lean the other way and what is being built decided.
        """
        return self.scores[self.framework] - self.scores[self.other_framework]

    @property
    def close_call(self) -> bool:
        return abs(self.margin) <= CLOSE_MARGIN

    def command(self, path: str = "my-project") -> str:
        """The ``stackgen new`` command line that generates this starter, shell-quoted."""
        return new_command(path, self.framework, self.options)

    def as_json(self, path: str = "my-project") -> dict[str, Any]:
        return {
            "framework": self.framework,
            "options": dict(self.options),
            "fits": self.fits,
            "reasons": list(self.reasons),
            "close_call": self.close_call,
            "scores": dict(self.scores),
            "other": {"framework": self.other_framework, "reason": self.other},
            "contents": list(self.contents),
            "command": self.command(path),
        }


def serving(
    need: str,
    questions: Mapping[str, Mapping[str, Any]] | None = None,
    parts: Sequence[Part] = PARTS,
) -> dict[str, Part]:
    """Each framework whose starter has a part for ``need``, with the first such part.

    With copier.yml's ``questions``, a part whose options the template does not
    ask is left out: never recommend an option that does not exist.
    """
    found: dict[str, Part] = {}
    for part in parts:
        if part.serves != need or part.framework in found:
            continue
        if questions is None or offered(part, questions):
            found[part.framework] = part
    return found


def recommend(
    answers: Mapping[str, str],
    questions: Mapping[str, Mapping[str, Any]] | None = None,
    parts: Sequence[Part] = PARTS,
    max_reasons: int = 3,
) -> Recommendation:
    """Pick the starter, and the options it needs, for what is being built; say why.

    What is being built comes first: only a starter that has it is recommended,
    with the options that add it. When both have it, the answers' weights
    decide; when neither has it, the weights pick one and the first reason says
    plainly that it lacks what was asked for. On a tie Django wins: it is the
    shorter road to a working first version for most people.
    """
    missing = [q.key for q in QUESTIONS if q.key not in answers]
    if missing:
        raise ValueError(f"unanswered: {', '.join(missing)}")
    chosen = {q.key: q.option(answers[q.key]) for q in QUESTIONS}
    scores = {FLASK: 0, DJANGO: 0}
    for option in chosen.values():
        if option.leans:
            scores[option.leans] += option.weight

    need = answers["building"]
    fitting = serving(need, questions, parts)
    candidates = [fw for fw in (DJANGO, FLASK) if fw in fitting] or [DJANGO, FLASK]
    winner = max(candidates, key=lambda fw: scores[fw])  # the first, Django, on a tie
    other = FLASK if winner == DJANGO else DJANGO
    part = fitting.get(winner)
    lacks = f"its starter has no {NEEDS[need]}"

    if part is None:
        first = (
            f"neither starter has a {NEEDS[need]}, so you would build that part yourself; "
            f"{LABELS[winner]} suits how you like to work better"
        )
    else:
        with_options = f" with {format_options(part.options)}" if part.options else ""
        first = (
            f"you are building a {NEEDS[need]}: the {LABELS[winner]} starter{with_options} "
            f"has {part.summary}"
        )
        if other not in fitting:
            first += f" (the {LABELS[other]} starter has none)"
    # Strongest first; sorted() is stable, so ties keep question order.
    leaning = sorted(
        (o for key, o in chosen.items() if key != "building" and o.leans),
        key=lambda o: -o.weight,
    )
    reasons = [first, *[o.reason for o in leaning if o.leans == winner][: max_reasons - 1]]
    if scores[winner] < scores[other]:
        reasons.append(
            f"your other answers lean {LABELS[other]} ({scores[other]} to {scores[winner]}), "
            f"but {lacks}"
        )
    elif len(reasons) == 1 and scores[winner] == scores[other]:
        reasons.append(
            "your other answers do not lean either way, and Django is the shorter road "
            "to a working first version"
        )

    backing = [o for key, o in chosen.items() if o.leans == other]
    if other not in fitting and part is not None:
        # Its answer to "what are you building" argues for a starter that lacks it.
        backing = [o for o in backing if o is not chosen["building"]]
    backing.sort(key=lambda o: -o.weight)
    if backing:
        best_other = backing[0].reason
    else:
        best_other = (
            f"none of your answers leans {LABELS[other]}; it is at its best for {BEST_AT[other]}"
        )
    if part is not None and other not in fitting:
        best_other += f"; but {lacks}"

    options = dict(part.options) if part else {}
    defaults = option_defaults(winner, questions, parts)
    return Recommendation(
        framework=winner,
        options=options,
        fits=part is not None,
        reasons=tuple(reasons),
        other=best_other,
        scores=scores,
        contents=contents(winner, {**defaults, **options}, parts),
        defaults=defaults,
    )


def explain(
    recommendation: Recommendation,
    path: str = "my-project",
    parts: Sequence[Part] = PARTS,
    starter: bool = True,
    command: bool = True,
) -> str:
    """The recommendation for people: reasons, how close it was, the other side, (with
    ``starter``) what the starter contains and (with ``command``) how to generate it."""
    r = recommendation
    other = LABELS[r.other_framework]
    weights = (
        f"your answers weigh {r.label} {r.scores[r.framework]}, "
        f"{other} {r.scores[r.other_framework]}"
    )
    lines = [f"We recommend {r.label}, because"]
    lines += [f"  - {reason};" for reason in r.reasons]
    lines[-1] = lines[-1][:-1] + "."
    if r.close_call:
        lines.append(f"It is a close call ({weights}).")
    else:
        lines.append(f"It is not a close call ({weights}).")
    lines.append(f"The best case for {other}: {r.other}.")
    if starter:
        lines += ["", describe_starter(r.framework, r.options, r.defaults, parts)]
    if command:
        lines += ["", f"Generate it with: {r.command(path)}"]
    return "\n".join(lines)


COMPARISON: tuple[tuple[str, str, str], ...] = (
    ("", "Flask", "Django"),
    ("Kind", "Microframework: a small core", "Full-stack framework"),
    ("Database", "Your choice (this starter: SQLAlchemy 2)", "Built-in ORM and migrations"),
    ("Admin back office", "Not included", "Built in"),
    ("Accounts and login", "Add a library", "Built in"),
    ("Pages", "Jinja templates", "Django templates (Model-Template-View)"),
    ("Best at", "APIs, data and ML services", "Sites with pages, accounts and data entry"),
    ("Learning curve", "Small API, more decisions", "More to learn, fewer decisions"),
    ("This starter", "REST API for actors + OpenAPI docs", "Tutorial polls site + admin"),
)


def comparison_table(rows: tuple[tuple[str, ...], ...] = COMPARISON) -> str:
    """The frameworks side by side, as aligned plain-text columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
