import pytest


@pytest.fixture
def settings(settings):
    return {**settings, "API_WRITE_RATE_LIMIT": "3/minute"}


def test_writes_beyond_the_limit_are_429_with_retry_after(client, add_actors):
    [actor_id] = add_actors(1)
    writes = [
        lambda: client.post("/api/actors", json={"name": "One"}),
        lambda: client.patch(f"/api/actors/{actor_id}", json={"name": "Two"}),
        lambda: client.post("/api/actors/add", json={"name": "Three"}),
    ]
    answers = [write() for write in writes]
    assert [answer.status_code for answer in answers] == [201, 200, 201]
    # A write that went through says how much budget is left, never to retry.
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == ["2", "1", "0"]
    assert not any("Retry-After" in answer.headers for answer in answers)

    response = client.delete(f"/api/actors/{actor_id}")

    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert response.get_json()["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert client.get(f"/api/actors/{actor_id}").status_code == 200  # not deleted


def test_reads_are_not_limited(client, add_actors):
    add_actors(1)

    assert {client.get("/api/actors").status_code for _ in range(10)} == {200}
    assert client.get("/healthz").status_code == 200


def test_rate_limit_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()

    create = spec["paths"]["/api/actors"]["post"]
    assert "Retry-After" in create["responses"]["429"]["headers"]
    assert "429" not in spec["paths"]["/api/actors"]["get"]["responses"]


def test_behind_a_proxy_each_client_has_its_own_budget(create, token):
    client = create(API_WRITE_RATE_LIMIT="1/minute", TRUSTED_PROXIES=1).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def create_from(forwarded_for: str) -> int:
        headers = {"X-Forwarded-For": forwarded_for}
        return client.post("/api/actors", json={"name": "Cher"}, headers=headers).status_code

    # The proxy appends the address it saw; what the client put before it is not believed.
    assert create_from("198.51.100.7") == 201
    assert create_from("198.51.100.7") == 429
    assert create_from("198.51.100.7, 203.0.113.9") == 201
    assert create_from("198.51.100.8, 203.0.113.9") == 429
