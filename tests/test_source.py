"""The template store: versions as tagged commits that are the same on every machine."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import copier
import pytest

from generator import store as template_store
from generator import versions
from harness.projects import REPO_ROOT
from release import history


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", folder)
    shutil.copytree(REPO_ROOT / "templates", folder / "templates")
    return folder


def test_same_templates_give_the_same_commit_in_any_store(tmp_path, files):
    store_a, tag_a = template_store.ensure_version(files, "1.0.0", tmp_path / "a")
    store_b, tag_b = template_store.ensure_version(files, "1.0.0", tmp_path / "b")
    assert tag_a == tag_b == "v1.0.0"
    assert git(store_a, "rev-parse", "v1.0.0") == git(store_b, "rev-parse", "v1.0.0")
    assert template_store.ensure_version(files, "1.0.0", store_a) == (store_a, "v1.0.0")
    assert git(store_a, "tag").split() == ["v1.0.0"]


def test_changed_templates_without_a_release_get_a_local_version(tmp_path, files):
    store, _ = template_store.ensure_version(files, "1.0.0", tmp_path / "s")
    (files / "templates" / "flask-api" / "EXTRA.md").write_text("new\n")
    _, tag = template_store.ensure_version(files, "1.0.0", store)
    assert tag.startswith("v1.0.1.dev0+") and len(tag) == len("v1.0.1.dev0+") + 8
    assert versions.parse(tag).is_prerelease and versions.newest([tag, "v1.0.0"]) == "v1.0.0"
    assert "EXTRA.md" in git(store, "ls-tree", "-r", "--name-only", tag)
    assert "EXTRA.md" not in git(store, "ls-tree", "-r", "--name-only", "v1.0.0")


def released_project_and_development_build(tmp_path: Path, files: Path) -> tuple[Path, str]:
    """A committed project made from release v1.0.0, then templates changed without a
    release (EXTRA.md added) and put in the store: the project and the development tag."""
    store, _ = template_store.ensure_version(files, "1.0.0", tmp_path / "s")
    project = tmp_path / "api"
    copier.run_copy(
        str(store), project, data={"framework": "flask-api"}, defaults=True, vcs_ref="v1.0.0"
    )
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "-c", "user.name=t", "-c", "user.email=t@e.x", "commit", "-qm", "v1.0.0")
    (files / "templates" / "flask-api" / "EXTRA.md").write_text("unreleased\n")
    return project, template_store.ensure_version(files, "1.0.0", store)[1]


def test_plain_copier_update_never_moves_a_project_to_a_development_build(tmp_path, files):
    """A developer's unreleased templates in the store are no one's "newest release"."""
    project, _ = released_project_and_development_build(tmp_path, files)

    copier.run_update(project, defaults=True, overwrite=True, quiet=True, unsafe=False)
    assert "_commit: v1.0.0\n" in (project / ".copier-answers.yml").read_text()
    assert not (project / "EXTRA.md").exists()
    assert git(project, "status", "--porcelain") == ""


def test_a_project_updates_to_a_development_build_when_asked(tmp_path, files):
    """Copier reads the development tag as the version it is (it took the earlier
    ``v1.0.0.post0.dev0+tree`` for 0.0.0 and refused the update as a downgrade)."""
    project, tag = released_project_and_development_build(tmp_path, files)

    copier.run_update(project, vcs_ref=tag, defaults=True, overwrite=True, quiet=True, unsafe=False)
    assert f"_commit: {tag}\n" in (project / ".copier-answers.yml").read_text()
    assert (project / "EXTRA.md").read_text() == "unreleased\n"


def test_development_tags_follow_the_release():
    assert versions.development_tag("0.1.0", "abc") == "v0.1.1.dev0+abc"
    assert versions.development_tag("2", "abc") == "v2.0.1.dev0+abc"
    tag = versions.parse(versions.development_tag("0.1.0", "abc"))
    assert versions.parse("v0.1.0") < tag < versions.parse("v0.1.1") and tag.is_prerelease


def test_caches_and_bytecode_never_enter_a_version(tmp_path, files):
    cache = files / "templates" / "flask-api" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "x.cpython-311.pyc").write_bytes(b"\0")
    store, tag = template_store.ensure_version(files, "1.0.0", tmp_path / "s")
    assert "__pycache__" not in git(store, "ls-tree", "-r", "--name-only", tag)


def test_release_history_bundle_brings_earlier_versions(tmp_path, files):
    """A bundle built from release tags holds the very commits users' machines made."""
    repo = tmp_path / "repo"
    shutil.copytree(files, repo)
    git(repo, "init", "-q", "-b", "main")
    for version in ("0.9.0", "1.0.0"):
        (repo / "templates" / "flask-api" / "CHANGES.md").write_text(f"{version}\n")
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=r", "-c", "user.email=r@example.com", "commit", "-qm", version)
        git(repo, "tag", f"v{version}")
    bundle = tmp_path / "history.bundle"
    assert history.build(repo, bundle) == ["v0.9.0", "v1.0.0"]

    # A user's machine that ran 1.0.0 made this commit for it...
    users_store, _ = template_store.ensure_version(
        history.export(repo, "v1.0.0", tmp_path / "v1"), "1.0.0", tmp_path / "user"
    )
    # ... and a new install of 1.1.0 brings both earlier versions, commit for commit.
    (files / "templates" / "flask-api" / "CHANGES.md").write_text("1.1.0\n")
    store, tag = template_store.ensure_version(files, "1.1.0", tmp_path / "new", bundle=bundle)
    assert tag == "v1.1.0"
    assert sorted(git(store, "tag").split()) == ["v0.9.0", "v1.0.0", "v1.1.0"]
    assert git(store, "rev-parse", "v1.0.0") == git(users_store, "rev-parse", "v1.0.0")


def test_store_is_recorded_under_home_when_it_lives_there(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("STACKGEN_HOME")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    store = template_store.store_dir()
    assert store == tmp_path / ".local" / "share" / "stackgen" / "templates"
    assert template_store.recorded_path(store) == "~/.local/share/stackgen/templates"
    assert template_store.recorded_path(Path("/srv/templates")) == "/srv/templates"
