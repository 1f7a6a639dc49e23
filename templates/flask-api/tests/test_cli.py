def test_seed_adds_sample_actors_once(app, client):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed"])
    count = len(client.get("/api/actors").get_json()["items"])
    second = runner.invoke(args=["seed"])

    assert first.exit_code == 0
    assert count > 0
    assert f"Added {count} sample actors" in first.output
    assert "Added 0 sample actors" in second.output
    assert len(client.get("/api/actors").get_json()["items"]) == count


def test_tokens_create_prints_the_token_alone(app, anonymous):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "deploy"])

    assert result.exit_code == 0
    token = result.stdout.strip()
    assert result.stdout == f"{token}\n"
    assert len(token) >= 40
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous.post("/api/actors", json={"name": "Cher"}, headers=headers).status_code == 201


def test_tokens_create_refuses_a_name_in_use(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["tokens", "create", "deploy"])

    result = runner.invoke(args=["tokens", "create", "deploy"])

    assert result.exit_code == 1
    assert "already exists" in result.output


def test_tokens_list_shows_names_and_states_never_tokens(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tokens", "create", "first"]).output.strip()
    second = runner.invoke(args=["tokens", "create", "second"]).output.strip()
    runner.invoke(args=["tokens", "revoke", "first"])

    listing = runner.invoke(args=["tokens", "list"])

    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["first", "second"]
    assert "revoked" in lines[0]
    assert "active" in lines[1]
    assert all("created 20" in line for line in lines)
    assert first not in listing.output
    assert second not in listing.output


def test_tokens_revoke_unknown_name_fails(app):
    result = app.test_cli_runner().invoke(args=["tokens", "revoke", "nobody"])

    assert result.exit_code == 1
    assert "No token called 'nobody'" in result.output


def test_revoking_twice_keeps_the_first_time(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["tokens", "create", "once"])
    runner.invoke(args=["tokens", "revoke", "once"])
    before = runner.invoke(args=["tokens", "list"]).output

    again = runner.invoke(args=["tokens", "revoke", "once"])

    assert again.exit_code == 0
    assert runner.invoke(args=["tokens", "list"]).output == before


def test_users_create_then_a_token_for_that_user(app):
    runner = app.test_cli_runner()

    assert runner.invoke(args=["users", "create", "ada"]).exit_code == 0
    result = runner.invoke(args=["tokens", "create", "laptop", "--user", "ada"])

    assert result.exit_code == 0
    assert len(result.output.strip()) > 30
    assert "already exists" in runner.invoke(args=["users", "create", "ada"]).output


def test_a_token_for_an_unknown_user_is_refused(app):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "x", "--user", "nobody"])

    assert result.exit_code != 0
    assert "No user called 'nobody'" in result.output
