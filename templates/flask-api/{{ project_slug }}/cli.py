from datetime import date

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from .extensions import db
from .models import Actor

SAMPLE_ACTORS = [
    ("Meryl Streep", date(1949, 6, 22)),
    ("Denzel Washington", date(1954, 12, 28)),
    ("Tilda Swinton", date(1960, 11, 5)),
    ("Song Kang-ho", date(1967, 1, 17)),
    ("Cate Blanchett", date(1969, 5, 14)),
    ("Mahershala Ali", date(1974, 2, 16)),
    ("Florence Pugh", date(1996, 1, 3)),
]


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load a few sample actors (skipping the ones already there)."""
    names = [name for name, _ in SAMPLE_ACTORS]
    existing = set(db.session.scalars(select(Actor.name).where(Actor.name.in_(names))))
    new = [
        Actor(name=name, birth_date=born) for name, born in SAMPLE_ACTORS if name not in existing
    ]
    db.session.add_all(new)
    db.session.commit()
    click.echo(f"Added {len(new)} sample actors ({len(existing)} were already there).")


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_command)
