"""2. Update: ``stackgen update`` against plain ``copier update``, one version to the next.

A temporary template store gets the installed templates as the current
version (the first ``stackgen new``), then a copy of them with one README line
changed in each template as version 0.1.1 (``generator.store.ensure_version``).
For each repetition two identical projects are generated at the first version
(``stackgen new`` commits them, so they are clean), then one is updated with
``stackgen update --to v0.1.1 --defaults`` and the other with
``copier update --vcs-ref v0.1.1 --defaults``; only the updates are timed,
in alternating order.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bench.common import (
    COPIER,
    REPO,
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
from bench.profiling import profile_stackgen

FRAMEWORKS = ("flask", "django")
NEXT = "0.1.1"
# A feature switched on at the project's own version: `stackgen add` against
# `copier update --data FEATURE=true --vcs-ref <same version>`, the same merge.
FEATURES = {"flask": "analytics", "django": "sentry"}
CHANGED_LINE = "\nThis line was added by the benchmark's next template version.\n"


def stackgen_has_update() -> bool:
    result = subprocess.run([STACKGEN, "update", "--help"], capture_output=True, text=True)
    return result.returncode == 0


def add_next_version(
    store_dir: Path, tmp: Path, version: str = NEXT, resource_line: str = ""
) -> str:
    """Add the installed templates as ``version`` (v0.1.1), one README line changed per
    template, and ``resource_line`` added to every resource's ``__init__.py``."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from generator import store

    files = tmp / f"templates-{version}"
    packaged = store.packaged_templates()
    files.mkdir()
    shutil.copy2(packaged / "copier.yml", files / "copier.yml")
    shutil.copytree(
        packaged / "templates",
        files / "templates",
        ignore=shutil.ignore_patterns(*store.IGNORED[:2], "*.pyc"),
    )
    for readme in (files / "templates").glob("*/README.md.jinja"):
        readme.write_text(readme.read_text() + CHANGED_LINE)
    if resource_line:
        for init in (files / "templates").glob("resource-*/**/__init__.py.jinja"):
            init.write_text(init.read_text() + resource_line)
    _, tag = store.ensure_version(files=files, version=version, store=store_dir)
    return tag


def stackgen_has_add() -> bool:
    result = subprocess.run([STACKGEN, "add", "--help"], capture_output=True, text=True)
    return result.returncode == 0


def measure_add(section: Section, tmp: Path, env: dict[str, str], base_tag: str, reps: int) -> None:
    """``stackgen add FEATURE`` against ``copier update --data FEATURE=true`` at one version."""
    if not stackgen_has_add():
        section.notes.append("`stackgen add` is not in this checkout: the add rows were skipped.")
        return
    times: dict[str, list[float]] = {}
    for rep in range(reps):
        for flag, feature in FEATURES.items():
            a, b = tmp / f"as{rep}{flag}" / "proj", tmp / f"ac{rep}{flag}" / "proj"
            for dest in (a, b):
                run([STACKGEN, "new", dest, "--framework", flag, "--defaults"], env=env)
            copier_update = [COPIER, "update", "-q", "--defaults", "--vcs-ref", base_tag]
            commands = {
                f"copier update --data {feature}=true {flag}": (
                    [*copier_update, "--data", f"{feature}=true"],
                    b,
                ),
                f"stackgen add {feature} {flag}": ([STACKGEN, "add", feature, "-C", str(a)], a),
            }
            order = list(commands.items())
            if rep % 2:
                order.reverse()
            for key, (command, cwd) in order:
                times.setdefault(key, []).append(timed(command, cwd=cwd, env=env))
            for dest in (a, b):
                answers = (dest / ".copier-answers.yml").read_text()
                assert f"{feature}: true" in answers, f"{dest}: {feature} was not switched on"
                assert base_tag in answers, f"{dest} left {base_tag}"
            shutil.rmtree(a.parent)
            shutil.rmtree(b.parent)
    med = {key: median(values) for key, values in times.items()}
    section.tables.append(
        (
            ["command", "median", "min", "max", "runs"],
            [[key, ms(med[key]), ms(min(v)), ms(max(v)), str(len(v))] for key, v in times.items()],
        )
    )
    for flag, feature in FEATURES.items():
        ours, theirs = (
            f"stackgen add {feature} {flag}",
            f"copier update --data {feature}=true {flag}",
        )
        section.add(
            f"{ours} / {theirs}",
            paired_ratio(times[ours], times[theirs]),
            "<= 1.2x",
            detail=f"{ms(med[ours])} vs {ms(med[theirs])}",
        )


def measure(quick: bool) -> Section:
    section = Section("Update")
    reps = 2 if quick else 5
    has_update = stackgen_has_update()
    if not has_update:
        log("  `stackgen update` is not available in this checkout: measuring Copier alone")
    with scratch("update") as tmp:
        home = tmp / "home"
        env = {"STACKGEN_HOME": str(home)}
        out = run([STACKGEN, "new", tmp / "warm", "--framework", "flask", "--defaults"], env=env)
        base_tag = out.stdout.split("(templates ", 1)[1].split(")", 1)[0]
        next_tag = add_next_version(home / "templates", tmp)
        log(f"  {base_tag} -> {next_tag}, {reps} repetitions per framework")
        times: dict[str, list[float]] = {}
        for rep in range(reps):
            for flag in FRAMEWORKS:
                a, b = tmp / f"s{rep}{flag}" / "proj", tmp / f"c{rep}{flag}" / "proj"
                for dest in (a, b):
                    run([STACKGEN, "new", dest, "--framework", flag, "--defaults"], env=env)
                commands = {
                    f"copier update {flag}": (
                        [COPIER, "update", "-q", "--defaults", "--vcs-ref", next_tag],
                        b,
                    ),
                }
                if has_update:
                    commands[f"stackgen update {flag}"] = (
                        [STACKGEN, "update", str(a), "--to", next_tag, "--defaults"],
                        a,
                    )
                order = list(commands.items())
                if rep % 2:
                    order.reverse()
                for key, (command, cwd) in order:
                    times.setdefault(key, []).append(timed(command, cwd=cwd, env=env))
                for dest in (a, b) if has_update else (b,):
                    readme = (dest / "README.md").read_text()
                    assert CHANGED_LINE.strip() in readme, f"{dest} was not updated"
                    answers = (dest / ".copier-answers.yml").read_text()
                    assert next_tag in answers, f"{dest} does not record {next_tag}"
                shutil.rmtree(a.parent)
                shutil.rmtree(b.parent)

        med = {key: median(values) for key, values in times.items()}
        section.tables.append(
            (
                ["command", "median", "min", "max", "runs"],
                [
                    [key, ms(med[key]), ms(min(v)), ms(max(v)), str(len(v))]
                    for key, v in times.items()
                ],
            )
        )
        for flag in FRAMEWORKS:
            if has_update:
                section.add(
                    f"stackgen update {flag} / copier update {flag}",
                    paired_ratio(times[f"stackgen update {flag}"], times[f"copier update {flag}"]),
                    "<= 1.5x",
                    detail=f"{ms(med[f'stackgen update {flag}'])} vs "
                    f"{ms(med[f'copier update {flag}'])}",
                )
            else:
                section.add(
                    f"stackgen update {flag} / copier update {flag}",
                    None,
                    "<= 1.5x",
                    detail=f"copier update alone: {ms(med[f'copier update {flag}'])}",
                )
        measure_add(section, tmp, env, base_tag, reps)
        if not has_update:
            section.notes.append(
                "`stackgen update` was not in this checkout when the bench ran (`stackgen update "
                "--help` failed), so only `copier update` was timed; run `python -m bench update` "
                "again once it lands."
            )
        elif any(r.verdict == "MISS" for r in section.results):
            log("  profiling stackgen update (a budget was missed)")
            dest = tmp / "profiled" / "proj"
            run([STACKGEN, "new", dest, "--framework", "flask", "--defaults"], env=env)
            text = profile_stackgen(
                ["update", str(dest), "--to", next_tag, "--defaults"], tmp, env=env
            )
            section.profiles.append(("cProfile of `stackgen update` (flask)", text))
    return section
