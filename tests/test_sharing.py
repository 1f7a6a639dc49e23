"""generator/sharing.py: Copier fed from shared checkouts and compilations renders the same.

The command-level guarantees (merges, conflicts, kept files, all-or-nothing)
are proved by test_update.py, test_resource_lifecycle.py and test_features.py,
which now run through the sharing layer; these tests pin the layer itself.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from pathlib import Path

import copier
import jinja2

from generator import sharing
from tests.helpers import git, release_v2, snapshot

FLASK = {"framework": "flask-api", "project_name": "shop"}


def render(repo: Path, dest: Path, ref: str, data: dict) -> dict[str, object]:
    """Every path Copier renders, with its content and its mode."""
    copier.run_copy(str(repo), dest, data=data, defaults=True, vcs_ref=ref, quiet=True)
    modes = {str(p.relative_to(dest)): p.stat().st_mode for p in dest.rglob("*")}
    return {name: (content, modes[name]) for name, content in snapshot(dest).items()}


def test_renderings_in_a_scope_are_byte_for_byte_copiers_own(tmp_path, template_repo):
    release_v2(template_repo)
    alone = {
        ref: render(template_repo, tmp_path / f"alone-{ref}", ref, FLASK) for ref in ("v1", "v2")
    }
    with sharing.shared():
        for turn in range(2):  # the second from the same checkouts and compilations
            for ref in ("v1", "v2"):
                shared = render(template_repo, tmp_path / f"shared-{ref}-{turn}", ref, FLASK)
                assert shared == alone[ref]
        state = sharing._active()
        assert state is not None
        assert len(state.checkouts) == 2  # one per version, whatever the number of workers
        roots = list(state.checkouts.values())
    assert sharing._active() is None
    assert not any(root.exists() for root in roots)  # removed with the scope


def test_a_moved_tag_gets_its_new_commit(tmp_path, template_repo):
    """A checkout is kept per commit, not per name: a tag moved in between is followed."""
    with sharing.shared():
        before = render(template_repo, tmp_path / "before", "v1", FLASK)
        readme = template_repo / "templates" / "flask-api" / "README.md.jinja"
        readme.write_text(readme.read_text() + "\nMoved.\n")
        git(template_repo, "commit", "-qam", "moved")
        git(template_repo, "tag", "-f", "v1")
        after = render(template_repo, tmp_path / "after", "v1", FLASK)
    assert before["README.md"] != after["README.md"]
    assert after["README.md"][0].endswith(b"Moved.\n")


def test_compiled_code_is_shared_only_between_alike_environments():
    from copier import _main

    sharing._install()
    plain = _main.SandboxedEnvironment(keep_trailing_newline=True)
    other = _main.SandboxedEnvironment(variable_start_string="[[", variable_end_string="]]")
    source = "{{ a }}[[ a ]]"
    with sharing.shared():
        assert plain.from_string(source).render(a=1) == "1[[ a ]]"
        assert other.from_string(source).render(a=1) == "{{ a }}1"
        again = _main.SandboxedEnvironment(keep_trailing_newline=True)
        assert again.from_string(source).render(a=2) == "2[[ a ]]"


def test_outside_a_scope_and_in_other_threads_nothing_is_shared(tmp_path, template_repo):
    seen: list[object] = []
    with sharing.shared():
        thread = threading.Thread(target=lambda: seen.append(sharing._active()))
        thread.start()
        thread.join()
        with sharing.shared():  # re-entrant: the same state
            inner = sharing._active()
        assert inner is sharing._active()
    assert seen == [None]
    render(template_repo, tmp_path / "plain", "v1", FLASK)  # Copier's own path
    assert sharing._active() is None
    assert isinstance(jinja2.Environment().from_string("{{ 1 }}").render(), str)


def test_code_generated_in_an_earlier_command_renders_the_same(tmp_path, template_repo):
    """Jinja's generated code is kept beside the store between commands: a later command
    (a new scope) renders from it, byte for byte what Copier renders alone, and parses
    no template again."""
    alone = render(template_repo, tmp_path / "alone", "v1", FLASK)
    with sharing.shared():
        first = render(template_repo, tmp_path / "first", "v1", FLASK)
    kept = sorted(sharing.cache_folder().rglob("*.py"))
    assert kept
    parsed: list[str | None] = []
    original = jinja2.Environment._parse

    def counting(self, source, name, filename):
        parsed.append(name)
        return original(self, source, name, filename)

    jinja2.Environment._parse = counting
    try:
        with sharing.shared():
            second = render(template_repo, tmp_path / "second", "v1", FLASK)
    finally:
        jinja2.Environment._parse = original
    assert first == second == alone
    assert parsed == []


def test_a_template_error_reads_as_jinjas_own_from_kept_code(tmp_path):
    """A template that fails at render time names the same line, cached or not."""
    from copier import _main

    sharing._install()
    source = "line one\n{{ missing.attribute }}\n"
    messages = []
    for _ in range(3):  # Jinja alone, then generating and keeping, then from what was kept
        env = _main.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
        with sharing.shared() if messages else nullcontext():
            try:
                env.from_string(source).render()
            except jinja2.UndefinedError as error:
                messages.append((str(error), error.__traceback__ is not None))
    assert len(messages) == 3 and len(set(messages)) == 1
