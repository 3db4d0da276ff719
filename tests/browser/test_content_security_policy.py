"""The pages with scripts and drawn bars work under the enforced Content-Security-Policy: their
nonce'd scripts run, their stylesheets apply, and chromium reports nothing blocked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from habits.extensions import db
from habits.models import Enrollment, Member
from tests.browser.test_flows import PASSWORD, follow, rival_checks_in, seed_world, sweep

pytestmark = pytest.mark.browser


def _rival_email(live_server, world) -> str:
    with live_server.app.app_context():
        enrollment = db.session.get(Enrollment, world.rival_enrollment_id)
        email = db.session.get(Member, enrollment.member_id).email
        db.session.remove()
    return email


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Log in"))
    page.wait_for_url("**/")


def test_the_register_page_script_runs_under_the_policy(live_server, phone, csp_violations):
    page = phone()
    response = page.goto("/register")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    # the nonce'd script preselected the phone's own zone
    assert page.locator("#timezone").input_value() == "Asia/Shanghai"
    assert csp_violations == []


def test_the_check_in_page_script_runs_under_the_policy(live_server, phone, csp_violations):
    world = seed_world(live_server)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    live_server.clock.set(world.opens_at + timedelta(minutes=1))
    page = phone()
    _log_in(page, _rival_email(live_server, world))
    page.goto(f"/enrollments/{world.rival_enrollment_id}/checkin")
    button = page.locator("#checkin-button")
    assert button.inner_text() == "Check in now" and button.is_enabled()
    # a submit event that sends nothing: the nonce'd script's guard against a second tap answers
    page.evaluate(
        "document.getElementById('checkin-form').dispatchEvent(new Event('submit', {cancelable: true}))"
    )
    assert button.is_disabled() and button.inner_text() == "…"
    assert csp_violations == []


def test_the_dashboard_bars_are_drawn_by_the_stylesheet(live_server, phone, csp_violations):
    world = seed_world(live_server)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    rival_checks_in(live_server, world, world.opens_at + timedelta(seconds=40))
    live_server.clock.set(world.opens_at + timedelta(minutes=2))
    page = phone()
    _log_in(page, world.organizer_email)
    page.goto(f"/challenges/{world.challenge_id}/organize")
    filled = page.locator(".bar > span").first
    bar = page.locator(".bar").first
    # day 1: the one member in play checked in, so the bar is full (no inline style drew it)
    assert filled.get_attribute("class") == "pct-100"
    assert filled.bounding_box()["width"] == pytest.approx(bar.bounding_box()["width"], abs=1)
    assert csp_violations == []
