"""Write docs/benchmarks.md from one run's sections."""

from __future__ import annotations

from pathlib import Path

from bench.common import REPO, Section
from bench.findings import FINDINGS, SECTION_NOTES

OUT = REPO / "docs" / "benchmarks.md"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def write(
    sections: list[Section],
    machine: dict[str, str],
    *,
    quick: bool,
    elapsed: float,
    chosen: list[str],
    redone: list[dict] | None = None,
) -> Path:
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench` (see [bench/README.md](../bench/README.md)); do not edit by "
        "hand. Each figure is a ratio of two commands or servers measured side by side in the "
        "same run, on the same machine, so it drifts less than absolute times on a shared host. "
        "Budgets are goals, not tests.",
        "",
        f"Run: `python -m bench{' ' + ' '.join(chosen) if len(chosen) < 4 else ''}"
        f"{' --quick' if quick else ''}`, {elapsed / 60:.1f} min"
        + (" (**quick run**: fewer repetitions and rows; figures are rough)" if quick else "")
        + "."
        + "".join(
            f" Measured again, in place of that run's: {', '.join(r['chosen'])} "
            f"(`python -m bench {' '.join(r['chosen'])} --merge`, {r['elapsed'] / 60:.1f} min, "
            f"{r['date']}, the same machine)."
            for r in redone or []
        ),
        "",
        "## Machine",
        "",
    ]
    lines += _table(["", ""], [[key, value] for key, value in machine.items()])
    lines += ["", "## Summary", ""]
    rows = []
    for section in sections:
        for result in section.results:
            if result.budget or result.value is None:
                rows.append(
                    [result.name, result.shown(), result.budget or "-", f"**{result.verdict}**"]
                )
    lines += _table(["measure", "figure", "budget", "verdict"], rows)

    for section in sections:
        lines += ["", f"## {section.title}", ""]
        if section.results:
            lines += _table(
                ["ratio / figure", "value", "budget", "verdict", "detail"],
                [
                    [r.name, r.shown(), r.budget or "-", r.verdict, r.detail]
                    for r in section.results
                ],
            )
            lines.append("")
        for header, table_rows in section.tables:
            lines += _table(header, table_rows)
            lines.append("")
        for note in section.notes:
            lines += [note, ""]
        misses = [r for r in section.results if r.verdict in {"MISS", "NOT MEASURED"}]
        general = SECTION_NOTES.get(section.title)
        if misses or section.profiles or general:
            lines += [f"### Where the time goes ({section.title.lower()})", ""]
            for result in misses:
                finding = FINDINGS.get(result.name)
                lines.append(
                    f"**{result.name}: {result.verdict}.** " + (finding or "Not analysed yet.")
                )
                lines.append("")
            if general:
                lines += [general, ""]
            for heading, text in section.profiles:
                lines += [f"{heading}:", "", "```", text, "```", ""]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines).rstrip() + "\n")
    return OUT
