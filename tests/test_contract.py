"""The API contract both starters' resources keep, driven over real HTTP with bearer tokens.

One scenario, written once, on the issue's fitness model: a user's own workouts, a
catalogue of exercises that staff keep, and exercise sets that belong to whoever owns
their workout. Each starter is served by gunicorn on a real database, as a client of
the API would meet it (Django's test client skips CSRF; gunicorn does not).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.helpers import call, served_with_resources

FITNESS = [
    "Workout name:string:120 duration_minutes:integer:min=1 performed_on:date "
    "performed_at:datetime:optional notes:text:optional --owned",
    "Exercise title:string:unique category:choice:strength/cardio/mobility",
    "ExerciseSet workout:references exercise:references:protect reps:integer:min=1 "
    "weight_kg:decimal:6.2:optional",
]
USERS = ["ann", "bob", "staff"]
# Each starter on each database, once.
CASES = [
    ("flask", "sqlite"),
    ("flask", "postgresql"),
    ("flask", "mysql"),
    ("django", "sqlite"),
    ("django", "postgresql"),
    ("django", "mysql"),
]
WORKOUT = {"name": "Intervals", "duration_minutes": 40, "performed_on": "2026-12-01"}


def same_but_the_id(one: dict, other: dict, one_id: int, other_id: int) -> bool:
    """Two error bodies that say the same thing of two ids: no oracle of which exists."""
    return json.dumps(one).replace(str(one_id), "N") == json.dumps(other).replace(
        str(other_id), "N"
    )


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "database"), CASES, ids=lambda value: value)
def test_resources_keep_the_api_contract_over_http(tmp_path, framework, database):
    with served_with_resources(tmp_path, framework, database, FITNESS, USERS) as site:
        ann, bob, staff = (site.tokens[name] for name in USERS)
        workouts, exercises, sets = (
            site.api(name) for name in ("workouts", "exercises", "exercise-sets")
        )

        # Every resource is read by signed-in users only.
        for url in (workouts, exercises, sets):
            assert call(url).status == 401, url

        # The catalogue: everyone signed in reads it, staff write it.
        exercise = {"title": "Squat", "category": "strength"}
        refused = call(exercises, "POST", exercise, token=bob)
        assert refused.status == 403 and refused.json, refused
        created = call(exercises, "POST", exercise, token=staff)
        assert created.status == 201, created
        squat = created.body["id"]
        assert call(f"{exercises}/{squat}", "PATCH", {"title": "Mine"}, token=bob).status == 403
        assert [row["id"] for row in call(exercises, token=bob).body["items"]] == [squat]

        # A workout is its owner's; instants are stored in UTC on every database.
        sent = {**WORKOUT, "performed_at": "2026-12-01T18:30:00+01:00"}
        mine = call(workouts, "POST", sent, token=ann)
        assert mine.status == 201, mine
        stored = datetime.fromisoformat(mine.body["performed_at"])
        assert stored == datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
        assert stored.utcoffset().total_seconds() == 0
        again = call(f"{workouts}/{mine.body['id']}", token=ann).body["performed_at"]
        assert datetime.fromisoformat(again) == stored
        theirs = call(workouts, "POST", WORKOUT, token=bob).body
        assert call(f"{workouts}/{mine.body['id']}", token=bob).status == 404

        # Exercise sets belong to whoever owns their workout.
        a_set = {"workout_id": mine.body["id"], "exercise_id": squat, "reps": 5}
        made = call(sets, "POST", a_set, token=ann)
        assert made.status == 201, made
        own_set = call(sets, "POST", {**a_set, "workout_id": theirs["id"]}, token=bob).body
        item = f"{sets}/{made.body['id']}"
        assert [row["id"] for row in call(sets, token=bob).body["items"]] == [own_set["id"]]
        filtered = call(f"{sets}?workout_id={mine.body['id']}", token=bob)
        assert filtered.status == 200 and filtered.body["items"] == []
        for method, body in [("GET", None), ("PUT", a_set), ("PATCH", {"reps": 6})]:
            assert call(item, method, body, token=bob).status == 404, method
        assert call(item, "DELETE", token=bob).status == 404
        assert call(item, token=ann).body["reps"] == 5

        # Another user's workout is answered as one that does not exist, word for word.
        missing = 2**31 - 7
        foreign = call(sets, "POST", a_set, token=bob)
        absent = call(sets, "POST", {**a_set, "workout_id": missing}, token=bob)
        assert foreign.status == absent.status == 422, (foreign, absent)
        assert "workout_id" in json.dumps(foreign.body)
        assert same_but_the_id(foreign.body, absent.body, mine.body["id"], missing)
        onto_anns = {"workout_id": mine.body["id"]}
        moved = call(f"{sets}/{own_set['id']}", "PATCH", onto_anns, token=bob)
        assert moved.status == 422 and moved.body == foreign.body, moved

        # Strict input, the same rule on both: refused with a JSON 4xx naming the field.
        for wrong, field in [
            ({**WORKOUT, "name": "a\u0000b"}, "name"),
            ({**WORKOUT, "name": "   "}, "name"),
            ({**WORKOUT, "duration_minutes": True}, "duration_minutes"),
            ({**WORKOUT, "duration_minutes": 0}, "duration_minutes"),
            ({**WORKOUT, "surprise": 1}, "surprise"),
        ]:
            answer = call(workouts, "POST", wrong, token=ann)
            assert answer.status == 422 and answer.json, (wrong, answer)
            assert field in json.dumps(answer.body), (wrong, answer)
        nul = call(f"{exercises}?title=%00x", token=ann)
        assert nul.status < 500 and nul.json, nul
        unknown = call(site.api("no-such-thing"), token=ann)
        assert unknown.status == 404 and unknown.json, unknown

        # Nothing refused was stored.
        listed = call(workouts, token=ann).body["items"]
        assert [row["id"] for row in listed] == [mine.body["id"]]
