"""Turn a project name into a package name, and refuse names that would break."""

from __future__ import annotations

import keyword
import re
import sys

from generator.errors import StackgenError

# Names the generated projects import, or that tools treat specially. A
# package with one of these names would shadow the real thing.
DEPENDENCY_NAMES = frozenset(
    {
        "alembic",
        "apiflask",
        "app",
        "config",
        "conftest",
        "copier",
        "django",
        "dotenv",
        "flask",
        "flask_migrate",
        "flask_sqlalchemy",
        "gunicorn",
        "marshmallow",
        "pandas",
        "playwright",
        "polls",
        "psycopg",
        "pymysql",
        "pytest",
        "redis",
        "site",
        "sqlalchemy",
        "stackgen",
        "test",
        "tests",
        "whitenoise",
    }
)
# The starters' own top-level files and folders (``wsgi.py``, ``migrations/``,
# ``templates/``, ...): a package of the same name would clash with them, or
# with their lowercase name on a case-insensitive file system.
# tests/test_validation.py derives them from the template folders.
STARTER_NAMES = frozenset(
    {
        "accounts",
        "deploy",
        "dockerfile",
        "manage",
        "migrations",
        "polls",
        "templates",
        "tests",
        "wsgi",
    }
)
SOFT_KEYWORDS = frozenset({"match", "case", "type", "_"})
# Most file systems allow 255 bytes for one file or folder name.
MAX_NAME_BYTES = 255


def slugify(name: str) -> str:
    """The Python package name for a project name: lowercase, words joined by ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def check_slug(slug: str) -> str:
    """Return ``slug`` if it can name the project's package, else raise why not."""
    if not slug:
        raise StackgenError("the project name is empty once reduced to letters and digits")
    if not slug.isidentifier() or not slug.isascii():
        raise StackgenError(
            f'"{slug}" is not a Python identifier: start with a letter, '
            "then use letters, digits and underscores"
        )
    if keyword.iskeyword(slug) or slug in SOFT_KEYWORDS or keyword.iskeyword(slug.title()):
        raise StackgenError(f'"{slug}" is a Python keyword; choose another project name')
    if slug in sys.stdlib_module_names:
        raise StackgenError(
            f'"{slug}" would shadow the standard library module of that name; '
            "choose another project name"
        )
    if slug in DEPENDENCY_NAMES:
        raise StackgenError(
            f'"{slug}" would shadow a package the project imports; choose another project name'
        )
    if slug in STARTER_NAMES:
        raise StackgenError(
            f'"{slug}" is the name of one of the starter\'s own files or folders; '
            "choose another project name"
        )
    if len(slug.encode()) > MAX_NAME_BYTES:
        raise StackgenError(
            f"the package name is {len(slug.encode())} bytes long; file systems allow "
            f"{MAX_NAME_BYTES}: choose a shorter project name"
        )
    return slug


def project_slug(name: str) -> str:
    """Validate a project name and return its package name."""
    if not name.strip():
        raise StackgenError("the project name is empty")
    return check_slug(slugify(name))
