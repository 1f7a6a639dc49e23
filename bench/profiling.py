"""Where the time goes: cProfile of a stackgen command, -X importtime of --help.

Run only when a budget is missed. The profile runs in a fresh interpreter
(imports count), and is summarised as the functions of stackgen, Copier and
``subprocess`` with the most cumulative time.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench.common import run

PROFILE_SCRIPT = r"""
import cProfile, pstats, sys
from generator import cli
profiler = cProfile.Profile()
profiler.enable()
try:
    status = cli.run(sys.argv[2:], interactive=False)
finally:
    profiler.disable()
profiler.dump_stats(sys.argv[1])
sys.exit(status)
"""

INTERESTING = re.compile(r"/generator/|/copier/|subprocess\.py|plumbum|jinja2/environment\.py")


def profile_stackgen(
    argv: Sequence[str], out: Path, env: Mapping[str, str] | None = None, top: int = 14
) -> str:
    """Profile ``stackgen argv`` in a fresh interpreter; a table of the costliest calls."""
    import pstats

    stats_file = out / "stackgen.prof"
    run([sys.executable, "-c", PROFILE_SCRIPT, stats_file, *argv], cwd=out, env=env)
    stats = pstats.Stats(str(stats_file))
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_cc, ncalls, _tt, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if INTERESTING.search(filename):
            short = re.sub(r".*/site-packages/", "", filename)
            short = re.sub(r".*/(generator/)", r"\1", short)
            short = re.sub(r".*/lib/python3\.\d+/", "", short)
            rows.append((cumtime, ncalls, f"{short}:{line}({name})"))
    rows.sort(reverse=True)
    lines = [f"total profiled time {total * 1000:.0f} ms (profiler overhead included)"]
    own = [row for row in rows if row[2].startswith("generator/")]
    rest = [row for row in rows if not row[2].startswith("generator/")]
    for title, chosen in (
        ("stackgen's own functions", own[:top]),
        ("Copier, git, Jinja", rest[:top]),
    ):
        lines += ["", f"{title}:", f"{'cumulative':>10}  {'calls':>6}  function"]
        for cumtime, ncalls, where in chosen:
            lines.append(f"{cumtime * 1000:>7.0f} ms  {ncalls:>6}  {where}")
    return "\n".join(lines)


def import_times(command: Sequence[str | Path], top: int = 12) -> str:
    """The slowest imports of ``command`` (a Python invocation) by ``-X importtime``."""
    result = run([sys.executable, "-X", "importtime", *command])
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if match:
            rows.append((int(match.group(2)), match.group(4)))
    rows.sort(reverse=True)
    lines = [f"{'cumulative':>10}  module"]
    lines += [f"{us / 1000:>7.1f} ms  {name}" for us, name in rows[:top]]
    return "\n".join(lines)
