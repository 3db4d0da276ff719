"""Each request writes one JSON line (request id, member, route, status, duration) and echoes its
id; nothing secret (passwords, tokens, reset links, cookies, webhook signatures) reaches the log."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from sqlalchemy import select

from app import create_app
from habits.logging_setup import configure_logging
from habits.models import OutboxMail
from tests.api.helpers import auth_headers
from tests.conftest import test_settings
from tests.factories import PASSWORD, make_member
from tests.payments.helpers import sign
from tests.web.helpers import post_form


@pytest.fixture
def json_logs():
    """The app's log lines at INFO, as the production formatter writes them (to a buffer here
    rather than stderr)."""
    configure_logging("INFO", "json")
    written = io.StringIO()
    logging.getLogger().handlers[0].setStream(written)
    try:
        yield written.getvalue
    finally:
        configure_logging("WARNING", "text")


def request_lines(err: str) -> list[dict]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "habits.request"]


def test_a_request_line_names_the_route_member_status_and_duration(client, session, json_logs):
    member = make_member(session)
    # someone else's (or nobody's) enrollment: the route matched, the member is known, 404
    response = client.get("/api/v1/enrollments/987654/appeals", headers=auth_headers(session, member))
    (line,) = request_lines(json_logs())
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert response.headers["X-Request-ID"] == line["request_id"]
    assert line["member_id"] == member.id and line["status"] == response.status_code
    assert line["method"] == "GET" and line["route"] == "appeals.list_my_appeals"
    assert line["rule"] == "/api/v1/enrollments/<id:enrollment_id>/appeals"  # never the path's ids
    assert "987654" not in json.dumps(line) and line["duration_ms"] >= 0


def test_an_anonymous_or_unmatched_request_is_logged_too(client, json_logs):
    client.get("/healthz")
    client.get("/no/such/page")
    lines = request_lines(json_logs())
    assert [(line["route"], line["status"], line["member_id"]) for line in lines] == [
        ("health.healthz", 200, None),
        ("unmatched", 404, None),
    ]


def test_the_proxy_request_id_is_taken_only_from_a_trusted_proxy(app, client, session, tmp_path):
    offered = {"X-Request-ID": "edge-4f2a9c1d7e3b"}
    assert client.get("/healthz", headers=offered).headers["X-Request-ID"] != "edge-4f2a9c1d7e3b"
    behind_proxy = create_app(
        {**test_settings(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), "PROXY_COUNT": 1}
    )
    proxied = behind_proxy.test_client()
    assert proxied.get("/healthz", headers=offered).headers["X-Request-ID"] == "edge-4f2a9c1d7e3b"
    # an id that does not look like one is replaced, even from the proxy
    assert proxied.get("/healthz", headers={"X-Request-ID": "a b<c>"}).headers["X-Request-ID"] != "a b<c>"


def test_log_lines_written_during_a_request_carry_its_id(app, client, session, json_logs):
    client.post("/webhooks/stripe", data=b"not json", headers={"Stripe-Signature": "t=1,v1=00"})
    lines = [json.loads(line) for line in json_logs().splitlines() if line.startswith("{")]
    (request_line,) = [line for line in lines if line["logger"] == "habits.request"]
    assert all(line["request_id"] == request_line["request_id"] for line in lines)


def test_no_secret_reaches_the_log(app, client, session, json_logs):
    member = make_member(session)
    secrets_seen = [PASSWORD]
    # signing in (the password, then the session and remember-me cookies)
    post_form(client, "/login", {"email": member.email, "password": PASSWORD, "remember": "y"})
    client.get("/")
    cookies = [client.get_cookie(name) for name in ("session", "remember_token")]
    assert all(cookies)
    secrets_seen += [cookie.value for cookie in cookies]
    # an API token in use
    headers = auth_headers(session, member)
    secrets_seen.append(headers["Authorization"].removeprefix("Bearer "))
    client.get("/api/v1/me", headers=headers)
    client.get("/api/v1/me", headers={"Authorization": "Bearer wrong-token-abcdef123456"})
    secrets_seen.append("wrong-token-abcdef123456")
    # a password reset link, followed, and the new password set through it
    anonymous = app.test_client()
    post_form(anonymous, "/password-reset", {"email": member.email})
    mail = session.scalars(select(OutboxMail).where(OutboxMail.to_address == member.email)).all()[-1]
    link = re.search(r"(/password-reset/[A-Za-z0-9_\-.]+)", mail.body_text).group(1)
    secrets_seen.append(link.rsplit("/", 1)[1])
    anonymous.get(link)
    reset = post_form(anonymous, link, {"password": "a walk by the river"}, form_page="/password-reset")
    assert reset.status_code == 302
    secrets_seen.append("a walk by the river")
    # a webhook with its signature (and the secret that signed it)
    payload, signature = sign({"id": "evt_log_1", "type": "charge.updated", "created": 1, "data": {}})
    client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": signature})
    secrets_seen += [signature, signature.split("v1=")[1], app.config["STRIPE_WEBHOOK_SECRET"]]

    logged = json_logs()
    assert len(request_lines(logged)) >= 8  # the requests were logged...
    for secret in secrets_seen:
        assert secret and secret not in logged  # ...and nothing secret with them
