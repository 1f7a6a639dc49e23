"""Fixtures shared by stackgen's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def stackgen_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep the template store of the tests away from the user's own."""
    home = tmp_path_factory.getbasetemp() / "stackgen-home"
    monkeypatch.setenv("STACKGEN_HOME", str(home))
    return home
