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
