from habits import __version__


def test_healthz_reports_version_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["database"]["status"] == "ok"
    assert body["database"]["dialect"] in {"sqlite", "postgresql"}
    assert body["scheduler"]["mode"] == "off"
    assert "last_sweep_at" in body["scheduler"]


def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    from app import create_app
    from tests.conftest import test_settings

    # A database path inside a directory that does not exist cannot be opened.
    app = create_app(test_settings(f"sqlite:///{tmp_path}/missing/dir/x.db", tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["status"] == "error"
