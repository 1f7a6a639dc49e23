"""``python -m bench [MEASUREMENT ...] [--quick] [--no-write]``: any of MEASUREMENTS below.

Runs the measurements side by side, prints every ratio with its budget and a
PASS/MISS word, and writes docs/benchmarks.md (unless ``--no-write``; a run
of only some measurements keeps the other sections' last figures out of it,
so commit the file from a full run).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from dataclasses import asdict

from bench.common import REPO, Result, Section, log, machine
from bench.report import write

MEASUREMENTS = (
    "generation",
    "update",
    "resources",
    "apps",
    "scaling",
    "pagination",
    "analytics",
    "initializr",
    "signin",
)
LAST_RUN = REPO / ".cache" / "bench" / "last-run.json"  # ignored by git


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure stackgen and its generated apps against the tools users would "
        "pick instead; write docs/benchmarks.md.",
    )
    parser.add_argument(
        "which",
        nargs="*",
        metavar="MEASUREMENT",
        help=f"any of {', '.join(MEASUREMENTS)} (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions and rows (smoke run)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="put the measurements named in place of the last run's, keeping its other "
        "sections (a measurement fixed after a full run; the report says which were redone)",
    )
    parser.add_argument(
        "--rewrite",
        action="store_true",
        help="measure nothing: write docs/benchmarks.md again from the last run's saved figures "
        "(after editing bench/findings.py)",
    )
    args = parser.parse_args(argv)
    if (args.rewrite or args.merge) and not LAST_RUN.exists():
        # A fresh clone has the report but not its figures (.cache is not committed): a merge
        # would write a report of the measurements named alone.
        parser.error(
            f"no saved run in {LAST_RUN.relative_to(REPO)} to "
            f"{'rewrite from' if args.rewrite else 'merge into'}: run `python -m bench` first"
        )
    if args.rewrite:
        saved = json.loads(LAST_RUN.read_text())
        sections = [
            Section(**{**s, "results": [Result(**r) for r in s["results"]]})
            for s in saved["sections"]
        ]
        path = write(sections, saved["machine"], **saved["meta"])
        log(f"wrote {path.relative_to(REPO)} from {LAST_RUN.relative_to(REPO)}")
        return 0
    chosen = args.which or list(MEASUREMENTS)
    for name in chosen:
        if name not in MEASUREMENTS:
            parser.error(f"unknown measurement {name!r}; choose from {', '.join(MEASUREMENTS)}")

    started = time.monotonic()
    sections: list[Section] = []
    failed = False
    for name in chosen:
        log(f"== {name}{' (quick)' if args.quick else ''}")
        module = importlib.import_module(f"bench.{name}")
        t0 = time.monotonic()
        try:
            section = module.measure(args.quick)
        except Exception:
            failed = True
            section = Section(name.title())
            section.notes.append(
                "This measurement failed:\n\n```\n" + traceback.format_exc() + "```"
            )
            traceback.print_exc()
        section.notes.append(f"_Measured in {time.monotonic() - t0:.0f} s._")
        sections.append(section)

    log("\n== summary")
    for section in sections:
        for result in section.results:
            if result.budget or result.value is None:
                budget = result.budget or "-"
                log(f"  {result.verdict:>12}  {result.name}: {result.shown()} (budget {budget})")
    elapsed = time.monotonic() - started
    log(f"  total {elapsed:.0f} s")
    if not args.no_write:
        meta = {"quick": args.quick, "elapsed": elapsed, "chosen": chosen}
        info = machine()
        if args.merge:
            sections, meta = merged(json.loads(LAST_RUN.read_text()), chosen, sections, meta)
        LAST_RUN.parent.mkdir(parents=True, exist_ok=True)
        LAST_RUN.write_text(
            json.dumps(
                {"sections": [asdict(s) for s in sections], "machine": info, "meta": meta},
                indent=1,
            )
        )
        path = write(sections, info, **meta)
        log(f"  wrote {path.relative_to(REPO)} (figures saved in {LAST_RUN.relative_to(REPO)})")
    return 1 if failed else 0


def merged(
    saved: dict, chosen: list[str], sections: list[Section], meta: dict
) -> tuple[list[Section], dict]:
    """The last run's sections with this run's in place of theirs, in the usual order, and
    its meta with this run noted (``redone``)."""
    by_name = {
        name: Section(**{**s, "results": [Result(**r) for r in s["results"]]})
        for name, s in zip(saved["meta"]["chosen"], saved["sections"], strict=True)
    }
    by_name.update(zip(chosen, sections, strict=True))
    names = [name for name in MEASUREMENTS if name in by_name]
    redone = {
        "chosen": chosen,
        "elapsed": meta["elapsed"],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    meta = {**saved["meta"], "chosen": names}
    meta["redone"] = [*saved["meta"].get("redone", []), redone]
    return [by_name[name] for name in names], meta


if __name__ == "__main__":
    sys.exit(main())
