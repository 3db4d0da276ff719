"""No HTML error page reaches an API client; browsers get a friendly page."""


def test_unknown_api_route_is_a_problem_document(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] == "Not Found" and body["type"] == "about:blank"


def test_wrong_method_is_405_problem_with_allow(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_json_client_gets_json_for_unknown_page(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_browser_gets_friendly_html_for_unknown_page(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Back to the start" in response.data


def test_unexpected_error_is_a_500_problem_without_internals(database_url, tmp_path):
    from app import create_app
    from tests.conftest import test_settings

    fresh = create_app(test_settings(database_url, tmp_path))

    @fresh.get("/api/v1/_boom")
    def _boom():
        raise RuntimeError("secret internals")

    response = fresh.test_client().get("/api/v1/_boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert b"secret internals" not in response.data


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")
