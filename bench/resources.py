"""Update, add and generate resource as a project's resources grow (issue 28, point 5).

For each framework and each N in ``SIZES``, one project is made with N
resources (``stackgen new --resource ...`` N times) and committed, then
copied (``.git`` included) so both sides of a pair start from the same tree:

- ``stackgen update --to v0.1.1 --defaults`` against ``copier update
  --vcs-ref v0.1.1 --defaults`` of the starter's own answers file (budget:
  1.5x at every N > 0). v0.1.1 changes one README line: the resources'
  renderings stay as they were;
- the same to v0.1.2, which also adds a line to every resource's
  ``__init__.py``: every resource's files go through the three-way merge;
- ``stackgen add FEATURE`` against ``copier update --data FEATURE=true`` at
  the project's own version (budget: 1.5x at every N > 0);
- ``stackgen generate resource Gadget ...`` against ``copier copy`` of the
  resource template with the answers stackgen recorded for it, into an
  identical project (budget: 1.2x, at every N);
- ``stackgen model apply`` of the N-resource project's exported model file to
  a new project without resources, against ``stackgen new`` of that project
  (budget: 3x at every N > 0).

An update at N = 0 is the curve's start (no resource to merge), printed, not budgeted.

Only the commands are timed, back to back in alternating order, and each
ratio is the median of the per-repetition ratios.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bench.common import (
    COPIER,
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
from bench.update import FEATURES, FRAMEWORKS, add_next_version

SIZES = (0, 5, 10, 20)
GADGET = ("Gadget", "title:string:80", "weight:decimal:8.2:optional", "sold:boolean")


RESOURCE_LINE = "# This line was added by the benchmark's v0.1.2.\n"


def add_resource_version(store_dir: Path, tmp: Path) -> str:
    """v0.1.2: v0.1.1's README line, and one line more in every resource's ``__init__.py``."""
    return add_next_version(store_dir, tmp, "0.1.2", RESOURCE_LINE)


def resource_options(count: int) -> list[str]:
    options = []
    for index in range(count):
        spec = f"Thing{index} name:string:80 size:integer:optional made:date:optional"
        options += ["--resource", spec]
    return options


def copy_project(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, symlinks=True)
    return dest


def model_apply(
    times: dict[str, list[float]],
    made: Path,
    empty: Path,
    label: str,
    rep: int,
    env: dict[str, str],
) -> None:
    """Time ``stackgen model apply`` of ``made``'s model (exported) on a copy of ``empty``,
    and ``stackgen new`` of a project like ``empty``, in alternating order."""
    work = made.parent.parent / "model-apply"
    model_file = work / "model.yml"
    work.mkdir()
    model_file.write_text(run([STACKGEN, "model", "export", "-C", made], env=env).stdout)
    applied = copy_project(empty, work / "applied" / "proj")
    flag = label.split()[0]
    order = [
        ("stackgen model apply", [STACKGEN, "model", "apply", model_file, "-C", applied], work),
        ("stackgen new", [STACKGEN, "new", work / "new", "--framework", flag, "--defaults"], work),
    ]
    for side, command, cwd in order if rep % 2 == 0 else order[::-1]:
        times.setdefault(f"{side} {label}", []).append(timed(command, cwd=cwd, env=env))
    recorded = run([STACKGEN, "model", "export", "-C", applied], env=env).stdout
    assert recorded == model_file.read_text(), f"{applied}: the model was not applied"
    log(
        f"    model apply {label}: {ms(times[f'stackgen model apply {label}'][-1])}, "
        f"stackgen new {ms(times[f'stackgen new {label}'][-1])}"
    )
    shutil.rmtree(work)


def measure(quick: bool) -> Section:
    section = Section("Resources")
    reps = 1 if quick else 3
    times: dict[str, list[float]] = {}
    with scratch("resources") as tmp:
        home = tmp / "home"
        env = {"STACKGEN_HOME": str(home)}
        out = run([STACKGEN, "new", tmp / "warm", "--framework", "flask", "--defaults"], env=env)
        base_tag = out.stdout.split("(templates ", 1)[1].split(")", 1)[0]
        next_tag = add_next_version(home / "templates", tmp)
        changed_tag = add_resource_version(home / "templates", tmp)
        store = str(home / "templates")
        log(f"  {base_tag} -> {next_tag}, N in {SIZES}, {reps} repetition(s)")
        empty: dict[str, Path] = {}  # each framework's N=0 project, for model apply
        for rep in range(reps):
            for flag in FRAMEWORKS:
                feature = FEATURES[flag]
                for count in SIZES:
                    made = tmp / f"made{rep}{flag}{count}" / "proj"
                    run(
                        [
                            STACKGEN,
                            "new",
                            made,
                            "--framework",
                            flag,
                            "--defaults",
                            *resource_options(count),
                        ],
                        env=env,
                        timeout=900,
                    )
                    pairs = {
                        "update": (
                            [STACKGEN, "update", ".", "--to", next_tag, "--defaults"],
                            [COPIER, "update", "-q", "--defaults", "--vcs-ref", next_tag],
                        ),
                        "update, resources changed": (
                            [STACKGEN, "update", ".", "--to", changed_tag, "--defaults"],
                            [COPIER, "update", "-q", "--defaults", "--vcs-ref", changed_tag],
                        ),
                        "add": (
                            [STACKGEN, "add", feature, "-C", "."],
                            [
                                COPIER,
                                "update",
                                "-q",
                                "--defaults",
                                "--vcs-ref",
                                base_tag,
                                "--data",
                                f"{feature}=true",
                            ],
                        ),
                    }
                    # The resource as stackgen records it, for copier copy to render the same.
                    probe = copy_project(made, tmp / "probe" / "proj")
                    run([STACKGEN, "generate", "resource", *GADGET, "-C", probe], env=env)
                    answers_name = ".copier-answers.resource-gadget.yml"
                    recorded = yaml.safe_load((probe / answers_name).read_text())
                    data_file = tmp / "gadget-data.yml"
                    data_file.write_text(
                        yaml.safe_dump({k: v for k, v in recorded.items() if not k.startswith("_")})
                    )
                    shutil.rmtree(probe.parent)
                    pairs["generate resource"] = (
                        [STACKGEN, "generate", "resource", *GADGET, "-C", "."],
                        [
                            COPIER,
                            "copy",
                            "-q",
                            "--defaults",
                            "--overwrite",
                            "--vcs-ref",
                            base_tag,
                            "--data-file",
                            str(data_file),
                            "--answers-file",
                            answers_name,
                            store,
                            ".",
                        ],
                    )
                    for op, (ours, theirs) in pairs.items():
                        a = copy_project(made, tmp / "a" / "proj")
                        b = copy_project(made, tmp / "b" / "proj")
                        order = [("stackgen", ours, a), ("copier", theirs, b)]
                        if rep % 2:
                            order.reverse()
                        for side, command, cwd in order:
                            key = f"{side} {op} {flag} N={count}"
                            times.setdefault(key, []).append(timed(command, cwd=cwd, env=env))
                        ours_t = times[f"stackgen {op} {flag} N={count}"][-1]
                        theirs_t = times[f"copier {op} {flag} N={count}"][-1]
                        log(
                            f"    {op} {flag} N={count}: stackgen {ms(ours_t)}, "
                            f"copier {ms(theirs_t)}, {ours_t / theirs_t:.2f}x"
                        )
                        if op == "update, resources changed" and count:
                            inits = list(a.glob("*/resources/*/__init__.py"))
                            assert inits, f"{a}: no resource package"
                            assert all(RESOURCE_LINE in i.read_text() for i in inits), op
                        if op == "generate resource":
                            for dest in (a, b):
                                found = dest / answers_name
                                assert found.is_file(), f"{dest}: the resource was not made"
                        shutil.rmtree(a.parent)
                        shutil.rmtree(b.parent)
                    if count:
                        model_apply(times, made, empty[flag], f"{flag} N={count}", rep, env)
                    else:
                        empty[flag] = copy_project(made, tmp / f"empty{rep}{flag}" / "proj")
                    shutil.rmtree(made.parent)
                    log(f"  {flag} N={count} rep {rep}: done")
    rows = []
    for flag in FRAMEWORKS:
        for count in SIZES[1:]:
            ours = times[f"stackgen model apply {flag} N={count}"]
            theirs = times[f"stackgen new {flag} N={count}"]
            ratio = paired_ratio(ours, theirs)
            rows.append(
                [
                    f"model apply {flag}",
                    str(count),
                    ms(median(ours)),
                    ms(median(theirs)),
                    f"{ratio:.2f}x",
                ]
            )
            section.add(
                f"stackgen model apply {flag} / stackgen new, {count} resources",
                ratio,
                "<= 3x",
                detail=f"{ms(median(ours))} vs {ms(median(theirs))} (stackgen new)",
            )
        for op in ("update", "update, resources changed", "add", "generate resource"):
            for count in SIZES:
                ours = times[f"stackgen {op} {flag} N={count}"]
                theirs = times[f"copier {op} {flag} N={count}"]
                ratio = paired_ratio(ours, theirs)
                shown = [ms(median(ours)), ms(median(theirs)), f"{ratio:.2f}x"]
                rows.append([f"{op} {flag}", str(count), *shown])
                budget = "<= 1.2x" if op == "generate resource" else "<= 1.5x"
                if count or op == "generate resource":  # at every N: flat as the model grows
                    plain = "copier copy" if op == "generate resource" else "copier update"
                    section.add(
                        f"stackgen {op} {flag} / {plain}, {count} resources",
                        ratio,
                        budget,
                        detail=f"{ms(median(ours))} vs {ms(median(theirs))}",
                    )
    section.tables.append((["command", "resources", "stackgen", "plain copier", "ratio"], rows))
    return section
