"""The daily chat summary: its facts on a seeded day worked out by hand, claimed once when its
time comes in the community's zone, posted by the relay; two schedulers racing on PostgreSQL post
it once."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import ChallengeStatus, ChatDelivery, ChatPurpose, SquadMember
from habits.notify.chat import message
from habits.notify.chat.transport import ChatWebhookTransport
from habits.services import chat_hooks, chat_relay, chat_summary
from habits.services.chat_hooks import HookSettings, chat_policy
from habits.services.squads import placing as squads_service
from tests.factories import (
    add_to_community,
    at_local,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
)
from tests.timehelpers import local, travel

DAY = date(2026, 3, 4)  # day index 2 of a challenge starting 2026-03-02
SUMMARY = local("Asia/Shanghai", DAY, "21:00")


def seed(session, app, url):
    organizer = make_member(session, display_name="Org", timezone="Asia/Shanghai")
    community = make_community(session, organizer, name="Early birds")
    challenge = make_challenge(session, community, status=ChallengeStatus.RUNNING, title="Rise at 6")
    people = {}
    for name in ("Ann", "Bo", "Cy", "Di"):
        member = make_member(session, display_name=name)
        add_to_community(session, community, member)
        people[name] = make_enrollment(session, challenge, member, status=EnrollmentStatus.ACTIVE)
    for day in (0, 1, 2):  # Ann: three days in a row, the third at 05:01
        make_checkin(session, people["Ann"], day, at=at_local(challenge, day, "05:01"))
    make_checkin(session, people["Bo"], 2, at=at_local(challenge, 2, "05:00"))  # Bo: earliest today
    make_checkin(  # Di's check-in was voided: not counted
        session, people["Di"], 2, at=at_local(challenge, 2, "04:59"), voided_at=SUMMARY - timedelta(hours=1)
    )
    cy = people["Cy"]
    cy.status, cy.ended_day_index = EnrollmentStatus.ELIMINATED, 1  # out at day 2's settlement
    pot = books.open_account(session, books.pot(challenge.id, "CNY"))
    held = session.get(ledger.Account, cy.held_account_id)
    ledger.post(
        session,
        key=f"test-forfeit:{cy.id}",
        currency="CNY",
        legs=[ledger.Leg(held, 7000), ledger.Leg(pot, -7000)],
        memo="Cy's deposit forfeited (test)",
        occurred_at=SUMMARY - timedelta(hours=12),
    )
    session.commit()
    chat_hooks.connect(
        session,
        community,
        organizer,
        HookSettings(kind="slack", url=url, summary_at="21:00", locale="en"),
        policy=chat_policy(app.config),
        now=SUMMARY - timedelta(days=1),
    )
    session.commit()
    return community, challenge


def test_the_facts_of_a_day(app, session, receiver):
    community, challenge = seed(session, app, receiver.base + "/services/x")
    facts = chat_summary.summary_facts(session, community, on=DAY)
    assert facts["zone"] == "Asia/Shanghai" and facts["date"] == "2026-03-04"
    (item,) = facts["challenges"]
    assert (item["day_index"], item["checked_in"], item["taking_part"]) == (2, 2, 3)
    assert [riser["name"] for riser in item["risers"]] == ["Bo", "Ann"]
    assert item["milestones"] == [{"name": "Ann", "days": 3}]
    assert (item["eliminated"], item["pot_minor"], item["currency"]) == (["Cy"], 7000, "CNY")
    assert item["squads"] == []  # no squads yet: the hook for them answers nothing


def test_the_summary_is_claimed_once_when_its_time_comes_and_posted(app, session, receiver):
    community, _ = seed(session, app, receiver.base + "/services/x")
    claim = lambda now: chat_summary.claim_due_summaries(session, now=now, commit=session.commit)  # noqa: E731
    assert claim(SUMMARY - timedelta(minutes=1)).claimed == []
    (delivery_id,) = claim(SUMMARY).claimed
    assert claim(SUMMARY + timedelta(minutes=1)).claimed == []
    assert session.get(ChatDelivery, delivery_id).summary_date == DAY
    with app.app_context(), travel(SUMMARY):
        transport = ChatWebhookTransport(policy=chat_policy(app.config))
        assert chat_relay.relay_due(session, transport, now=SUMMARY, commit=session.commit).sent == [
            delivery_id
        ]
    (post,) = receiver.posts
    text = post.body["blocks"][1]["text"]["text"]
    assert "Rise at 6 · Day 3" in text and "Checked in: 2 of 3" in text
    assert "Earliest risers: Bo (5:00\u202fAM), Ann (5:01\u202fAM)" in text
    assert "Ann: a 3-day streak!" in text and "Out of the challenge: Cy" in text
    assert "Pot: CN¥70.00" in text
    # the next day's summary is its own
    assert len(claim(SUMMARY + timedelta(days=1)).claimed) == 1


@pytest.mark.postgres
def test_two_schedulers_racing_post_each_summary_once(app, pg_engine, receiver):
    with Session(pg_engine) as session:
        community, _ = seed(session, app, receiver.base + "/services/x")
        community_id = community.id
    barrier = threading.Barrier(2)
    errors = []

    def scheduler():
        try:
            with app.app_context(), Session(pg_engine) as session:
                transport = ChatWebhookTransport(policy=chat_policy(app.config))
                barrier.wait(timeout=20)
                chat_summary.claim_due_summaries(session, now=SUMMARY, commit=session.commit)
                barrier.wait(timeout=20)
                chat_relay.relay_due(session, transport, now=SUMMARY, commit=session.commit)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Session(pg_engine) as session:
        count = session.scalar(select(func.count()).where(ChatDelivery.community_id == community_id))
    assert count == 1
    assert len(receiver.posts) == 1


def test_the_summary_is_in_the_community_zone(session):
    organizer = make_member(session, timezone="America/New_York")
    community = make_community(session, organizer, timezone="Europe/Berlin")
    assert chat_summary.community_zone(community).key == "Europe/Berlin"


def test_a_summary_that_cannot_be_written_releases_its_claim_only(app, session, receiver, monkeypatch):
    community, _ = seed(session, app, receiver.base + "/services/x")
    written = chat_summary.summary_facts

    def fails_once(session, community, *, on):
        monkeypatch.setattr(chat_summary, "summary_facts", written)
        raise RuntimeError("a bug")

    monkeypatch.setattr(chat_summary, "summary_facts", fails_once)
    assert chat_summary.claim_due_summaries(session, now=SUMMARY, commit=session.commit).claimed == []
    assert session.query(ChatDelivery).count() == 0
    (claimed,) = chat_summary.claim_due_summaries(session, now=SUMMARY, commit=session.commit).claimed
    assert session.get(ChatDelivery, claimed).params["community"] == "Early birds"


def test_a_challenge_with_squads_is_counted_per_squad(app, session, receiver):
    community, challenge = seed(session, app, receiver.base + "/services/x")
    challenge.squad_size = 2
    session.flush()
    # day 0's placement: Ann, Bo and Di are active (Cy was eliminated later, but placing is by id)
    squads_service.place_at_day_zero(session, challenge, now=at_local(challenge, 0, "05:00"))
    session.commit()
    (item,) = chat_summary.summary_facts(session, community, on=DAY)["challenges"]
    assert sum(squad["taking_part"] for squad in item["squads"]) == session.scalar(
        select(func.count()).select_from(SquadMember).where(SquadMember.challenge_id == challenge.id)
    )
    assert [squad["number"] for squad in item["squads"]] == sorted(
        squad["number"] for squad in item["squads"]
    )
    # Ann and Bo checked in on day 2 (Di's was voided): wherever they were placed, two stand
    assert sum(squad["checked_in"] for squad in item["squads"]) == 2
    facts = chat_summary.summary_facts(session, community, on=DAY)
    with app.test_request_context("/"):
        words = message.write(ChatPurpose.SUMMARY.value, facts, locale="en", zone=ZoneInfo("Asia/Shanghai"))
        zh = message.write(ChatPurpose.SUMMARY.value, facts, locale="zh_Hans", zone=ZoneInfo("Asia/Shanghai"))
    first = item["squads"][0]
    assert f"· Squad 1: {first['checked_in']} of {first['taking_part']}" in words.text
    assert "Squad" not in zh.text
