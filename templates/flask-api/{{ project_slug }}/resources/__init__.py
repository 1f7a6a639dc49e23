"""The project's own resources, one package each (``stackgen generate resource NAME ...``).

``create_app`` registers the blueprint of every package found here, so a
resource needs no wiring by hand, and removing its package unwires it. Every
resource takes a token to read as well as to write: which rows a user sees
depends on who they are (``api/resources.py``).
"""

import importlib
import pkgutil
from types import ModuleType

from flask import Blueprint


def packages() -> list[ModuleType]:
    found = pkgutil.iter_modules(__path__)
    names = sorted(module.name for module in found if module.ispkg)
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def blueprints() -> list[Blueprint]:
    return [package.bp for package in packages()]


def private_reads() -> list[str]:
    """The URL prefixes whose reads take a token: every resource's."""
    return [bp.url_prefix for bp in blueprints() if bp.url_prefix]
