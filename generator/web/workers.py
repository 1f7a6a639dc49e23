"""Renders in worker processes, so that one request never holds the others.

Copier changes the process's working directory while it renders (plumbum's
``local.cwd``), so two renders cannot share a process; and a render's memory
(Copier, Jinja, the templates) is given back only when its process ends. Each
render therefore runs in a process of its own, forked from a forkserver that has
imported stackgen once (a fork of a single-threaded process, never of the
multi-threaded server), in a scratch folder the server makes and removes. The
bounds, per ``Renderer``:

- ``workers`` renders at once;
- ``waiting`` more renders queued for a worker; past that a request is refused at
  once (``Busy``: a JSON 503 with ``Retry-After``);
- ``deadline`` seconds per request, queueing included; past it the render's
  processes are killed, its scratch folder removed, and the request gets the
  same 503.

Identical requests share one render (the one in flight, or the cached result),
and the last ``cached`` starters are kept in memory.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from generator import store
from generator.errors import StackgenError
from generator.web.starter import Choice, Starter, build

WORKERS = 2  # renders at once: a trivial request is not queued behind one heavy render
WAITING = 8  # renders queued for a worker, past which a request is refused at once
DEADLINE = 60.0  # seconds per request: a heavy preview takes ~6 s on a loaded 2-core machine
CACHED = 16  # starters kept in memory: ~100-300 KB each, under 1 MB with 6 resources
RETRY_AFTER = 10  # seconds, in the 503's Retry-After header

Work = Callable[[Choice, Path], Starter]


class Busy(StackgenError):
    """The server cannot render this starter now: too many waiting, or past the deadline."""

    retry_after = RETRY_AFTER


class _Pending:
    """One render in flight, which identical requests wait for instead of rendering again."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.starter: Starter | None = None
        self.error: BaseException | None = None

    def result(self, timeout: float) -> Starter:
        if not self.done.wait(max(0.0, timeout)):
            raise Busy("the same starter is still rendering; try again in a few seconds")
        if self.error is not None:
            raise self.error
        assert self.starter is not None
        return self.starter


class Renderer:
    """Renders starters within the bounds above; one per application."""

    def __init__(
        self,
        workers: int = WORKERS,
        waiting: int = WAITING,
        deadline: float = DEADLINE,
        cached: int = CACHED,
        work: Work = build,
        scratch: Path | None = None,
    ) -> None:
        if workers < 1 or waiting < 0 or deadline <= 0 or cached < 0:
            raise ValueError("workers >= 1, waiting >= 0, deadline > 0, cached >= 0")
        self.workers, self.waiting, self.deadline, self.cached = workers, waiting, deadline, cached
        self._work = work  # run in the worker; a module-level function (pickled by name)
        self._scratch = scratch  # where each render's temporary folder goes (None: TMPDIR)
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()  # guards the three below, never held while rendering
        self._admitted = 0  # renders running or queued for a worker
        self._pending: dict[Choice, _Pending] = {}
        self._cache: OrderedDict[Choice, Starter] = OrderedDict()
        self._store_ready = threading.Lock()
        self._store_made = False
        self._context = multiprocessing.get_context("forkserver")
        # Imported once in the forkserver, so that each worker starts in milliseconds.
        self._context.set_forkserver_preload(["copier", "generator.web.workers"])

    def render(self, choice: Choice) -> Starter:
        """The files of the starter ``choice`` describes, or ``Busy``."""
        deadline = time.monotonic() + self.deadline
        with self._lock:
            if choice in self._cache:
                self._cache.move_to_end(choice)
                return self._cache[choice]
            pending = self._pending.get(choice)
            if pending is not None:
                mine = False
            elif self._admitted >= self.workers + self.waiting:
                raise Busy(
                    f"the server is busy (renders running: {self.workers}, waiting: "
                    f"{self.waiting}); try again in a few seconds"
                )
            else:
                mine, pending = True, _Pending()
                self._pending[choice] = pending
                self._admitted += 1
        if not mine:
            return pending.result(deadline - time.monotonic())
        try:
            pending.starter = self._render(choice, deadline)
        except BaseException as error:
            pending.error = error
            raise
        finally:
            with self._lock:
                self._admitted -= 1
                del self._pending[choice]
                if pending.starter is not None and self.cached:
                    self._cache[choice] = pending.starter
                    while len(self._cache) > self.cached:
                        self._cache.popitem(last=False)
            pending.done.set()
        return pending.starter

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def cache_info(self) -> tuple[int, int]:
        """How many starters are cached, and at most."""
        with self._lock:
            return len(self._cache), self.cached

    def _ensure_store(self) -> None:
        """Make the template store here, once: a worker killed at its deadline must not be
        the one halfway through creating it."""
        with self._store_ready:
            if not self._store_made:
                store.ensure_version()
                self._store_made = True

    def _render(self, choice: Choice, deadline: float) -> Starter:
        self._ensure_store()
        if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise _late(self.deadline)
        scratch = tempfile.mkdtemp(prefix="stackgen-serve-", dir=self._scratch)
        try:
            receive, send = self._context.Pipe(duplex=False)
            worker = self._context.Process(
                target=_worker,
                args=(self._work, choice, scratch, dict(os.environ), send),
                name=f"stackgen-render-{choice.folder}",
                daemon=True,
            )
            try:
                worker.start()
                send.close()  # the worker's end: EOF here once it exits
                if not receive.poll(max(0.0, deadline - time.monotonic())):
                    raise _late(self.deadline)
                try:
                    outcome = receive.recv()
                except EOFError:
                    raise StackgenError(
                        f"the render worker stopped without an answer (exit {worker.exitcode})"
                    ) from None
            finally:
                _stop(worker)
                receive.close()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            self._slots.release()
        kind, value = outcome
        if kind == "starter":
            return value
        if kind == "refused":
            raise StackgenError(value)
        raise RuntimeError(f"the render worker failed: {value}")


def _late(deadline: float) -> Busy:
    return Busy(f"the starter took longer than {deadline:g} s to render; try again later")


def _stop(worker: multiprocessing.process.BaseProcess) -> None:
    """Kill a worker and anything it started (git, run by Copier), then reap it."""
    if worker.pid is None:
        return
    if worker.is_alive():
        with contextlib.suppress(ProcessLookupError):  # not yet its own group
            os.killpg(worker.pid, signal.SIGKILL)  # its own group: see _worker
        worker.kill()
    worker.join()


def _worker(
    work: Work, choice: Choice, scratch: str, env: dict[str, Any], send: Connection
) -> None:
    """In the worker process: render into ``scratch``, send back the starter or the error."""
    os.setpgrp()  # one group, killed as one at the deadline
    os.environ.clear()
    os.environ.update(env, TMPDIR=scratch)  # the request's environment, as in the server
    tempfile.tempdir = scratch  # Copier's clone too: removed with the scratch folder
    try:
        outcome: tuple[str, Any] = ("starter", work(choice, Path(scratch)))
    except StackgenError as error:
        outcome = ("refused", str(error))
    except Exception as error:  # a bug: reported to the server, which logs it
        outcome = ("failed", f"{type(error).__name__}: {error}")
    send.send(outcome)
    send.close()
