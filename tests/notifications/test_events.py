"""Each use case tells its member, in its own transaction, once per event: a void (at once, with
until when to appeal), a failed payment, a completed refund, a payout decided, a challenge that
starts tomorrow or was cancelled at day 0."""

from __future__ import annotations

from datetime import date, timedelta

from habits.domain.calendar import due_at
from habits.domain.instants import rfc3339_utc
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import PushStatus
from habits.services import payouts, withdrawals
from habits.services.notifications.upcoming import announce_starting_challenges
from habits.services.settlement import settle_due_days
from tests.api.helpers import auth_headers, enrollment_row
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.notifications.helpers import add_device, deliveries, kinds_told, told
from tests.payments.helpers import (
    deliver,
    event,
    failed,
    give_intent,
    now_utc,
    open_challenge,
    refund_obj,
    succeeded,
)
from tests.payouts.helpers import winnings
from tests.timehelpers import travel

S = EnrollmentStatus


def test_a_void_tells_the_member_at_once_who_why_and_until_when_to_appeal(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 0, at=at_local(world.challenge, 0, "05:30"))
    device, _keys = add_device(session, world.owner.id)
    void_at = at_local(world.challenge, 0, "06:50")
    with travel(void_at):
        response = client.post(
            f"/api/v1/checkins/{checkin.id}/void",
            json={"reason": "the photo is from yesterday"},
            headers=world.as_("organizer"),
        )
        assert response.status_code == 200, response.get_json()
        again = client.post(
            f"/api/v1/checkins/{checkin.id}/void", json={"reason": "again"}, headers=world.as_("organizer")
        )
        assert again.status_code == 200
    (note,) = told(session, world.owner.id)
    due = due_at(world.challenge.schedule(), 0, world.challenge.review_minutes)  # 07:10 Shanghai
    assert note.kind == "checkin_voided" and note.created_at == void_at
    assert note.params == {
        "challenge_id": world.challenge.id,
        "challenge": world.challenge.title,
        "day_index": 0,
        "by": "Org",
        "reason": "the photo is from yesterday",
        "appeal_until_at": rfc3339_utc(due),
    }
    # pushed: queued for the owner's device right away, in the void's own transaction
    assert [(d.notification_id, d.subscription_id, d.status) for d in deliveries(session)] == [
        (note.id, device.id, PushStatus.QUEUED)
    ]
    shown = client.get("/api/v1/me/notifications", headers=world.as_("owner")).get_json()["items"][0]
    assert shown["body"] == (
        f"Org voided your check-in for Day 1 of {world.challenge.title} (reason: the photo is from "
        "yesterday). You can ask for an appeal until Mar 1, 2026, 11:10\u202fPM."  # the owner reads UTC
    )


def test_a_failed_card_payment_is_told_once_per_event(client, session, gateway):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=7000))
    give_intent(session, enrollment, gateway, now=now_utc())
    declined = failed(enrollment, "Your card was declined.")
    assert deliver(client, declined).status_code == 200
    assert deliver(client, declined).status_code == 200  # the same event again: nothing new
    assert deliver(client, failed(enrollment, "Your card has insufficient funds.")).status_code == 200
    notes = told(session, enrollment.member_id)
    assert [(n.kind, n.params["reason"]) for n in notes] == [
        ("payment_failed", "Your card was declined."),
        ("payment_failed", "Your card has insufficient funds."),
    ]
    assert deliver(client, succeeded(enrollment)).status_code == 200
    assert deliver(client, failed(enrollment)).status_code == 200  # after the success: changes nothing
    assert len(told(session, enrollment.member_id)) == 2


def test_a_completed_refund_is_told_once_however_the_processor_says_it(client, session, gateway):
    member = make_member(session)
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=3000), member)
    give_intent(session, enrollment, gateway, now=now_utc())
    enrollment.status = S.CANCELLED  # a late payment: it lands in the wallet
    session.commit()
    assert deliver(client, succeeded(enrollment)).status_code == 200
    withdrawal = withdrawals.request_withdrawal(
        session, member, amount_minor=1200, currency="CNY", now=now_utc()
    )
    session.commit()
    withdrawals.send_withdrawal_refunds(session, withdrawal.id, gateway=gateway, now=now_utc())
    session.commit()
    gateway.take_outbox()
    (refund,) = withdrawals.withdrawal_refunds(session, withdrawal)
    assert kinds_told(session, member.id) == []
    obj = refund_obj(refund.refund_id, enrollment.payment_intent_id, 1200, "CNY", "succeeded", refund.key)
    for event_type in ("refund.updated", "charge.refund.updated"):
        assert deliver(client, event(event_type, obj)).status_code == 200
    (note,) = told(session, member.id)
    assert (note.kind, note.params) == ("refund_completed", {"amount_minor": 1200, "currency": "CNY"})


def test_each_payout_decision_is_told_once(client, session, gateway):
    money = winnings(session, client, gateway)
    first = payouts.request_payout(
        session, money.winner, amount_minor=100, currency="CNY", destination="Alipay 138", now=money.now
    )
    second = payouts.request_payout(
        session, money.winner, amount_minor=200, currency="CNY", destination="Alipay 138", now=money.now
    )
    session.commit()
    # each decision twice: a repeat changes nothing, and tells nothing twice
    for decide in (
        lambda: payouts.approve_payout(
            session, first.id, admin=money.admin, password="password-123", now=money.now
        ),
        lambda: payouts.mark_paid(session, first.id, admin=money.admin, reference="TX-1", now=money.now),
        lambda: payouts.refuse_payout(
            session, second.id, admin=money.admin, reason="which bank?", now=money.now
        ),
    ):
        decide()
        decide()
        session.commit()
    notes = [n for n in told(session, money.winner.id) if n.kind.startswith("payout_")]
    said = [(n.kind, n.params["amount_minor"], n.params["reason"], n.params["reference"]) for n in notes]
    assert said == [
        ("payout_approved", 100, "", ""),
        ("payout_paid", 100, "", "TX-1"),
        ("payout_refused", 200, "which bank?", ""),
    ]


def test_a_challenge_cancelled_at_day_zero_tells_each_paid_member_what_came_back(session):
    ch = make_challenge(session, days=3, deposit_minor=3000, min_participants=3)
    with travel(at_local(ch, -1, "12:00")):
        paid = [make_enrollment(session, ch, status=S.ACTIVE) for _ in range(2)]
        unpaid = make_enrollment(session, ch)
    opens = ch.day_zero_opens_at
    with travel(opens):
        result = settle_due_days(session, now=opens, commit=session.commit)
    assert result.cancelled == [ch.id]
    for enrollment in paid:
        (note,) = told(session, enrollment.member_id)
        assert note.kind == "challenge_cancelled" and note.params["refunded_minor"] == 3000
    assert told(session, unpaid.member_id) == []


def test_members_hear_the_day_before_that_a_challenge_starts_tomorrow(session):
    ch = make_challenge(session, start_date=date(2026, 3, 2), timezone="Asia/Shanghai")
    with travel(at_local(ch, -2, "12:00")):
        paid = make_enrollment(session, ch, status=S.ACTIVE)
        to_pay = make_enrollment(session, ch)
        left = make_enrollment(session, ch, status=S.WITHDRAWN)
    other = make_challenge(session, start_date=date(2026, 3, 3), timezone="Asia/Shanghai")
    with travel(at_local(other, -2, "12:00")):
        later = make_enrollment(session, other, status=S.ACTIVE)
    assert announce_starting_challenges(session, now=at_local(ch, -1, "08:59")) == []
    for _ in range(2):  # from 09:00 the day before, once
        announce_starting_challenges(session, now=at_local(ch, -1, "09:00"))
        announce_starting_challenges(session, now=at_local(ch, -1, "21:00"))
        session.commit()
    for enrollment in (paid, to_pay):
        (note,) = told(session, enrollment.member_id)
        assert note.kind == "challenge_starts_tomorrow"
        assert note.params["opens_at"].startswith("2026-03-01") and note.params["opens_at"][11:16] == "21:00"
    assert told(session, left.member_id) == [] and told(session, later.member_id) == []


def test_the_api_lists_a_challenge_start_in_the_readers_zone_and_language(client, session):
    reader = make_member(session, timezone="Europe/Berlin", locale="zh_Hans")
    ch = make_challenge(session, start_date=date(2026, 3, 2), timezone="Asia/Shanghai", title="早起")
    with travel(at_local(ch, -2, "12:00")):
        make_enrollment(session, ch, reader, status=S.ACTIVE)
    announce_starting_challenges(session, now=at_local(ch, -1, "10:00"))
    session.commit()
    headers = auth_headers(session, reader, now=at_local(ch, -1, "10:00") - timedelta(days=1), ttl_days=3650)
    (item,) = client.get("/api/v1/me/notifications", headers=headers).get_json()["items"]
    assert (item["title"], item["body"]) == (
        "“早起”明天开始",
        "第 1 天的打卡时间从 2026年3月1日 22:00 开始。",
    )


def test_a_cheer_a_comment_and_a_mention_each_tell_their_member_once(client, session, world):
    """The feed's events (habits.services.feed): the owner hears of a cheer once however often it
    is taken back and given again, and of each comment; a mentioned member hears of the mention;
    nobody hears of their own doing."""
    checkin = make_checkin(session, world.owner_enrollment, 0, at=at_local(world.challenge, 0, "05:30"))
    third = make_member(session, display_name="Third")
    enrollment_row(session, world.challenge, third)
    cheers = f"/api/v1/checkins/{checkin.id}/cheers"
    for _ in range(2):
        assert client.post(cheers, headers=world.as_("other")).status_code == 200
        assert client.delete(cheers, headers=world.as_("other")).status_code == 200
    assert client.post(f"/api/v1/checkins/{checkin.id}/cheers", headers=world.as_("owner")).status_code == 200
    posted = client.post(
        f"/api/v1/checkins/{checkin.id}/comments",
        json={
            "body": "Up before the sun! " + "x" * 100,
            "mentions": [third.id, world.owner.id, world.other.id],
        },
        headers=world.as_("other"),
    )
    assert posted.status_code == 201, posted.get_json()

    owner_notes = told(session, world.owner.id)
    assert [note.kind for note in owner_notes] == ["cheered", "commented"]
    assert owner_notes[0].params["by"] == "Other" and owner_notes[0].params["day_index"] == 0
    excerpt = owner_notes[1].params["excerpt"]
    assert excerpt.startswith("Up before the sun! ") and excerpt.endswith("…") and len(excerpt) == 80
    assert kinds_told(session, third.id) == ["mentioned"]
    assert kinds_told(session, world.other.id) == []  # not of their own cheer, comment or mention
