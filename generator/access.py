"""Who may read and write a resource's rows: a pure decision from its fields.

Every resource is read by signed-in users only. Whose rows they are:

- an **owned** resource's rows belong to the user who created them;
- a resource with a required reference to an owned resource, or to one scoped
  that way, is **scoped** through that reference (``scope``: the field's name):
  an exercise set is its workout's owner's, as Phoenix 1.8's scopes have it;
- any other is **shared**: every signed-in user reads it.

Who writes (``writers``): the owner for owned and scoped rows; staff for shared
ones, unless the resource is opened to every signed-in user (``users``, the
rule every shared resource had before writers were recorded).
"""

from __future__ import annotations

from typing import Any

from generator.fields import FieldError

WRITERS = ("owner", "staff", "users")
# What a shared resource's writes are opened to: the choices of --writers.
SHARED_WRITERS = ("staff", "users")
# A resource recorded before writers were: any token holder wrote it, and keeps doing so.
RECORDED_BEFORE = "users"


def private(info: dict[str, Any]) -> bool:
    """Whether a resource's rows belong to users (owned, or scoped through a reference)."""
    return bool(info.get("owned") or info.get("scope"))


def scope_of(resource: dict[str, Any], others: dict[str, dict[str, Any]]) -> str:
    """The reference the resource's rows belong to a user through, or "" (owned or shared).

    The first required reference to a private resource, in field order. An
    optional one would leave rows that belong to nobody and show another
    user's ids, so a resource whose only ways to a private resource are
    optional is refused, naming the field.
    """
    if resource.get("owned"):
        return ""
    refs = [f for f in resource["fields"] if f["type"] == "references" and f["target"] in others]
    to_private = [f for f in refs if private(others[f["target"]])]
    for item in to_private:
        if not item.get("optional"):
            return str(item["name"])
    if to_private:
        item = to_private[0]
        raise FieldError(
            f'field "{item["name"]}": {item["target"]} rows belong to users, so a reference '
            f"to one must be required (then {resource['model']} rows are theirs too), or make "
            f"{resource['model']} --owned"
        )
    return ""


def check_many(resource: dict[str, Any], others: dict[str, dict[str, Any]]) -> None:
    """A many relation to rows that belong to users is for rows of a user too: it then
    attaches the user's own rows only. From shared rows it would show every reader the ids
    of one user's rows, so it is refused, naming the field."""
    if private(resource):
        return
    for item in resource["fields"]:
        target = others.get(item.get("target", ""))
        if item["type"] == "many" and target is not None and private(target):
            raise FieldError(
                f'field "{item["name"]}": {item["target"]} rows belong to users, so only '
                f"rows of a user relate to them: make {resource['model']} --owned, or give it "
                f"a required reference to one of their resources"
            )


def writers_of(resource: dict[str, Any], requested: str | None, recorded: str | None) -> str:
    """Who writes: the owner of private rows; for shared ones what was asked, else what was
    recorded, else staff.

    ``requested`` is ``--writers``; asking it of a private resource is refused.
    """
    if private(resource):
        if requested is not None:
            raise FieldError(
                f"{resource['model']} rows belong to users: their owners write them "
                "(--writers is for shared resources)"
            )
        return "owner"
    if requested is not None:
        if requested not in SHARED_WRITERS:
            raise FieldError(f'--writers "{requested[:20]}": use staff or users')
        return requested
    return recorded if recorded in SHARED_WRITERS else "staff"


def decide(
    resource: dict[str, Any],
    others: dict[str, dict[str, Any]],
    requested: str | None = None,
    recorded: str | None = None,
) -> None:
    """Fill in the resource's ``scope`` and ``writers``."""
    resource["scope"] = scope_of(resource, others)
    check_many(resource, others)
    resource["writers"] = writers_of(resource, requested, recorded)


def complete_recorded(found: dict[str, dict[str, Any]]) -> list[str]:
    """Fill in ``scope`` and ``writers`` of resources recorded before stackgen recorded them,
    as they were then: scoped as the rule says, and written by the owner or (shared) by every
    signed-in user. Returns the models completed, whose answers files an update rewrites.

    Lenient where ``scope_of`` refuses: a recorded resource whose only way to a
    private one is optional stays shared (its writes are still checked).
    """
    completed: list[str] = []

    def complete(model: str, seen: tuple[str, ...] = ()) -> None:
        info = found[model]
        if "scope" in info and "writers" in info:
            return
        for item in info.get("fields") or []:
            target = item.get("target")
            if item.get("type") == "references" and target in found and target not in seen:
                complete(target, (*seen, model))
        if "scope" not in info:
            refs = [
                f
                for f in info.get("fields") or []
                if f.get("type") == "references"
                and f.get("target") in found
                and not f.get("optional")
                and private(found[f["target"]])
            ]
            info["scope"] = "" if info.get("owned") or not refs else str(refs[0]["name"])
        if "writers" not in info:
            info["writers"] = "owner" if private(info) else RECORDED_BEFORE
        completed.append(model)

    for model in list(found):
        complete(model)
    return completed


def check(resource: dict[str, Any]) -> str | None:
    """Why a recorded resource's scope and writers could not have been made, or None
    (neither recorded: it was made before they were, ``complete_recorded`` fills them)."""
    if "scope" not in resource and "writers" not in resource:
        return None
    scope, writers = resource.get("scope"), resource.get("writers")
    if writers not in WRITERS or not isinstance(scope, str):
        return "who writes it"
    if scope:
        named = [f for f in resource.get("fields") or [] if f.get("name") == scope]
        if resource.get("owned") or not named or named[0].get("type") != "references":
            return "the reference its rows belong to users through"
        if named[0].get("optional"):
            return "the reference its rows belong to users through"
    if (writers == "owner") != bool(resource.get("owned") or scope):
        return "who writes it"
    return None
