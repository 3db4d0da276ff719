"""Money through the pages: join and pay (demo card, wallet), receipts and statements after the
sweep, and withdrawals that say what could not go back to the card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Enrollment, Payment, StripeEvent, Withdrawal
from habits.services.settlement import settle_due_days
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.timehelpers import travel
from tests.web.helpers import confirm, csrf_token, log_in, text_of

GIFTED_AT = datetime(2026, 2, 1, tzinfo=UTC)


def _before_start(world):
    return travel(world.challenge.day_zero_opens_at - timedelta(days=1))


def _join(client, world):
    page = client.get(f"/challenges/{world.challenge.id}")
    assert "Join and pay CN¥70.00" in text_of(page)
    response = client.post(
        f"/challenges/{world.challenge.id}/join", data={"csrf_token": csrf_token(page.data)}
    )
    assert response.status_code == 302 and "/pay" in response.headers["Location"]
    return response.headers["Location"]


def _gift(session, member, amount, currency="CNY"):
    """Money in the member's wallet that no card charge can take back (like winnings)."""
    cash = books.open_account(session, books.processor_cash(currency))
    wallet = books.open_account(session, books.wallet(member.id, currency))
    ledger.post(
        session,
        key=f"test-gift:{member.id}:{amount}",
        currency=currency,
        legs=[ledger.Leg(cash, amount), ledger.Leg(wallet, -amount)],
        memo="test: winnings",
        occurred_at=GIFTED_AT,
    )
    session.commit()


def test_the_challenge_page_explains_the_stakes_before_joining(client, session, world):
    with _before_start(world):
        log_in(client, world.bystander)  # a member of the community, not enrolled
        page = text_of(client.get(f"/challenges/{world.challenge.id}"))
    assert "Daily stake" in page and "CN¥10.00" in page
    assert "Check in every day between 05:00 and 07:00 (Shanghai time)." in page
    # the bystander reads in UTC: the same window, on the evening before day 1's date
    assert "In your time, day 1's window is 9:00\u202fPM–11:00\u202fPM the evening before (UTC)." in page
    assert "A worked example" in page and "CN¥60.00 of your CN¥70.00 comes back" in page
    assert "Join and pay CN¥70.00" in page


def test_join_then_pay_with_the_demo_card_goes_through_the_webhook_path(client, session, world):
    with _before_start(world):
        log_in(client, world.bystander)
        pay_url = _join(client, world)
        page = client.get(pay_url)
        assert "Pay deposit (demo card)" in text_of(page)
        asked = client.post(pay_url, data={"csrf_token": csrf_token(page.data), "method": "card"})
        assert "Pay the deposit of CN¥70.00?" in text_of(asked)
        response = confirm(client, pay_url, asked)
        assert response.status_code == 302
        after = text_of(client.get(response.headers["Location"]))
    assert "Deposit of CN¥70.00 paid. You are in!" in after
    enrollment = session.scalar(select(Enrollment).where(Enrollment.member_id == world.bystander.id))
    assert enrollment.status == EnrollmentStatus.ACTIVE
    payment = session.scalar(select(Payment).where(Payment.enrollment_id == enrollment.id))
    assert payment.amount_minor == 7000
    event = session.get(StripeEvent, payment.event_id)
    assert event.type == "payment_intent.succeeded" and event.status == "processed"


def test_pay_from_the_wallet_when_it_holds_enough(client, session, world):
    _gift(session, world.bystander, 9000)
    with _before_start(world):
        log_in(client, world.bystander)
        pay_url = _join(client, world)
        page = client.get(pay_url)
        assert "Pay from my wallet (CN¥90.00 available)" in text_of(page)
        asked = client.post(pay_url, data={"csrf_token": csrf_token(page.data), "method": "wallet"})
        assert "It is taken from your wallet, which holds CN¥90.00." in text_of(asked)
        confirm(client, pay_url, asked)
        wallet = text_of(client.get("/wallet"))
    enrollment = session.scalar(select(Enrollment).where(Enrollment.member_id == world.bystander.id))
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.paid_from_wallet
    assert "CN¥20.00" in wallet and "Deposit paid from your wallet" in wallet


def test_a_short_wallet_is_explained_and_nothing_changes(client, session, world):
    _gift(session, world.bystander, 1000)
    with _before_start(world):
        log_in(client, world.bystander)
        pay_url = _join(client, world)
        page = client.get(pay_url)
        assert "Pay from my wallet" not in text_of(page)
        asked = client.post(pay_url, data={"csrf_token": csrf_token(page.data), "method": "wallet"})
        response = confirm(client, pay_url, asked)
    assert "Your wallet holds CN¥10.00; this needs CN¥70.00." in text_of(response)
    enrollment = session.scalar(select(Enrollment).where(Enrollment.member_id == world.bystander.id))
    assert enrollment.status == EnrollmentStatus.PENDING_PAYMENT


def test_receipts_and_the_days_statement_after_settlement(client, session, world):
    rival = make_enrollment(session, world.challenge, world.bystander, status=EnrollmentStatus.ACTIVE)
    make_checkin(session, world.enrollment, 0, at=at_local(world.challenge, 0, "05:03"))
    due = at_local(world.challenge, 0, "07:10")
    result = settle_due_days(session, now=due, commit=session.commit)
    assert result.settled == [(world.challenge.id, 0)]
    with travel(due + timedelta(minutes=5)):
        log_in(client, world.member)
        mine = text_of(client.get(f"/enrollments/{world.enrollment.id}"))
        statement = text_of(client.get(f"/challenges/{world.challenge.id}/days/0"))
    assert "Receipts, day by day" in mine and "stake back" in mine
    assert "CN¥10.00" in mine  # the stake came back, and the rival's stake was won
    assert f"/challenges/{world.challenge.id}/days/0" in mine
    assert "Day 1 statement" in statement and 'class="mine"' in statement
    assert f"#{rival.id}" in statement and "missed: stake to the pot" in statement
    assert "share of the pot" in statement


def test_statement_is_not_found_until_the_day_is_settled(client, session, world):
    with travel(at_local(world.challenge, 0, "06:00")):
        log_in(client, world.member)
        assert client.get(f"/challenges/{world.challenge.id}/days/0").status_code == 404
        assert client.get(f"/challenges/{world.challenge.id}/days/99").status_code == 404


def test_withdrawal_refunds_the_card_and_says_what_stays(client, session, world):
    with _before_start(world):
        log_in(client, world.bystander)
        pay_url = _join(client, world)
        page = client.get(pay_url)
        confirm(
            client,
            pay_url,
            client.post(pay_url, data={"csrf_token": csrf_token(page.data), "method": "card"}),
        )
        enrollment = session.scalar(select(Enrollment).where(Enrollment.member_id == world.bystander.id))
        page = client.get(f"/enrollments/{enrollment.id}")
        assert "The challenge has not started: your whole deposit goes back to your wallet." in text_of(page)
        quit_url = f"/enrollments/{enrollment.id}/quit"
        asked = client.post(quit_url, data={"csrf_token": csrf_token(page.data)})
        assert "your whole deposit, CN¥70.00, goes back to your wallet" in text_of(asked)
        confirm(client, quit_url, asked)
        _gift(session, world.bystander, 500)
        page = client.get("/wallet")
        assert "CN¥75.00" in text_of(page)
        asked = client.post(
            "/wallet", data={"csrf_token": csrf_token(page.data), "amount": "75", "currency": "CNY"}
        )
        assert "Withdraw CN¥75.00?" in text_of(asked)
        response = confirm(client, "/wallet", asked)
        assert response.status_code == 302
        after = text_of(client.get("/wallet"))
    assert "CN¥70.00 is on its way back to your card." in after
    assert "CN¥5.00 stays in your wallet" in after
    withdrawal = session.scalar(select(Withdrawal).where(Withdrawal.member_id == world.bystander.id))
    assert (withdrawal.refunded_minor, withdrawal.kept_minor) == (7000, 500)
    assert "refunded" in after  # the offline processor confirmed the refund through the webhook


def test_nothing_refundable_is_explained(client, session, world):
    _gift(session, world.bystander, 500)
    log_in(client, world.bystander)
    page = client.get("/wallet")
    asked = client.post(
        "/wallet", data={"csrf_token": csrf_token(page.data), "amount": "5", "currency": "CNY"}
    )
    response = confirm(client, "/wallet", asked)
    assert response.status_code == 422
    assert "Nothing can go back to your card" in text_of(response)
    assert session.scalar(select(Withdrawal).where(Withdrawal.member_id == world.bystander.id)) is None


def test_a_bad_amount_is_a_field_error(client, session, world):
    _gift(session, world.bystander, 500)
    log_in(client, world.bystander)
    page = client.get("/wallet")
    response = client.post(
        "/wallet", data={"csrf_token": csrf_token(page.data), "amount": "1.234", "currency": "CNY"}
    )
    assert response.status_code == 422 and "CNY amounts have at most 2 decimals." in text_of(response)


def test_a_random_split_publishes_its_seed_and_the_dashboard_shows_the_day(client, session, world):
    lucky = make_challenge(session, world.community, title="Lucky draw", split="random", fee_bps=1000)
    winner = make_enrollment(session, lucky, world.member, status=EnrollmentStatus.ACTIVE)
    make_enrollment(session, lucky, world.bystander, status=EnrollmentStatus.ACTIVE)
    make_checkin(session, winner, 0, at=at_local(lucky, 0, "05:10"))
    settle_due_days(session, now=at_local(lucky, 0, "07:10"), commit=session.commit)
    with travel(at_local(lucky, 0, "08:00")):
        log_in(client, world.member)
        statement = text_of(client.get(f"/challenges/{lucky.id}/days/0"))
        organizer = client.application.test_client()
        log_in(organizer, world.organizer)
        dashboard = text_of(organizer.get(f"/challenges/{lucky.id}/organize"))
    assert "Seed for the random split:" in statement and "random shares (lucky draw)" in statement
    assert "CN¥1.00" in statement  # the fee: 10% of the forfeited CN¥10.00
    assert "50% <span" in dashboard and "(1/2)" in dashboard  # day 1: one of two checked in
    assert "Paid out to winners" in dashboard and "CN¥9.00" in dashboard


def test_odd_addresses_and_inputs_get_friendly_pages_never_a_500(client, session, world):
    log_in(client, world.member)
    for path in (
        "/wallet?page=abc",
        "/communities?page=-4",
        f"/challenges/{world.challenge.id}/days/0?page=x",
        "/enrollments/999999",
        "/challenges/999999",
        "/communities/999999",
        "/checkins/999999/photo",
    ):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code in (200, 404), (path, response.status_code)
        assert response.mimetype == "text/html"
    token = csrf_token(client.get("/").data)
    response = client.post(
        f"/enrollments/{world.enrollment.id}/pay", data={"csrf_token": token, "method": "bitcoin"}
    )
    assert response.status_code in (302, 400)
    response = client.post("/language", data={"csrf_token": token, "locale": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"
