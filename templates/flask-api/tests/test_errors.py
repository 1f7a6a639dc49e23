import io
import json
import re

import pytest


def assert_json_error(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["message"]


def test_malformed_json_is_400(client):
    response = client.post("/api/actors", data="{'name': ", content_type="application/json")

    assert_json_error(response, 400)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("name=Cher", "application/x-www-form-urlencoded"), ("Cher", "text/plain"), ("", None)],
)
def test_body_that_is_not_json_is_415(client, data, content_type):
    response = client.post("/api/actors", data=data, content_type=content_type)

    assert_json_error(response, 415)


def test_body_too_large_is_413(client):
    response = client.post("/api/actors", json={"name": "x" * 100_000})

    assert_json_error(response, 413)


def test_chunked_body_too_large_is_413(client):
    # No Content-Length: the server (gunicorn here) marks the end of the body.
    body = json.dumps({"name": "x" * 100_000}).encode()
    response = client.post(
        "/api/actors",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert_json_error(response, 413)


def test_chunked_body_within_the_limit_is_fine(client):
    body = json.dumps({"name": "Cher"}).encode()
    response = client.post(
        "/api/actors",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code == 201


@pytest.mark.parametrize("url", ["/api/actors", "/api/actors/add"])
def test_deeply_nested_json_is_400(client, url):
    depth = 30_000
    body = b'{"name": ' + b"[" * depth + b"]" * depth + b"}"

    response = client.post(url, data=body, content_type="application/json")

    assert_json_error(response, 400)


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\ud83d x"])
def test_lone_surrogate_is_422(client, escape):
    # Valid JSON, but no database can store the string it decodes to.
    body = '{"name": "Cher ' + escape + '"}'

    response = client.post("/api/actors", data=body, content_type="application/json")

    assert_json_error(response, 422)
    assert "name" in response.get_json()["detail"]["json"]


def test_surrogate_pair_is_a_character_like_any_other(client):
    body = '{"name": "Cher \\ud83c\\udfa4"}'  # a microphone, escaped as JSON allows

    response = client.post("/api/actors", data=body, content_type="application/json")

    assert response.status_code == 201
    assert response.get_json()["name"] == "Cher \N{MICROPHONE}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": " " + "x" * 120}, "name"),
        ({"name": "Cher\x00"}, "name"),
        ({"name": "Cher\n"}, "name"),
        ({"name": 42}, "name"),
        ({"name": "Cher", "birth_date": "yesterday"}, "birth_date"),
        ({"name": "Cher", "birth_date": "1946-02-30"}, "birth_date"),
        ({"name": "Cher", "birth_date": 0}, "birth_date"),
        ({"name": "Cher", "nickname": "The Goddess of Pop"}, "nickname"),
    ],
)
def test_invalid_field_is_422_naming_it(client, body, field):
    response = client.post("/api/actors", json=body)

    assert_json_error(response, 422)
    assert field in response.get_json()["detail"]["json"]


def test_a_name_of_120_characters_is_fine(client):
    assert client.post("/api/actors", json={"name": "x" * 120}).status_code == 201


@pytest.mark.parametrize("body", [{"name": " "}, {"name": None}, {"birth_date": 1960}])
def test_patch_validates_too(client, add_actors, body):
    [actor_id] = add_actors(1)

    response = client.patch(f"/api/actors/{actor_id}", json=body)

    assert_json_error(response, 422)
    assert set(body) <= set(response.get_json()["detail"]["json"])


def test_search_term_with_control_characters_is_422(client):
    response = client.get("/api/actors?q=%00")

    assert_json_error(response, 422)
    assert "q" in response.get_json()["detail"]["query"]


def test_json_that_is_not_an_object_is_422(client):
    assert_json_error(client.post("/api/actors", json=["Cher"]), 422)


@pytest.mark.parametrize("body", ["null", "[]", "1"])
def test_a_patch_that_is_not_an_object_is_422_not_an_empty_change(client, add_actors, body):
    [actor_id] = add_actors(1)

    response = client.patch(f"/api/actors/{actor_id}", data=body, content_type="application/json")

    assert_json_error(response, 422)
    assert "_schema" in response.get_json()["detail"]["json"]


def test_an_unknown_query_parameter_is_400_naming_the_accepted_ones(client):
    response = client.get("/api/actors?colour=red&nmae=Cher")

    assert_json_error(response, 400)
    accepted = "accepted: after, before, last, page, per_page, q."
    assert response.get_json() == {
        "message": f"Unknown query parameters colour, nmae; {accepted}",
        "detail": {
            "query": {
                "colour": [f"Unknown query parameter; {accepted}"],
                "nmae": [f"Unknown query parameter; {accepted}"],
            }
        },
    }


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/api/actors")

    assert_json_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_unknown_api_path_is_json_404(client):
    assert_json_error(client.get("/api/nothing-here"), 404)


def test_unexpected_error_is_json_500_without_traceback(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/api/boom")

    assert_json_error(response, 500)
    assert b"secret detail" not in response.data
    assert b"Traceback" not in response.data


def test_openapi_document(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/actors", "/api/actors/add", "/api/actors/{actor_id}"} <= set(spec["paths"])
    create = spec["paths"]["/api/actors"]["post"]
    assert create["requestBody"]["required"] is True
    assert {"201", "400", "413", "415", "422"} <= set(create["responses"])
    listed = spec["paths"]["/api/actors"]["get"]
    assert {"200", "400", "422", "503"} <= set(listed["responses"])
    assert spec["info"]["title"].endswith(" API")


def test_docs_page_uses_only_its_own_assets(client):
    page = client.get("/api/docs")

    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 4  # stylesheet, icon, two scripts
    for url in assets:
        assert url.startswith("/api/docs/assets/"), url
        with client.get(url) as asset:  # a file response: close it
            assert asset.status_code == 200, url
    assert "https://" not in html.split("<script>")[0]


def test_root_leads_to_the_docs(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.location == "/api/docs"
