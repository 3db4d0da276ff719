"""`flask seed-demo`: an empty database gets a living demo in a few seconds, once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

import ledger
from app import create_app
from habits.extensions import db
from habits.models import Challenge, ChallengeStatus, CheckIn, DaySettlement, Enrollment, Member
from habits.services import audit
from tests.conftest import test_settings
from tests.web.helpers import csrf_token, text_of


@pytest.fixture
def demo_app(tmp_path):
    """Its own SQLite file: the seed commits for real, as `flask seed-demo` does."""
    app = create_app(test_settings(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path / "instance"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_demo_fills_an_empty_database_once(demo_app):
    runner = demo_app.test_cli_runner()
    started = time.monotonic()
    result = runner.invoke(args=["seed-demo"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "demo@streakpot.test / demo-password" in result.output
    assert "demo-organizer@streakpot.test / demo-password" in result.output
    assert elapsed < 20, f"seed-demo took {elapsed:.1f} s"
    with demo_app.app_context():
        assert _count(Member) == 22
        statuses = {c.title: c.status for c in db.session.scalars(select(Challenge))}
        assert statuses["Run 3 km · spring week"] == ChallengeStatus.COMPLETED
        assert statuses["Read 20 pages a day"] == ChallengeStatus.RUNNING
        assert statuses["Rise by 06:30 · three weeks"] == ChallengeStatus.ENROLLING
        assert _count(DaySettlement) >= 9  # 7 finished days and the running challenge's past days
        assert _count(CheckIn) > 50
        upcoming = db.session.scalar(select(Challenge).where(Challenge.status == ChallengeStatus.ENROLLING))
        paid = _count(Enrollment, Enrollment.challenge_id == upcoming.id, Enrollment.status == "active")
        assert paid == 6
        assert ledger.invariants.verify(db.session, audit.HABITS_CHECKS) == []
        db.session.rollback()

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "nothing seeded" in again.output
    with demo_app.app_context():
        assert _count(Member) == 22


def test_the_demo_member_can_check_in_right_away(demo_app):
    assert demo_app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    client = demo_app.test_client()
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.data),
            "email": "demo@streakpot.test",
            "password": "demo-password",
        },
    )
    home = client.get("/")
    assert "Read 20 pages a day" in text_of(home)
    with demo_app.app_context():
        running = db.session.scalar(select(Challenge).where(Challenge.status == ChallengeStatus.RUNNING))
        demo = db.session.scalar(select(Member).where(Member.email == "demo@streakpot.test"))
        enrollment = db.session.scalar(
            select(Enrollment).where(Enrollment.challenge_id == running.id, Enrollment.member_id == demo.id)
        )
        enrollment_id = enrollment.id
        db.session.rollback()
    page = client.get(f"/enrollments/{enrollment_id}/checkin")
    assert "Check in now" in text_of(page)
    client.post(
        f"/enrollments/{enrollment_id}/checkin", data={"csrf_token": csrf_token(page.data), "value": "24"}
    )
    assert "You are checked in for today" in text_of(client.get(f"/enrollments/{enrollment_id}/checkin"))
    assert "stake back" in text_of(client.get(f"/enrollments/{enrollment_id}"))
