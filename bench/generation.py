"""1. Generation: ``stackgen new`` against plain Copier and ``django-admin startproject``.

Both sides render the same template from the same template store (a
temporary ``$STACKGEN_HOME``) at the same tag. ``stackgen new`` does more than
``copier copy``: it writes ``.env`` and makes the initial git commit; that is
part of what it costs a user, so it is timed, and the profile of a miss shows
how much of the gap it is.
"""

from __future__ import annotations

import shutil
import sys

from bench.common import (
    COPIER,
    PROJECT,
    STACKGEN,
    Section,
    log,
    median,
    ms,
    paired_ratio,
    run,
    scratch,
    timed,
)
from bench.profiling import import_times, profile_stackgen
from generator.catalogue import TEMPLATES

FRAMEWORKS = TEMPLATES


def measure(quick: bool) -> Section:
    section = Section("Generation")
    reps = 3 if quick else 9
    with scratch("generation") as tmp:
        home = tmp / "home"
        env = {"STACKGEN_HOME": str(home)}
        store = home / "templates"
        # Warm-up: creates the store and its version tag, fills the OS caches.
        out = run([STACKGEN, "new", tmp / "warm", "--framework", "flask", "--defaults"], env=env)
        tag = out.stdout.split("(templates ", 1)[1].split(")", 1)[0]
        django_admin = PROJECT.bin / "django-admin"
        times: dict[str, list[float]] = {}

        def add(key: str, seconds: float) -> None:
            times.setdefault(key, []).append(seconds)

        log(f"  {reps} repetitions each, interleaved (store tag {tag})")
        for rep in range(reps):
            for flag, template in FRAMEWORKS.items():
                a, b = tmp / f"s_{flag}" / "myproj", tmp / f"c_{flag}" / "myproj"
                commands = {
                    f"stackgen new {flag}": (
                        [STACKGEN, "new", a, "--framework", flag, "--defaults"],
                        None,
                    ),
                    f"copier copy {flag}": (
                        [
                            COPIER,
                            "copy",
                            "-q",
                            "--defaults",
                            "--vcs-ref",
                            tag,
                            "--data",
                            f"framework={template}",
                            str(store),
                            b,
                        ],
                        None,
                    ),
                }
                order = list(commands.items())
                if rep % 2:
                    order.reverse()
                for key, (command, cwd) in order:
                    add(key, timed(command, cwd=cwd, env=env))
                shutil.rmtree(a.parent)
                shutil.rmtree(b.parent)
            if django_admin.exists():
                target = tmp / "startproject"
                target.mkdir()
                add(
                    "django-admin startproject",
                    timed([django_admin, "startproject", "mysite", target]),
                )
                shutil.rmtree(target)
            add("stackgen --help", timed([STACKGEN, "--help"]))
            add("python -c pass", timed([sys.executable, "-c", "pass"]))

        med = {key: median(values) for key, values in times.items()}
        rows = [
            [key, ms(med[key]), ms(min(values)), ms(max(values)), str(len(values))]
            for key, values in times.items()
        ]
        section.tables.append((["command", "median", "min", "max", "runs"], rows))

        for flag in FRAMEWORKS:
            section.add(
                f"stackgen new {flag} / copier copy {flag}",
                paired_ratio(times[f"stackgen new {flag}"], times[f"copier copy {flag}"]),
                "<= 1.2x",
                detail=f"{ms(med[f'stackgen new {flag}'])} vs {ms(med[f'copier copy {flag}'])}",
            )
        if "django-admin startproject" in med:
            section.add(
                "stackgen new django / django-admin startproject",
                paired_ratio(times["stackgen new django"], times["django-admin startproject"]),
                detail="informational: startproject writes 6 files and has no questions",
            )
        else:
            section.notes.append("django-admin was not found in the project environment.")
        section.add("stackgen --help", med["stackgen --help"] * 1000, "< 150 ms", unit="ms")
        section.add(
            "stackgen --help / python -c pass",
            paired_ratio(times["stackgen --help"], times["python -c pass"]),
            detail=f"{ms(med['stackgen --help'])} vs {ms(med['python -c pass'])}",
        )

        misses = [r for r in section.results if r.verdict == "MISS"]
        if any(r.name.startswith("stackgen new") for r in misses) or not quick:
            log("  profiling stackgen new")
            for flag in FRAMEWORKS:
                dest = tmp / f"profiled_{flag}"
                text = profile_stackgen(
                    ["new", str(dest), "--framework", flag, "--defaults"], tmp, env=env
                )
                section.profiles.append((f"cProfile of `stackgen new --framework {flag}`", text))
                shutil.rmtree(dest, ignore_errors=True)
        if any(r.name == "stackgen --help" for r in misses):
            text = import_times(
                [
                    "-c",
                    "import sys; from generator import cli; "
                    "sys.argv = ['stackgen', '--help']; cli.main()",
                ]
            )
            section.profiles.append(("-X importtime of `stackgen --help`", text))
    return section
