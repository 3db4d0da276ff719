"""Security headers on every response the app gives: pages, API, errors, static files, the webhook
and /healthz; a fresh nonce per request, the same one in the page's script and style tags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from habits.config import ConfigError
from habits.security_headers import page_policies_for, policy_for
from tests.api.helpers import auth_headers
from tests.conftest import test_settings
from tests.factories import at_local, make_checkin
from tests.timehelpers import travel
from tests.web.helpers import log_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_NONCE_ATTR = re.compile(r'<(?:script|style)\b[^>]*\bnonce="([^"]*)"')
_TAG = re.compile(r"<(script|style)\b[^>]*>", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"{response.request.path}: no Content-Security-Policy"
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def nonce_of(response) -> str:
    nonces = [s for s in directives(response)["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1, directives(response)["script-src"]
    return nonces[0].removeprefix("'nonce-").removesuffix("'")


def assert_guarded(response) -> None:
    where = f"{response.request.method} {response.request.path} ({response.status_code})"
    policy = directives(response)
    assert policy["default-src"] == ["'self'"], where
    assert policy["frame-ancestors"] == ["'none'"], where
    assert policy["object-src"] == ["'none'"], where
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"], where
    for name in ("script-src", "style-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"} & set(policy[name]), where
    nonce = nonce_of(response)
    assert f"'nonce-{nonce}'" in policy["style-src"], where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["X-Frame-Options"] == "DENY", where
    # a page may be stricter (the password-reset link page sends no referrer at all)
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), where
    assert "camera=(self)" in response.headers["Permissions-Policy"], where
    assert "Strict-Transport-Security" not in response.headers, where  # not outside production
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert set(_NONCE_ATTR.findall(html)) <= {nonce}, where
        assert len(_NONCE_ATTR.findall(html)) == len(_TAG.findall(html)), where


def every_request(app, values: dict) -> list[tuple[str, str]]:
    """(method, url) for every rule and method of the app, its arguments filled from ``values``;
    reads first (a DELETE of the current token would turn the API's later answers into 401s)."""
    requests = []
    for rule in app.url_map.iter_rules():
        built = rule.build(values, append_unknown=False)
        assert built is not None, f"no value for an argument of {rule.rule}"
        requests += [(method, built[1]) for method in rule.methods - {"HEAD", "OPTIONS"}]
    return sorted(requests, key=lambda request: (request[0] != "GET", request))


def test_every_route_and_method_answers_with_the_headers(client, session, world):
    checkin = make_checkin(session, world.enrollment, 1, at=at_local(world.challenge, 1, "05:10"))
    values = {
        "filename": "css/dashboard.css",
        "community_id": world.community.id,
        "challenge_id": world.challenge.id,
        "enrollment_id": world.enrollment.id,
        "checkin_id": checkin.id,
        "member_id": world.member.id,
        "day_index": 0,
        "payment_intent_id": "pi_unknown",
        "token": "not-a-real-token",
        "payout_id": 1,
        "appeal_id": 1,
        "comment_id": 1,
        "subscription_id": 1,
        "code": "ABCDEFGHJK",
        "kind": "members",
        "squad_id": 1,
    }
    token = auth_headers(session, world.member, now=at_local(world.challenge, 0, "00:00"), ttl_days=3650)
    kinds = set()
    with travel(at_local(world.challenge, 1, "05:30")):
        log_in(client, world.member)
        for method, url in every_request(client.application, values):
            response = client.open(url, method=method, headers=token)
            kinds.add((response.status_code, response.mimetype))
            assert_guarded(response)
        # errors that no rule answers: an unknown page, an unknown API path, a wrong method
        for url, method in [("/nowhere", "GET"), ("/api/v1/nowhere", "GET"), ("/healthz", "DELETE")]:
            assert_guarded(client.open(url, method=method))
    # pages, the API, a stylesheet, redirects and refusals were all among them
    assert {
        (200, "text/html"),
        (200, "application/json"),
        (200, "text/css"),
        (302, "text/html"),
        (400, "text/html"),
        (401, "application/problem+json"),
    } <= kinds, kinds


def test_an_unexpected_error_carries_the_headers_too(database_url, tmp_path):
    app = create_app(test_settings(database_url, tmp_path))

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_guarded(response)


def test_the_nonce_is_new_on_each_request_and_the_one_in_the_page(client, session):
    first, second = client.get("/register"), client.get("/register")
    assert nonce_of(first) != nonce_of(second)
    for response in (first, second):
        html = response.get_data(as_text=True)
        # base's <style>, the page's <script>, base's <script> that registers the service worker
        assert _NONCE_ATTR.findall(html) == [nonce_of(response)] * 3
    assert len(nonce_of(first)) >= 22  # 128 bits or more


def test_strict_transport_security_in_production_only(database_url, tmp_path):
    settings = test_settings(database_url, tmp_path)
    settings.update(STREAKPOT_ENV="production", STAGING=True)
    response = create_app(settings).test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_every_template_script_and_style_carries_the_nonce_and_nothing_runs_inline():
    """What the browser would block: a tag without the nonce, a style attribute, an inline
    handler, a javascript: URL (scripts and styles go in nonce'd tags or in static/)."""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES)
        if name.parts[0] == "mail":
            continue  # e-mail bodies: read in mail programs, which want inline styles, never served
        text = path.read_text()
        for tag in _TAG.finditer(text):
            if 'nonce="{{ csp_nonce() }}"' not in tag.group(0) and " src=" not in tag.group(0):
                problems.append(f"{name}: {tag.group(0)} has no nonce")
        for pattern in (r"\sstyle\s*=", r"\son[a-z]+\s*=", r"javascript:"):
            problems += [f"{name}: {m.group(0).strip()}" for m in re.finditer(pattern, text, re.IGNORECASE)]
    assert problems == []


# -- the policy's extension points -----------------------------------------------------------------


def test_stripe_js_hosts_are_on_the_pay_pages_policy_only_and_only_in_stripe_mode():
    stripe_mode = {"PAYMENTS_MODE": "stripe", "STRIPE_JS_URL": "https://js.stripe.com/v3/"}
    pay_page = policy_for(stripe_mode, "stripe_js").header("n0nce")
    assert "script-src 'self' 'nonce-n0nce' https://js.stripe.com https://*.js.stripe.com;" in pay_page
    frames = "frame-src 'self' https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com"
    assert frames in pay_page
    assert "connect-src 'self' https://api.stripe.com;" in pay_page
    # every other page, in the same mode, and every page of the offline mode: no Stripe at all
    assert "stripe" not in policy_for(stripe_mode).header("n0nce")
    assert page_policies_for({"PAYMENTS_MODE": "offline"}) == {}
    assert set(page_policies_for(stripe_mode)) == {"stripe_js"}


def test_a_test_stand_in_of_stripe_js_gets_its_own_origin_and_no_stripe_host():
    stand_in = {
        "PAYMENTS_MODE": "stripe",
        "STREAKPOT_ENV": "test",
        "STRIPE_JS_URL": "http://127.0.0.1:4242/v3/",
    }
    policy = policy_for(stand_in, "stripe_js").header("n")
    assert "script-src 'self' 'nonce-n' http://127.0.0.1:4242;" in policy
    assert "connect-src 'self' http://127.0.0.1:4242;" in policy
    assert "stripe.com" not in policy
    # an operator's extra sources still may not add plain http scripts
    with pytest.raises(ValueError, match="not an https:// host"):
        policy_for({}).allow("script-src", "http://127.0.0.1:4242")


def test_an_operator_adds_an_object_store_for_photos(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("STREAKPOT_CSP_EXTRA_SOURCES", '{"img-src": ["https://photos.example-bucket.test"]}')
    response = create_app(test_settings(database_url, tmp_path)).test_client().get("/healthz")
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://photos.example-bucket.test;" in policy


def test_a_feature_widens_one_directive_while_the_app_is_built():
    policy = policy_for({})
    policy.allow("worker-src", "https://cdn.example.test")
    assert "worker-src 'self' https://cdn.example.test;" in policy.header("n")
    with pytest.raises(ValueError, match="would undo the policy"):
        policy.allow("script-src", "'unsafe-inline'")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"script-src": ["'unsafe-inline'"]}, "would undo the policy"),
        ({"style-src": ["'unsafe-inline'"]}, "would undo the policy"),
        ({"script-src": ["https:"]}, "not an https:// host"),
        ({"img-src": ["*"]}, "would undo the policy"),
        ({"frame-ancestors": ["https://evil.test"]}, "is not one of"),
        ({"img-src": ["https://a.test; script-src *"]}, "is not one source"),
        ({"img-src": "https://a.test"}, "must be a list of strings"),
        (["https://a.test"], "must map directives to lists of sources"),
    ],
)
def test_extra_sources_that_would_undo_the_policy_stop_start_up(database_url, tmp_path, extra, message):
    settings = test_settings(database_url, tmp_path)
    settings["CSP_EXTRA_SOURCES"] = extra
    with pytest.raises(ConfigError, match=f"STREAKPOT_CSP_EXTRA_SOURCES.*{re.escape(message)}"):
        create_app(settings)
