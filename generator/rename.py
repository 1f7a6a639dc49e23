"""A resource renamed with its rows: ``stackgen rename resource Workout Routine``.

The table is renamed by a migration (its rows kept, its indexes and constraints renamed
with it); the resource's files move to their new names with your edits merged in (a
three-way merge per file: the old name's rendering is the base, the new name's is the
template's side, the file as you left it is yours); its answers file is renamed; and every
resource whose code names it follows, regenerated as ``generate`` regenerates it:

- one that references it has its field renamed with it: a reference is named by its
  target's singular, so ``workout`` becomes ``routine`` and its column ``workout_id``
  becomes ``routine_id``, values kept (``renamed_from``), its foreign key on the new table;
- one whose tests make its rows first (a grandchild) has its tests rewritten.

``plan`` decides, without writing; ``apply`` writes, locked, all or nothing: the steps are
kept apart by commits of stackgen's own, taken back at the end (as ``model apply``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import django_migrations, fields, interrupts, merge, resources
from generator.errors import StackgenError
from generator.gitutil import git
from generator.project import Project
from generator.update import Summary, summarise

RELATIONS = ("references", "many")  # a field that names another resource


@dataclass
class RenamePlan:
    """What renaming ``old`` to ``new`` does."""

    old: str
    new: str
    answers_from: str
    answers_to: str
    old_table: str  # the plurals: what a reference's target_table holds
    new_table: str
    moves: dict[str, str]  # each file the resource's template wrote: old path -> new path
    own: dict[str, str]  # the user's own files in its package, moved as they are
    base: dict[str, merge.Entry]  # the old name's rendering (by old path)
    rendering: dict[str, merge.Entry]  # the new name's (by new path), its answers file too
    migrations: dict[str, str]  # the new migrations, by path
    rewrites: dict[str, str]  # other apps' migrations naming the model (Django), new text
    removed: list[str]  # the old app's migrations, replaced (Django)
    followers: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    tables: tuple[str, str] = ("", "")  # the table as the database names it, old and new
    package: str = ""  # the old package's folder, gone afterwards
    # each follower: its model, its field specs, and what changes in it (one line each)


def moved_name(name: str, old: fields.Names, new: fields.Names) -> str:
    """Where a file of ``old``'s rendering goes under ``new``'s names: its package folder,
    its test module and its page templates (``workout_detail.html``)."""
    parts = name.split("/")
    for i, part in enumerate(parts):
        if part == old.plural:
            parts[i] = new.plural
        elif part == f"test_{old.plural}.py":
            parts[i] = f"test_{new.plural}.py"
        elif part.startswith(f"{old.model.lower()}_") and i == len(parts) - 1:
            parts[i] = new.model.lower() + part[len(old.model) :]
    return "/".join(parts)


def _renamed_target(field: dict[str, Any], old: str, made: fields.Names) -> dict[str, Any]:
    """A field of the renamed resource: a reference to itself follows it (the same rows,
    the new name); every reference's reverse name is named by the new name (the target's
    ``mentor_routines``, its ``routine`` for a one-to-one)."""
    if field["type"] != "references":
        return dict(field)
    moved = {k: v for k, v in field.items() if k != "related"}
    if field["target"] == old:
        moved.update(target=made.model, target_table=made.plural)
    fields.related(moved, made)
    return moved


def plan(project: Project, old: str, new: str) -> RenamePlan:
    """Check the names; what renaming ``old`` to ``new`` does (nothing written)."""
    resources.check_supported(project)
    existing = resources.recorded(project.path)
    live = fields.live(existing)
    info = live.get(old)
    if info is None:
        known = ", ".join(sorted(live)) or "none"
        state = "was destroyed" if old in existing else "is not a resource of it"
        raise StackgenError(f"{old} {state} (the project's resources: {known})")
    others = {m: i for m, i in live.items() if m != old}
    # A destroyed resource keeps its answers file: its name is taken too.
    taken = set(existing) | resources._project_models(project)
    made = fields.check_resource_name(new, taken)
    was: fields.Names = info["names"]
    folder = f"{project.slug}/resources/{made.plural}"
    if (project.path / folder).exists():
        raise StackgenError(f"{folder} exists already; nothing was changed")
    before = resources._stored(info)
    record = {
        **before,
        "model": new,
        **{key: getattr(made, key) for key in resources.NAME_KEYS},
        "fields": [_renamed_target(f, old, made) for f in before["fields"]],
    }
    fields.check_reverse_names(made, record["fields"], others, resources._referrers(old, others))
    followers = _followers(others, old, made)
    for model, specs, _ in followers:
        names = [spec.split(":", 1)[0] for spec in specs]
        twice = next((name for name in names if names.count(name) > 1), None)
        if twice is not None:
            raise StackgenError(
                f"{model} has a field {twice} already, which its field relating to {old} "
                "would be renamed to; rename that field first (nothing was changed)"
            )
    if project.template == "django-mtv":
        packages = {p.name for p in project.path.iterdir() if p.is_dir()} | {project.slug}
        fields.check_django_names(made, record["fields"], others, packages)
        relating = tuple(  # the join tables of many fields relating to it, as Django names them
            f"{theirs['names'].plural}_{other.lower()}_{item['name']}"
            for other, theirs in others.items()
            for item in theirs["fields"]
            if item["type"] == "many" and item["target"] == old
        )
        written = django_migrations.write_renamed(project.path, before, record, relating)
        rewrites = django_migrations.retargeted(project.path, before, record)
        removed = [name for name in info["migrations"] if (project.path / name).is_file()]
        migrations = list(written)
    else:
        path, text = resources.flask_migration(
            project.path, resources._as_database(before), resources._as_database(record), True
        )
        written, rewrites, removed = {path: text}, {}, []
        migrations = [*info["migrations"], path]
    rp = resources.resource_project(project, old)
    recorded_answers = resources._starter_answers(rp)
    data = {**recorded_answers, "resource": record, "migrations": migrations}
    base = resources._rendering_of(rp, recorded_answers, rp.answers_file)
    base.pop(rp.answers_file, None)
    rendering = resources._rendering_of(rp, data, resources.answers_file(new))
    moves = {name: moved_name(name, was, made) for name in base}
    unmatched = sorted(set(moves.values()) ^ (set(rendering) - {resources.answers_file(new)}))
    if unmatched:
        raise StackgenError(
            f"the templates of {old}'s recorded version write {unmatched[0]} under one name "
            "and not the other; update the project first (`stackgen update`), nothing was "
            "changed"
        )
    package = project.path / project.slug / "resources" / was.plural
    own = {}
    for file in sorted(package.rglob("*")) if package.is_dir() else []:
        name = file.relative_to(project.path).as_posix()
        if (
            file.is_file()
            and name not in moves
            and name not in removed
            and "__pycache__" not in file.parts
        ):
            own[name] = moved_name(name, was, made)
    return RenamePlan(
        old,
        new,
        info["answers_file"],
        resources.answers_file(new),
        was.plural,
        made.plural,
        moves,
        own,
        base,
        rendering,
        written,
        rewrites,
        removed,
        followers,
        (
            resources.table_name(project.template, before),
            resources.table_name(project.template, record),
        ),
        package.relative_to(project.path).as_posix(),
    )


def _followers(
    others: dict[str, dict[str, Any]], old: str, made: fields.Names
) -> list[tuple[str, list[str], list[str]]]:
    """The resources whose code names ``old``, parents first: each with its field specs
    (a reference to it renamed with it) and what changes in it."""
    found = []
    for model, info in others.items():
        refs = [f for f in info["fields"] if f["type"] in RELATIONS and f["target"] == old]
        makes = any(step.get("model") == old for step in info.get("setup") or [])
        if not refs and not makes:
            continue
        specs, lines = [], []
        for item in info["fields"]:
            many = item["type"] == "many"
            if item in refs and fields.role_named(item):  # keeps its name: a role's
                specs.append(fields.spec_of({**item, "target": made.model}))
                lines.append(f"{item['name']} {'relates' if many else 'refers'} to {made.model}")
            elif item in refs:  # named by its target (its plural, for many): follows it
                name = made.plural if many else made.singular
                renamed = {"name": name, "target": made.model, "target_table": made.plural}
                specs.append(fields.spec_of({**item, **renamed, fields.RENAMED_FROM: item["name"]}))
                lines.append(f"{item['name']} renamed to {name}")
            else:
                specs.append(fields.spec_of(item))
        found.append((len(info.get("setup") or []), model, specs, lines or ["its tests"]))
    return [(model, specs, lines) for _, model, specs, lines in sorted(found)]


def describe(result: RenamePlan) -> list[str]:
    """The plan, one line each, as ``--pretend`` prints it."""
    lines = [f"rename the table {result.tables[0]} to {result.tables[1]}, with its rows"]
    lines += [f"move {a} to {b}" for a, b in {**result.moves, **result.own}.items()]
    lines.append(f"rename {result.answers_from} to {result.answers_to}")
    lines += [f"create {name}" for name in result.migrations]
    lines += [f"delete {name} (replaced)" for name in result.removed]
    lines += [f"update {name}: the model's new name" for name in result.rewrites]
    for model, _, changes in result.followers:
        lines.append(f"regenerate {model}: " + "; ".join(changes))
    return lines


def apply(project: Project, result: RenamePlan) -> tuple[Summary, str]:
    """Write the plan into the clean, locked project; all of it or none of it. Returns what
    was done and what became of the diagram (``diagram.refresh``)."""
    from generator import diagram

    path = project.path
    done = f"the resource {result.old} was renamed to {result.new} in {path}"
    head = git("rev-parse", "HEAD", cwd=path)
    total = Summary()
    unmerged: list[str] = []
    with resources.all_or_nothing(path, done):
        interrupts.start()
        stages: list[str] = []
        for name, moved in result.moves.items():
            mine = merge._read(path / name)
            base, new = result.base[name], result.rendering[moved]
            if mine is None:
                continue  # you deleted it: not brought back
            data = new.data
            if mine.data not in (base.data, new.data):
                data, conflicts = merge.merge_file(base.data, new.data, mine.data)
                if conflicts:
                    total.conflicted.append(moved)
                    stages += _stages(path, name, moved, base, new)
            _write(path / moved, data, new.executable)
            merge.remove(path, [name])
        for name, moved in result.own.items():
            target = path / moved
            target.parent.mkdir(parents=True, exist_ok=True)
            (path / name).rename(target)
            merge.remove(path, [name])
        _clear(path / result.package)
        merge.remove(path, [result.answers_from])
        answers = result.rendering[result.answers_to]
        _write(path / result.answers_to, answers.data, False)
        merge.remove(path, result.removed)
        for name, text in {**result.migrations, **result.rewrites}.items():
            target = path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        if result.followers:
            unmerged += [line for line in stages if not line.startswith("0 ")]
            resources._step_commit(path, f"stackgen rename: {result.old} to {result.new}")
        for model, specs, _ in result.followers:
            interrupts.start()
            current = project
            owned = bool(resources.recorded(path)[model].get("owned"))
            one = resources.plan(
                current, model, specs, owned, retargeted={result.old_table: result.new_table}
            )
            summary = resources.apply(current, one)
            resources._merge(total, summary)
            unmerged += resources._unmerged(path)
            resources._step_commit(path, f"stackgen rename: {model}")
        interrupts.start()
        drawn = diagram.refresh(path)
        with interrupts.deferred():
            if result.followers:
                resources._leave_as_a_plain_update(path, head, unmerged)
            else:
                merge.record_conflicts(path, stages)
            interrupts.reached(done)
    final = summarise(path)
    final.kept, final.conflicted = total.kept, total.conflicted
    final.updated = [n for n in final.updated if n not in final.conflicted]
    final.added = [n for n in final.added if n not in final.conflicted]
    return final, drawn


def _write(target: Path, data: bytes, executable: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if executable:
        target.chmod(0o755)


def _stages(path: Path, name: str, moved: str, base: merge.Entry, new: merge.Entry) -> list[str]:
    """The index lines that mark ``moved`` unmerged as Copier marks a conflict: 1 the old
    name's rendering, 2 yours (the committed file at its old path), 3 the new name's."""
    listed = git("ls-files", "--stage", "--", name, cwd=path)
    perms, sha, _ = listed.split("\t")[0].split()
    return [
        f"0 {'0' * 40}\t{moved}",
        f"{perms} {merge._blob(path, base.data)} 1\t{moved}",
        f"{perms} {sha} 2\t{moved}",
        f"{perms} {merge._blob(path, new.data)} 3\t{moved}",
    ]


def _clear(folder: Path) -> None:
    """The old package's folder, once its files have moved: Python's caches deleted, and
    every folder left empty (a stale ``__pycache__`` would keep it on disk)."""
    if not folder.is_dir():
        return
    for cache in sorted(folder.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache, ignore_errors=True)
    for inner in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        if not any(inner.iterdir()):
            inner.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()
