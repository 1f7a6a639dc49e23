"""Which framework suits a project: the "help me choose" questions and the decision.

Pure data and functions, no prompting: the questionnaire asks these questions,
``recommend`` weighs the answers. Each answer leans towards one framework (or
neither) with a reason phrased for that person, so the recommendation can say
why in their own terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

FLASK = "flask"
DJANGO = "django"
TEMPLATES = {FLASK: "flask-api", DJANGO: "django-mtv"}
LABELS = {FLASK: "Flask", DJANGO: "Django"}


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


@dataclass(frozen=True)
class Recommendation:
    framework: str  # FLASK or DJANGO
    reasons: tuple[str, ...]
    scores: Mapping[str, int]

    @property
    def label(self) -> str:
        return LABELS[self.framework]

    @property
    def template(self) -> str:
        return TEMPLATES[self.framework]


def recommend(answers: Mapping[str, str], max_reasons: int = 3) -> Recommendation:
    """Weigh the answers and pick a framework, with the reasons that decided it.

    Every question must be answered. On a tie Django wins: it is the shorter
    road to a working first version for most people.
    """
    missing = [q.key for q in QUESTIONS if q.key not in answers]
    if missing:
        raise ValueError(f"unanswered: {', '.join(missing)}")
    scores = {FLASK: 0, DJANGO: 0}
    leaning: list[Option] = []
    for question in QUESTIONS:
        option = question.option(answers[question.key])
        if option.leans:
            scores[option.leans] += option.weight
            leaning.append(option)
    winner = FLASK if scores[FLASK] > scores[DJANGO] else DJANGO
    # Strongest reasons first; sorted() is stable, so ties keep question order.
    ranked = sorted((o for o in leaning if o.leans == winner), key=lambda o: -o.weight)
    reasons = tuple(o.reason for o in ranked[:max_reasons])
    if not reasons:
        reasons = (
            "your answers do not lean either way, and Django is the shorter road "
            "to a working first version",
        )
    return Recommendation(winner, reasons, scores)


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
