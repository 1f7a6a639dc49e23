from datetime import datetime

import pytest


@pytest.mark.parametrize("url", ["/api/actors", "/api/actors/add"])
def test_create_actor(client, url):
    response = client.post(url, json={"name": "  Tilda Swinton ", "birth_date": "1960-11-05"})

    assert response.status_code == 201
    actor = response.get_json()
    assert actor["name"] == "Tilda Swinton"
    assert actor["birth_date"] == "1960-11-05"
    assert actor["updated_at"] >= actor["created_at"]
    assert datetime.fromisoformat(actor["created_at"]).tzinfo is not None
    assert client.get(f"/api/actors/{actor['id']}").get_json() == actor


def test_birth_date_is_optional(client):
    response = client.post("/api/actors", json={"name": "Cher"})

    assert response.status_code == 201
    assert response.get_json()["birth_date"] is None


def test_get_actor(client, add_actors):
    [actor_id] = add_actors(1, name="Song Kang-ho")

    response = client.get(f"/api/actors/{actor_id}")

    assert response.status_code == 200
    assert response.get_json()["name"] == "Song Kang-ho"


def test_put_replaces_every_field(client):
    created = client.post("/api/actors", json={"name": "Cate", "birth_date": "1969-05-14"})
    actor_id = created.get_json()["id"]

    response = client.put(f"/api/actors/{actor_id}", json={"name": "Cate Blanchett"})

    assert response.status_code == 200
    assert response.get_json()["name"] == "Cate Blanchett"
    assert response.get_json()["birth_date"] is None


def test_patch_changes_only_the_given_fields(client):
    created = client.post("/api/actors", json={"name": "Florence", "birth_date": "1996-01-03"})
    actor = created.get_json()

    response = client.patch(f"/api/actors/{actor['id']}", json={"name": "Florence Pugh"})

    assert response.status_code == 200
    updated = response.get_json()
    assert updated["name"] == "Florence Pugh"
    assert updated["birth_date"] == "1996-01-03"
    assert updated["created_at"] == actor["created_at"]
    assert updated["updated_at"] >= actor["updated_at"]


def test_delete_actor(client, add_actors):
    [actor_id] = add_actors(1)

    response = client.delete(f"/api/actors/{actor_id}")

    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"/api/actors/{actor_id}").status_code == 404
    assert client.delete(f"/api/actors/{actor_id}").status_code == 404


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("actor_id", ["12345", "abc", "-1", "1.5", str(2**63), str(10**30)])
def test_unknown_actor_is_404(client, add_actors, method, actor_id):
    add_actors(1)

    response = getattr(client, method)(f"/api/actors/{actor_id}", json={"name": "X"})

    assert response.status_code == 404
    assert response.is_json
    assert "message" in response.get_json()


def test_largest_id_is_404_not_an_overflow(client):
    response = client.get(f"/api/actors/{2**63 - 1}")

    assert response.status_code == 404


def test_read_and_write_take_a_constant_number_of_queries(client, add_actors, sql_statements):
    [actor_id] = add_actors(1)
    sql_statements.clear()

    client.get(f"/api/actors/{actor_id}")
    assert len(sql_statements) == 1

    # Writes look the token up first. Its last use is written at most once a
    # minute: the first write records it, the next ones do not.
    client.patch(f"/api/actors/{actor_id}", json={"name": "First"})
    sql_statements.clear()
    client.patch(f"/api/actors/{actor_id}", json={"name": "Renamed"})
    assert len(sql_statements) == 4  # token, read, update, read back the timestamps

    sql_statements.clear()
    client.post("/api/actors", json={"name": "New"})
    assert len(sql_statements) == 3  # token, insert, read back
