"""/api/actors: list, create, read, replace, update and delete actors.

Reading is public; writing takes a bearer token and is rate-limited (extensions.py).
"""

from typing import Any

from apiflask import APIBlueprint, abort
from sqlalchemy import select

from ..auth import auth
from ..extensions import db
from ..models import Actor
from .pagination import paginate
from .schemas import MAX_ID, ActorIn, ActorOut, ActorPage, ActorPatch, ActorQuery
from .writes import saved

bp = APIBlueprint("actors", __name__, url_prefix="/api/actors", tag="Actors")

ACTOR_URL = "/<int:actor_id>"


def get_actor_or_404(actor_id: int) -> Actor:
    # Ids beyond what the column holds cannot exist; asking the database
    # would overflow its integer type instead.
    actor = db.session.get(Actor, actor_id) if actor_id <= MAX_ID else None
    if actor is None:
        abort(404, message=f"Actor {actor_id} not found.")
    return actor


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Output schemas are registered in the OpenAPI document in route order:
# ActorOut goes first, then the page that nests it.
@bp.post("")
@bp.post("/add")
@bp.auth_required(auth)
@bp.input(ActorIn, arg_name="data")
@bp.output(ActorOut, status_code=201)
def create_actor(data: ActorIn) -> dict[str, Any]:
    """Create an actor."""
    actor = Actor(**data.model_dump())
    db.session.add(actor)
    return saved(actor, ActorOut)


@bp.get("")
@bp.input(ActorQuery, location="query", arg_name="query")
@bp.output(ActorPage)
def list_actors(query: ActorQuery) -> dict[str, Any]:
    """List actors, oldest first.

    `next`/`prev`/`last` links in `pagination` are cursors: follow them to
    page through any number of actors at constant cost.
    """
    statement = select(Actor)
    search: dict[str, str] = {}
    if term := query.q.strip():
        statement = statement.where(Actor.name.ilike(f"%{escape_like(term)}%", escape="\\"))
        search["q"] = term
    page = paginate(statement, Actor.id, **query.model_dump(exclude={"q"}), **search)
    return {"items": page.items, "pagination": page.pagination}


@bp.get(ACTOR_URL)
@bp.output(ActorOut)
def get_actor(actor_id: int) -> Actor:
    """Get an actor."""
    return get_actor_or_404(actor_id)


@bp.put(ACTOR_URL)
@bp.auth_required(auth)
@bp.input(ActorIn, arg_name="data")
@bp.output(ActorOut)
def replace_actor(actor_id: int, data: ActorIn) -> dict[str, Any]:
    """Replace an actor: fields left out are cleared."""
    return update(get_actor_or_404(actor_id), data.model_dump())


@bp.patch(ACTOR_URL)
@bp.auth_required(auth)
@bp.input(ActorPatch, arg_name="data")
@bp.output(ActorOut)
def update_actor(actor_id: int, data: ActorPatch) -> dict[str, Any]:
    """Update the given fields of an actor."""
    return update(get_actor_or_404(actor_id), data.model_dump(exclude_unset=True))


@bp.delete(ACTOR_URL)
@bp.auth_required(auth)
@bp.output({}, status_code=204)
def delete_actor(actor_id: int) -> tuple[str, int]:
    """Delete an actor."""
    db.session.delete(get_actor_or_404(actor_id))
    db.session.commit()
    return "", 204


def update(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    for field, value in data.items():
        setattr(actor, field, value)
    return saved(actor, ActorOut)
