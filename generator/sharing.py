"""Share what Copier redoes for every rendering, for the length of one command.

``stackgen update``, ``add`` and ``remove`` render each answers file more than
once (the starter's in ``check_writable`` and in Copier's update, each
resource's old and new version in ``update.renderings``). Left to itself,
every one of those Copier workers clones the template store again, compiles
every Jinja template again, and asks git about ``core.fileMode`` once per
file written. Inside ``shared()``:

- one checkout per template commit: a clone Copier asks for is made once,
  kept until the outermost ``shared()`` ends, and handed to every later worker
  asking for the same commit of the same local repository (a worker's own
  temporary folder stays empty; Copier removes it as usual);
- one Jinja compilation per template source: the code Jinja compiles is
  remembered, keyed by the source, its name and file, and everything of the
  environment that the compiler reads (syntax, extensions, filters and tests
  with how they are called, sandboxing, autoescape, finalize), so a template
  compiles to exactly the code it would have. The Python code Jinja generates
  for a source (parsing and generating are most of a compilation) is also
  kept on disk beside the store (``cache_folder``), under the same key, so a
  later command only hands it to Python's ``compile``;
- one ``git config core.fileMode`` per destination folder: Copier's
  ``_sync_git_index_executable_bit`` runs only where that setting is
  ``false`` (elsewhere it returns without doing anything, as Copier's does).

What Copier renders and merges is untouched: its own Worker, its own rendering
and its own three-way merge run as before, only fed from the caches. Outside
``shared()``, and in any thread but the one that opened it (``stackgen serve``),
Copier behaves exactly as it does unpatched. Not for remote templates, nor for
a local template's ``HEAD`` (Copier adds its uncommitted changes): those are
cloned as Copier does.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECKOUT_PREFIX = "stackgen-checkout-"


@dataclass
class _State:
    root: Path
    checkouts: dict[tuple[str, str], Path] = field(default_factory=dict)
    compiled: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    file_modes: dict[Path, str | None] = field(default_factory=dict)
    repos: dict[tuple[type, str], Any] = field(default_factory=dict)
    facts: dict[tuple[Path, str], Any] = field(default_factory=dict)  # of one checkout
    depth: int = 0


_local = threading.local()
_installed: list[bool] = []
_install_lock = threading.Lock()


def _active() -> _State | None:
    return getattr(_local, "state", None)


@contextmanager
def shared() -> Iterator[None]:
    """Share checkouts, compiled templates and git settings among the Copier runs inside.

    Re-entrant: only the outermost one makes and removes the checkouts.
    """
    _install()
    state = _active()
    if state is not None:
        state.depth += 1
        try:
            yield
        finally:
            state.depth -= 1
        return
    state = _State(Path(tempfile.mkdtemp(prefix=CHECKOUT_PREFIX)).resolve())
    _local.state = state
    try:
        yield
    finally:
        _local.state = None
        shutil.rmtree(state.root, ignore_errors=True)


def _install() -> None:
    """Patch Copier once; each patch does nothing new outside ``shared()``."""
    with _install_lock:
        if _installed:
            return
        from functools import cached_property

        from copier import _main, _template

        # Copier's internals as of 9.x (copier/_main.py, copier/_template.py). A release
        # that moved one leaves Copier unpatched: as slow as it is, never broken.
        present = (
            callable(getattr(_template, "clone", None))
            and callable(getattr(_template, "get_repo", None))
            and isinstance(getattr(_main, "SandboxedEnvironment", None), type)
            and callable(getattr(_main.Worker, "_sync_git_index_executable_bit", None))
            and all(
                isinstance(_template.Template.__dict__.get(name), cached_property)
                for name in CHECKOUT_FACTS
            )
        )
        if not present:
            _installed.append(False)
            return
        original_clone = _template.clone
        _template.clone = _clone_with(original_clone)
        _main.SandboxedEnvironment = _compiling_once(_main.SandboxedEnvironment)
        original_sync = _main.Worker._sync_git_index_executable_bit
        _main.Worker._sync_git_index_executable_bit = _sync_with(original_sync)
        _template.get_repo = _get_repo_with(_template.get_repo)
        for name in CHECKOUT_FACTS:
            _memoize_fact(_template.Template, name)
        _installed.append(True)


# What a Template reads from its checkout alone (git describe, dunamai's version, the
# index's modes, copier.yml): the same for every worker of one shared checkout.
CHECKOUT_FACTS = ("commit", "commit_hash", "version", "git_index_modes", "_raw_config")


def _memoize_fact(cls: type, name: str) -> None:
    import copy
    from functools import cached_property

    original = cls.__dict__[name].func

    def fact(template: Any) -> Any:
        state = _active()
        if state is None:
            return original(template)
        where = template.local_abspath
        if not where.is_relative_to(state.root):  # not one of ours: as Copier does
            return original(template)
        key = (where, name)
        if key not in state.facts:
            state.facts[key] = original(template)
        return copy.deepcopy(state.facts[key])  # each worker gets its own, as before

    fact.__name__ = name
    prop = cached_property(fact)
    prop.__set_name__(cls, name)
    setattr(cls, name, prop)


def _get_repo_with(original: Any) -> Any:
    def get_repo(url: str) -> Any:
        state = _active()
        if state is None or not isinstance(url, str):
            return original(url)
        key = (type(url), url)
        if key not in state.repos:
            state.repos[key] = original(url)
        return state.repos[key]

    return get_repo


def _commit_of(url: str, ref: str) -> str | None:
    """The commit ``ref`` names in the local repository ``url``, as Copier resolves it."""
    if re.search(r"[\r\n]", ref):
        return None
    try:
        result = subprocess.run(
            ["git", "cat-file", "--batch-check=%(objectname)"],
            cwd=url,
            input=f"{ref}^{{commit}}\n",
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    found = result.stdout.strip()
    return found if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", found) else None


def _clone_with(original: Any) -> Any:
    def clone(url: str, ref: str = "HEAD", location: str | None = None) -> str:
        state = _active()
        if state is None or ref == "HEAD" or not Path(url).is_dir():
            return original(url, ref, location)
        commit = _commit_of(url, ref)
        if commit is None:
            return original(url, ref, location)
        key = (str(Path(url).resolve()), commit)
        known = state.checkouts.get(key)
        if known is None or not known.is_dir():
            into = tempfile.mkdtemp(prefix="checkout-", dir=state.root)
            known = Path(original(url, ref, into))
            state.checkouts[key] = known
        return str(known)

    return clone


def _signature(env: Any) -> tuple[Any, ...]:
    """Everything of ``env`` that Jinja's compiler reads: same signature, same code."""
    from jinja2.utils import _PassArg

    def calls(table: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(sorted((name, _PassArg.from_obj(f)) for name, f in table.items()))

    autoescape = env.autoescape if isinstance(env.autoescape, bool) else id(env.autoescape)
    return (
        type(env),
        tuple(sorted(env.extensions)),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.is_async,
        autoescape,
        None if env.finalize is None else id(env.finalize),
        calls(env.filters),
        calls(env.tests),
    )


def _compiling_once(base: type) -> type:
    class Environment(base):  # type: ignore[misc,valid-type]
        """Copier's sandboxed environment, compiling each source once per ``shared()``."""

        def compile(  # type: ignore[override]
            self,
            source: Any,
            name: str | None = None,
            filename: str | None = None,
            raw: bool = False,
            defer_init: bool = False,
        ) -> Any:
            state = _active()
            if state is None or not isinstance(source, str):
                return super().compile(source, name, filename, raw, defer_init)
            signature = self.__dict__.get("_stackgen_signature")
            if signature is None:  # Copier has set its filters by the first compilation
                signature = self.__dict__["_stackgen_signature"] = _signature(self)
            key = (signature, source, name, filename, raw, defer_init)
            try:
                return state.compiled[key]
            except KeyError:
                code = None
                if not raw:
                    code = _compiled_on_disk(self, signature, source, name, filename, defer_init)
                if code is None:
                    code = super().compile(source, name, filename, raw, defer_init)
                state.compiled[key] = code
                return code
            except TypeError:  # something unhashable: compile as Jinja would
                return super().compile(source, name, filename, raw, defer_init)

        def generated(
            self, source: str, name: str | None, filename: str | None, defer_init: bool
        ) -> str:
            """The Python code Jinja generates for ``source`` (its ``raw`` compilation)."""
            return super().compile(source, name, filename, True, defer_init)

    Environment.__name__ = Environment.__qualname__ = base.__name__
    Environment.__module__ = base.__module__
    return Environment


def _stable(signature: tuple[Any, ...]) -> str | None:
    """``_signature`` as text that means the same in another process, or None where it
    holds an identity (a callable ``autoescape`` or ``finalize``)."""
    kind, extensions, *settings = signature
    autoescape, finalize = settings[-4], settings[-3]
    if not isinstance(autoescape, bool) or finalize is not None:
        return None
    return repr((f"{kind.__module__}.{kind.__qualname__}", extensions, *settings))


def cache_folder() -> Path:
    """Where the Python code Jinja generates for each template source is kept between
    commands: beside the template store, one file per source and environment."""
    from generator import store

    return store.store_dir().parent / "cache" / "jinja"


def bytecode_cache() -> Any:
    """Jinja's own bytecode cache for stackgen's plain environments (the migration writers'
    macros, from the installed templates), kept with the generated code; None where the
    home is read-only."""
    import jinja2

    folder = cache_folder().parent / "bytecode"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _compiled_on_disk(
    env: Any,
    signature: tuple[Any, ...],
    source: str,
    name: str | None,
    filename: str | None,
    defer_init: bool,
) -> Any:
    """The code ``env.compile`` gives for ``source``, from the Python code Jinja generated
    for it in an earlier command (parsing and generating are 90% of a compilation); None
    where the environment cannot be named across processes.

    Jinja's generated code does not depend on ``filename`` (only the code object's name
    for tracebacks does, given here as Jinja gives it), so it is exactly Jinja's own.
    """
    import hashlib
    import os
    import sys

    import jinja2

    stable = _stable(signature)
    if stable is None or not callable(getattr(env, "_compile", None)):  # Jinja 3.x's own step
        return None
    identity = repr((sys.version, jinja2.__version__, stable, source, name, defer_init))
    digest = hashlib.sha256(identity.encode()).hexdigest()
    file = cache_folder() / digest[:2] / f"{digest}.py"
    try:
        python = file.read_text()
    except (OSError, UnicodeDecodeError):
        python = env.generated(source, name, filename, defer_init)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
            with os.fdopen(fd, "w") as out:
                out.write(python)
            os.replace(temporary, file)  # whole, or not there: never half a file
        except OSError:
            pass  # a read-only home: compile every time, as Jinja does
    return env._compile(python, filename or "<template>")


def _sync_with(original: Any) -> Any:
    def sync(worker: Any, dst_relpath: Path, src_mode: int) -> None:
        state = _active()
        if state is None:
            return original(worker, dst_relpath, src_mode)
        root = worker.subproject.local_abspath
        if root not in state.file_modes:
            result = subprocess.run(
                ["git", "config", "--type=bool", "--get", "core.fileMode"],
                cwd=root,
                capture_output=True,
                text=True,
            )
            state.file_modes[root] = result.stdout.strip() if result.returncode == 0 else None
        setting = state.file_modes[root]
        if setting is None or setting != "false":
            return None  # what Copier's own does then: nothing
        return original(worker, dst_relpath, src_mode)

    return sync
