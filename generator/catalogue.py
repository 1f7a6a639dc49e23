"""The one vocabulary for the starters: a framework's name, its template, its label.

Users type the name (``stackgen new --framework flask``, the web's
``framework=flask``); copier.yml's ``framework`` answer, and so every answers
file, holds the template folder (``flask-api``); people read the label
(``Flask``). Every module translates through this table, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

FLASK = "flask"
DJANGO = "django"


@dataclass(frozen=True)
class Framework:
    name: str  # what users type: flask
    template: str  # the template folder, copier.yml's framework answer: flask-api
    label: str  # what people read: Flask
    marker: str  # a file only this starter has at its root: what tells the two apart on disk


FRAMEWORKS = {
    FLASK: Framework(FLASK, "flask-api", "Flask", "wsgi.py"),
    DJANGO: Framework(DJANGO, "django-mtv", "Django", "manage.py"),
}
TEMPLATES = {name: framework.template for name, framework in FRAMEWORKS.items()}
LABELS = {name: framework.label for name, framework in FRAMEWORKS.items()}
BY_TEMPLATE = {framework.template: framework for framework in FRAMEWORKS.values()}
