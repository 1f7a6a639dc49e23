"""The API contract both starters' resources keep, driven over real HTTP with bearer tokens.

One scenario, written once, on the issue's fitness model: a user's own workouts, a
catalogue of exercises that staff keep, and exercise sets that belong to whoever owns
their workout. Each starter is served by gunicorn on a real database, as a client of
the API would meet it (Django's test client skips CSRF; gunicorn does not).
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from datetime import UTC, datetime

import pytest

from harness import services
from harness.runtime import free_port
from tests.helpers import (
    FITNESS,
    PASSWORD,
    LoginSession,
    Reply,
    call,
    header,
    is_error,
    served_with_resources,
)

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


def names(reply: Reply, where: str, name: str) -> bool:
    """The contract's error body: a sentence for a person, and ``name`` among the fields
    of ``where`` (``json``, the body; ``query``, the query string) it is about."""
    body = reply.body if reply.json else None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return False
    return name in (body.get("detail") or {}).get(where, {})


def ids(reply: Reply) -> list[int]:
    assert reply.status == 200, reply
    return [row["id"] for row in reply.body["items"]]


def same_but_the_id(one: dict, other: dict, one_id: int, other_id: int) -> bool:
    """Two error bodies that say the same thing of two ids: no oracle of which exists."""
    return json.dumps(one).replace(str(one_id), "N") == json.dumps(other).replace(
        str(other_id), "N"
    )


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "database"), CASES, ids=lambda value: value)
def test_resources_keep_the_api_contract_over_http(tmp_path, framework, database):
    with ExitStack() as stack:
        # PostgreSQL is a private cluster, so that the scenario can stop it (a 503) and
        # start it again; the other databases are fresh ones on the shared servers.
        cluster = None
        if database == "postgresql":
            cluster = stack.enter_context(services.private_postgresql(free_port()))
        site = stack.enter_context(
            served_with_resources(
                tmp_path, framework, database, FITNESS, USERS, cluster.url if cluster else None
            )
        )
        ann, bob, staff = (site.tokens[name] for name in USERS)
        workouts, exercises, sets = (
            site.api(name) for name in ("workouts", "exercises", "exercise-sets")
        )

        # Every resource is read by signed-in users only.
        for url in (workouts, exercises, sets):
            anonymous = call(url)
            assert is_error(anonymous, 401), (url, anonymous)
            assert header(anonymous, "WWW-Authenticate").startswith("Bearer"), anonymous

        # The catalogue: everyone signed in reads it, staff write it.
        exercise = {"title": "Squat", "category": "strength"}
        refused = call(exercises, "POST", exercise, token=bob)
        assert is_error(refused, 403), refused
        created = call(exercises, "POST", exercise, token=staff)
        assert created.status == 201, created
        squat = created.body["id"]
        assert is_error(call(f"{exercises}/{squat}", "PATCH", {"title": "Mine"}, token=bob), 403)
        assert ids(call(exercises, token=bob)) == [squat]

        # A duplicate of a unique value is a 409 naming the field, on create and on change.
        duplicate = call(exercises, "POST", exercise, token=staff)
        assert duplicate.status == 409 and names(duplicate, "json", "title"), duplicate
        press = {"title": "Bench press", "category": "strength"}
        bench = call(exercises, "POST", press, token=staff).body["id"]
        clash = call(f"{exercises}/{bench}", "PATCH", {"title": "Squat"}, token=staff)
        assert clash.status == 409 and names(clash, "json", "title"), clash
        clash = call(f"{exercises}/{bench}", "PUT", exercise, token=staff)
        assert clash.status == 409 and names(clash, "json", "title"), clash

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
        hidden = call(f"{workouts}/{mine.body['id']}", token=bob)
        assert is_error(hidden, 404), hidden

        # A workout's tags are its owner's own: a set, read in id order, filtered by; another
        # user's tag is answered as one that does not exist, word for word.
        tags = site.api("tags")
        legs, core = (call(tags, "POST", {"name": n}, token=ann).body["id"] for n in ("L", "C"))
        tagging = {"tag_ids": [core, legs, core]}
        tagged = call(f"{workouts}/{mine.body['id']}", "PATCH", tagging, token=ann)
        assert tagged.status == 200 and tagged.body["tag_ids"] == sorted([legs, core]), tagged
        assert ids(call(f"{workouts}?tag_id={core}", token=ann)) == [mine.body["id"]]
        assert ids(call(f"{workouts}?tag_id={core}", token=bob)) == []
        nowhere = 2**31 - 7
        theirs_url = f"{workouts}/{theirs['id']}"
        foreign = call(theirs_url, "PATCH", {"tag_ids": [legs]}, token=bob)
        absent = call(theirs_url, "PATCH", {"tag_ids": [nowhere]}, token=bob)
        assert foreign.status == absent.status == 422, (foreign, absent)
        assert names(foreign, "json", "tag_ids"), foreign
        assert same_but_the_id(foreign.body, absent.body, legs, nowhere)
        assert call(theirs_url, token=bob).body["tag_ids"] == []

        # An empty optional value is null, whatever its type, and "" reads back as null.
        assert theirs["performed_at"] is None and theirs["notes"] is None, theirs
        blank = call(f"{workouts}/{theirs['id']}", "PATCH", {"notes": ""}, token=bob)
        assert blank.status == 200 and blank.body["notes"] is None, blank
        noted = call(f"{workouts}/{theirs['id']}", "PATCH", {"notes": "Easy"}, token=bob)
        assert noted.status == 200 and noted.body["notes"] == "Easy", noted
        # A body that is not an object is refused, never taken as "no change".
        nothing = call(f"{workouts}/{theirs['id']}", "PATCH", raw=b"null", token=bob)
        assert nothing.status == 422 and nothing.json, nothing

        # Exercise sets belong to whoever owns their workout.
        a_set = {"workout_id": mine.body["id"], "exercise_id": squat, "reps": 5}
        made = call(sets, "POST", a_set, token=ann)
        assert made.status == 201, made
        assert made.body["weight_kg"] is None, made
        own_set = call(sets, "POST", {**a_set, "workout_id": theirs["id"]}, token=bob).body
        item = f"{sets}/{made.body['id']}"
        assert ids(call(sets, token=bob)) == [own_set["id"]]
        assert ids(call(f"{sets}?workout_id={mine.body['id']}", token=bob)) == []
        for method, body in [("GET", None), ("PUT", a_set), ("PATCH", {"reps": 6})]:
            assert is_error(call(item, method, body, token=bob), 404), method
        assert is_error(call(item, "DELETE", token=bob), 404)
        assert call(item, token=ann).body["reps"] == 5

        # An exercise that sets refer to (protect) cannot be deleted: a 409.
        kept = call(f"{exercises}/{squat}", "DELETE", token=staff)
        assert is_error(kept, 409), kept
        assert call(f"{exercises}/{squat}", token=staff).status == 200

        # Another user's workout is answered as one that does not exist, word for word.
        missing = 2**31 - 7
        foreign = call(sets, "POST", a_set, token=bob)
        absent = call(sets, "POST", {**a_set, "workout_id": missing}, token=bob)
        assert foreign.status == absent.status == 422, (foreign, absent)
        assert names(foreign, "json", "workout_id"), foreign
        assert same_but_the_id(foreign.body, absent.body, mine.body["id"], missing)
        onto_anns = {"workout_id": mine.body["id"]}
        moved = call(f"{sets}/{own_set['id']}", "PATCH", onto_anns, token=bob)
        assert moved.status == 422 and moved.body == foreign.body, moved

        # Strict input, the same rule on both: refused with a JSON 422 naming the field.
        for wrong, field in [
            ({**WORKOUT, "name": "a\u0000b"}, "name"),
            ({**WORKOUT, "name": "   "}, "name"),
            ({**WORKOUT, "duration_minutes": True}, "duration_minutes"),
            ({**WORKOUT, "duration_minutes": "5"}, "duration_minutes"),
            ({**WORKOUT, "duration_minutes": 0}, "duration_minutes"),
            ({**WORKOUT, "name": None}, "name"),
            ({**WORKOUT, "surprise": 1}, "surprise"),
        ]:
            answer = call(workouts, "POST", wrong, token=ann)
            assert answer.status == 422 and names(answer, "json", field), (wrong, answer)
        unknown = call(site.api("no-such-thing"), token=ann)
        assert is_error(unknown, 404), unknown

        # Lists: oldest first, and the same filters by the same names on both starters.
        later = {**WORKOUT, "duration_minutes": 25, "performed_on": "2026-12-03"}
        second = call(workouts, "POST", later, token=ann).body["id"]
        first = mine.body["id"]
        assert ids(call(workouts, token=ann)) == [first, second]
        for query, expected in [
            ("duration_minutes_min=30", [first]),
            ("duration_minutes_max=30", [second]),
            ("duration_minutes_min=25&duration_minutes_max=40", [first, second]),
            ("performed_on=2026-12-03", [second]),
            ("performed_on_min=2026-12-02&performed_on_max=2026-12-31", [second]),
            ("performed_at_min=2026-12-01T17:00:00Z", [first]),
            ("performed_at_max=2026-12-01T17:00:00Z", []),
        ]:
            assert ids(call(f"{workouts}?{query}", token=ann)) == expected, query
        for query, expected in [
            ("category=strength", [squat, bench]),
            ("category=cardio", []),
            ("title=Squat", [squat]),
        ]:
            assert ids(call(f"{exercises}?{query}", token=bob)) == expected, query
        for query, expected in [
            (f"exercise_id={squat}", [made.body["id"]]),
            (f"exercise_id={bench}", []),
            ("reps_min=5&reps_max=5", [made.body["id"]]),
            ("reps_min=6", []),
        ]:
            assert ids(call(f"{sets}?{query}", token=ann)) == expected, query
        # A bad value of a known parameter is a 422 naming it; an unknown one a 400
        # naming the parameters the list accepts.
        for query, name in [
            ("category=yoga", "category"),
            ("title=%00x", "title"),
            ("performed_on=yesterday", "performed_on"),
        ]:
            url = workouts if name == "performed_on" else exercises
            answer = call(f"{url}?{query}", token=ann)
            assert answer.status == 422 and names(answer, "query", name), (query, answer)
        colour = call(f"{exercises}?colour=red", token=ann)
        assert colour.status == 400 and names(colour, "query", "colour"), colour
        assert all(name in colour.body["message"] for name in ("category", "title")), colour

        # Nothing refused was stored.
        assert ids(call(workouts, token=ann)) == [first, second]

        # Django's login session reads and writes the same API; its writes need the CSRF
        # token, as the pages' forms do (Django's test client would skip that check).
        if framework == "django":
            browser = LoginSession(site.url, "ann", PASSWORD)
            assert ids(browser.call(workouts)) == [first, second]
            forged = browser.call(workouts, "POST", WORKOUT)
            assert is_error(forged, 403), forged
            written = browser.call(workouts, "POST", WORKOUT, csrf=True)
            assert written.status == 201, written
            assert written.body["id"] in ids(call(workouts, token=ann))

        # The database gone: a JSON 503 with Retry-After, and back without a restart.
        if cluster is not None:
            cluster.stop()
            for method, body in [("GET", None), ("POST", WORKOUT)]:
                down = call(workouts, method, body, token=ann)
                assert is_error(down, 503), (method, down)
                assert header(down, "Retry-After").isdigit(), down
            cluster.start()
            answers = []
            for _ in range(20):  # each instance's pooled connections died with the server
                answers.append(call(workouts, token=ann).status)
                if answers[-1] == 200:
                    break
                time.sleep(0.5)
            assert answers[-1] == 200 and set(answers) <= {200, 503}, answers
