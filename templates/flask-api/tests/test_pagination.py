import pytest


def names(response):
    return [actor["name"] for actor in response.get_json()["items"]]


def test_empty_list(client):
    response = client.get("/api/actors")

    assert response.status_code == 200
    assert response.get_json() == {
        "items": [],
        "pagination": {
            "page": 1,
            "per_page": 20,
            "first": "/api/actors?per_page=20",
            "last": "/api/actors?last=true&per_page=20",
            "prev": None,
            "next": None,
        },
    }


def test_pages_by_number(client, add_actors):
    add_actors(5)

    first = client.get("/api/actors?per_page=2")
    second = client.get("/api/actors?per_page=2&page=2")
    third = client.get("/api/actors?per_page=2&page=3")

    assert names(first) == ["Actor 0", "Actor 1"]
    assert names(second) == ["Actor 2", "Actor 3"]
    assert names(third) == ["Actor 4"]
    assert second.get_json()["pagination"]["prev"] == "/api/actors?page=1&per_page=2"
    assert third.get_json()["pagination"]["next"] is None
    assert names(client.get("/api/actors?per_page=2&page=4")) == []


def test_next_links_walk_every_actor_once(client, add_actors):
    ids = add_actors(7)

    seen, url = [], "/api/actors?per_page=3"
    while url:
        body = client.get(url).get_json()
        seen += [actor["id"] for actor in body["items"]]
        url = body["pagination"]["next"]

    assert seen == ids


def test_prev_links_walk_back(client, add_actors):
    ids = add_actors(7)

    body = client.get("/api/actors?per_page=3&last=true").get_json()
    assert [actor["id"] for actor in body["items"]] == ids[-3:]
    assert body["pagination"]["next"] is None

    seen, url = [], body["pagination"]["prev"]
    while url:
        body = client.get(url).get_json()
        assert body["pagination"]["page"] is None
        assert body["pagination"]["next"] is not None
        seen = [actor["id"] for actor in body["items"]] + seen
        url = body["pagination"]["prev"]

    assert seen == ids[:-3]


def test_last_page_of_a_short_list(client, add_actors):
    ids = add_actors(2)

    body = client.get("/api/actors?last=true").get_json()

    assert [actor["id"] for actor in body["items"]] == ids
    assert body["pagination"]["prev"] is None


def test_cursor_past_the_end(client, add_actors):
    add_actors(2)

    body = client.get("/api/actors?after=999999").get_json()

    assert body["items"] == []
    assert body["pagination"]["prev"] is None
    assert body["pagination"]["next"] is None


def test_search_by_name(client, add_actors):
    add_actors(1, name="Meryl Streep")
    add_actors(1, name="Tilda Swinton")
    add_actors(1, name="100% Real_Actor")

    assert names(client.get("/api/actors?q=streep")) == ["Meryl Streep"]
    assert names(client.get("/api/actors?q=%25")) == ["100% Real_Actor"]
    assert names(client.get("/api/actors?q=l_a")) == ["100% Real_Actor"]
    assert len(names(client.get("/api/actors?q=+"))) == 3


def test_search_is_kept_in_links(client, add_actors):
    add_actors(3, name="Swinton {}")
    add_actors(3, name="Other {}")

    body = client.get("/api/actors?q=swinton&per_page=2").get_json()

    last_id = body["items"][-1]["id"]
    assert body["pagination"]["next"] == f"/api/actors?q=swinton&after={last_id}&per_page=2"
    assert names(client.get(body["pagination"]["next"])) == ["Swinton 2"]


@pytest.mark.parametrize(
    "query",
    ["per_page=0", "per_page=101", "page=0", "page=1001", "after=-1", f"before={2**63}"],
)
def test_out_of_range_parameters_are_422(client, query):
    response = client.get(f"/api/actors?{query}")

    assert response.status_code == 422
    assert query.split("=")[0] in response.get_json()["detail"]["query"]


@pytest.mark.parametrize("query", ["", "page=3", "last=true", "after=10", "before=30", "q=actor"])
def test_listing_is_one_query_whatever_the_table_size(client, add_actors, sql_statements, query):
    add_actors(5)
    sql_statements.clear()
    client.get(f"/api/actors?per_page=3&{query}")
    small = len(sql_statements)

    add_actors(60)
    sql_statements.clear()
    client.get(f"/api/actors?per_page=3&{query}")

    assert small == len(sql_statements) == 1
    assert "count(" not in sql_statements[0].lower()
