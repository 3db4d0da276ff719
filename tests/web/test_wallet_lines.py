"""Every movement that can touch a member's wallet, written through the use cases, reads back as
its own line of the wallet page, in English and in Chinese, never as the ledger's English memo:
in words, with its challenge's title, days counted from 1, amounts in the currency's format (a
winner's one posting split into stake and share as the receipts code splits it), and a settled
day's line linked to that day's statement.

One world writes every kind of key and code ``habits.books`` declares: a challenge cancelled for
want of company; a challenge with a quit before day 0, a deposit paid from the wallet after day 0
opened, a rest day, winners, a miss, an excused day, card disputes (frozen from a held deposit or
from the wallet; won, lost, won after the end), leftovers and a last pot shared by the finishers;
a challenge nobody finishes; and a member's withdrawals whose refunds succeed, fail, come back
and are refused, and a refund made outside Streakpot; and a winner's payouts, one paid, one
refused after its approval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

import ledger
from habits import books
from habits.books import CodeKind, DisputeStep, KeyKind, OpenStep, PayoutStep, SettleStep
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, Enrollment, Member
from habits.models.payment import Payment, Refund
from habits.payments import EXTENSION_KEY
from habits.services import daymarks, deposits, enrollments, payouts, receipts, withdrawals
from habits.services.ports import RefundRefused
from habits.services.wallets import WalletEntry
from habits.web.ledger_words import WALLET_LINES, wallet_entry_text, wallet_line
from habits.web.wallet import challenge_titles
from tests.api.helpers import auth_headers
from tests.factories import PASSWORD, at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.payments.helpers import (
    deliver,
    dispute_obj,
    event,
    give_intent,
    now_utc,
    open_challenge,
    refund_obj,
    succeeded,
)
from tests.settlement.helpers import assert_books_clean, sweep
from tests.timehelpers import travel
from tests.web.helpers import log_in, text_of

S = EnrollmentStatus
TITLE = "Rise by seven"
#: a Latin letter: a Chinese line has none (the brand aside)
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture
def gateway(app):
    return app.extensions[EXTENSION_KEY]


@dataclass
class World:
    challenge: Challenge
    winner: Member


# -- the use cases ---------------------------------------------------------------------------------


def sweep_at(session, instant):
    with travel(instant):
        return sweep(session, instant)


def deliver_at(client, make_event, instant):
    """Build and deliver a signed event at ``instant`` (the signature and ``created`` are its)."""
    with travel(instant):
        response = deliver(client, make_event())
    assert response.status_code == 200, response.get_json()


def pay_by_card(session, client, gateway, enrollment, instant):
    """The join route asks for the PaymentIntent; Stripe's signed event confirms it."""
    with travel(instant):
        give_intent(session, enrollment, gateway, now=instant)
    deliver_at(client, lambda: succeeded(enrollment), instant)
    session.refresh(enrollment)


def dispute(enrollment, dispute_id, status):
    event_type = "charge.dispute.created" if status == "needs_response" else "charge.dispute.closed"
    obj = dispute_obj(
        dispute_id, enrollment.payment_intent_id, enrollment.deposit_minor, enrollment.currency, status
    )
    return lambda: event(event_type, obj)


def refund_news(refund: Refund, status: str, session):
    pi = session.get(Payment, refund.payment_id).payment_intent_id
    return event(
        "refund.updated", refund_obj(refund.refund_id, pi, refund.amount_minor, "CNY", status, refund.key)
    )


def withdraw(session, gateway, member, amount, *, deliver_events=True) -> Refund:
    """What POST /me/withdrawals does: book, commit, send, commit, deliver the offline events."""
    withdrawal = withdrawals.request_withdrawal(
        session, member, amount_minor=amount, currency="CNY", now=now_utc()
    )
    session.commit()
    withdrawals.send_withdrawal_refunds(session, withdrawal.id, gateway=gateway, now=now_utc())
    session.commit()
    if deliver_events:
        assert all(o.status_code == 200 for o in gateway.after_commit(session, now=now_utc()))
    else:
        gateway.take_outbox()
    (refund,) = withdrawals.withdrawal_refunds(session, withdrawal)
    return refund


def write_everything(session, client, gateway, monkeypatch) -> World:
    # Too few participants: cancelled at day 0, m1's deposit back to its wallet.
    lonely = make_challenge(
        session, days=2, deposit_minor=300, min_participants=2, start_date=date(2026, 3, 1)
    )
    m1 = make_member(session)
    with travel(at_local(lonely, -1, "12:00")):
        make_enrollment(session, lonely, m1, status=S.ACTIVE)
    sweep_at(session, at_local(lonely, 0, "05:00"))

    x = make_challenge(session, title=TITLE, days=3, deposit_minor=300, max_misses=1, rest_days=1)
    nobody = make_challenge(session, days=1, deposit_minor=100, max_misses=0)
    with travel(at_local(x, -1, "12:00")):
        a, b, c, d, q, z = (make_enrollment(session, x, status=S.ACTIVE) for _ in range(6))
        u1, u2 = (make_enrollment(session, nobody, status=S.ACTIVE) for _ in range(2))
        late = make_enrollment(session, x, m1)  # paid from the wallet, after day 0 opened
        e, f, g, h = (make_enrollment(session, x) for _ in range(4))  # paid by card
    for enrollment in (e, f, g):
        pay_by_card(session, client, gateway, enrollment, at_local(x, -1, "13:00"))
    # h's member quits, then pays: the payment goes to the wallet; its dispute freezes the wallet
    # money and, won, gives it back.
    with travel(at_local(x, -1, "13:30")):
        give_intent(session, h, gateway, now=at_local(x, -1, "13:30"))
        enrollments.withdraw(session, h, now=at_local(x, -1, "13:30"))
        session.commit()
    deliver_at(client, lambda: succeeded(h), at_local(x, -1, "13:31"))
    deliver_at(client, dispute(h, "dp_wallet", "needs_response"), at_local(x, -1, "13:32"))
    deliver_at(client, dispute(h, "dp_wallet", "won"), at_local(x, -1, "13:33"))
    # q quits before day 0: the whole deposit back at once
    with travel(at_local(x, -1, "14:00")):
        enrollments.withdraw(session, q, now=at_local(x, -1, "14:00"))
        session.commit()
    # z quit before day 0 with its deposit still held (a quit that raced its payment): day 0's
    # opening gives it back
    z.status, z.withdrew_at = S.WITHDRAWN, at_local(x, -1, "14:00")
    session.commit()
    with travel(at_local(x, 0, "04:00")):
        member = session.get(Member, a.member_id)
        daymarks.declare_rest_day(session, a.id, member=member, day_index=0, now=at_local(x, 0, "04:00"))
        session.commit()
    paid_late = at_local(x, 0, "05:00") + timedelta(seconds=30)  # after the opening, before the sweep
    with travel(paid_late):
        deposits.pay_deposit_from_wallet(session, late, now=paid_late)
        session.commit()
    sweep_at(session, at_local(x, 0, "05:01"))  # opens both challenges
    for enrollment, dispute_id in ((e, "dp_e"), (f, "dp_f"), (g, "dp_g")):
        deliver_at(client, dispute(enrollment, dispute_id, "needs_response"), at_local(x, 0, "05:30"))
    with travel(at_local(nobody, 0, "06:00")):
        enrollments.withdraw(session, u2, now=at_local(nobody, 0, "06:00"))  # forfeited at settlement
        session.commit()
    make_checkin(session, b, 0)
    make_checkin(session, c, 0)
    # day 0: a rests, b and c share d's stake; u1 is eliminated, u2's quit forfeits, nobody finishes
    sweep_at(session, at_local(x, 0, "07:10"))
    with travel(at_local(x, 1, "04:00")):
        organizer = session.get(Member, x.created_by_id)
        daymarks.excuse_day(
            session, x.id, organizer=organizer, day_index=1, reason="the park was closed",
            now=at_local(x, 1, "04:00"),
        )  # fmt: skip
        session.commit()
    deliver_at(client, dispute(g, "dp_g", "lost"), at_local(x, 1, "04:30"))
    sweep_at(session, at_local(x, 1, "07:10"))  # day 1 excused
    deliver_at(client, dispute(e, "dp_e", "won"), at_local(x, 2, "04:00"))  # e takes part again
    # day 2, the last: nobody checks in, d is eliminated, e gets back the days it sat out, and
    # the pot is shared by the finishers
    sweep_at(session, at_local(x, 2, "07:10"))
    deliver_at(client, dispute(f, "dp_f", "won"), at_local(x, 3, "12:00"))  # after the end

    # A member's money out: three payments kept in the wallet, then refunds of every outcome.
    mr = make_member(session)
    for _ in range(3):
        kept = make_enrollment(session, open_challenge(session, deposit_minor=3000), mr)
        give_intent(session, kept, gateway, now=now_utc())
        kept.status = S.CANCELLED
        session.commit()
        assert deliver(client, succeeded(kept)).status_code == 200
    withdraw(session, gateway, mr, 1000)  # completed
    failed = withdraw(session, gateway, mr, 1000, deliver_events=False)
    assert deliver(client, refund_news(failed, "failed", session)).status_code == 200
    reversed_ = withdraw(session, gateway, mr, 1000)
    assert deliver(client, refund_news(reversed_, "failed", session)).status_code == 200
    with monkeypatch.context() as patch:

        def refuse(**_):
            raise RefundRefused("This charge has already been refunded.")

        patch.setattr(gateway, "refund", refuse)
        withdraw(session, gateway, mr, 1000)
    pi = kept.payment_intent_id
    outside = event("refund.updated", refund_obj("re_dashboard", pi, 500, "CNY", "succeeded"))
    assert deliver(client, outside).status_code == 200

    # A winner's payouts: one approved and paid, one approved and then refused.
    winner, admin = session.get(Member, b.member_id), make_member(session, is_admin=True)
    for amount, refuse in ((50, False), (20, True)):
        payout = payouts.request_payout(
            session, winner, amount_minor=amount, currency="CNY", destination="bank", now=now_utc()
        )
        payouts.approve_payout(session, payout.id, admin=admin, password=PASSWORD, now=now_utc())
        if refuse:
            payouts.refuse_payout(session, payout.id, admin=admin, reason="wrong account", now=now_utc())
        else:
            payouts.mark_paid(session, payout.id, admin=admin, reference="TX-1", now=now_utc())
        session.commit()

    session.expire_all()
    assert_books_clean(session)
    return World(x, session.get(Member, b.member_id))


@pytest.fixture
def world(session, client, gateway, monkeypatch) -> World:
    """(Overrides tests/web/conftest.py's small world with this one.)"""
    return write_everything(session, client, gateway, monkeypatch)


# -- reading it back -------------------------------------------------------------------------------


def wallet_rows(session):
    """(key, memo) of every transaction that posted to a member's wallet."""
    accounts = session.scalars(select(ledger.Account)).all()
    ids = [a.id for a in accounts if books.parse_code(a.code).kind == CodeKind.WALLET]
    T, P = ledger.LedgerTransaction, ledger.Posting
    return session.execute(
        select(T.key, T.memo).join(P, P.transaction_id == T.id).where(P.account_id.in_(ids)).distinct()
    ).all()


def wallet_entries(session) -> list[tuple[int, WalletEntry]]:
    """(member id, entry) of every posting on a member's wallet, as the wallet page reads it."""
    accounts = session.scalars(select(ledger.Account)).all()
    owners = {a.id: books.parse_code(a.code).member_id for a in accounts}
    wallets = [a.id for a in accounts if books.parse_code(a.code).kind == CodeKind.WALLET]
    T, P = ledger.LedgerTransaction, ledger.Posting
    rows = session.execute(
        select(T, P.account_id, P.amount_minor)
        .join(P, P.transaction_id == T.id)
        .where(P.account_id.in_(wallets))
    ).all()
    return [
        (owners[account], WalletEntry(t.occurred_at, t.currency, -int(amount), t.memo, t.key))
        for t, account, amount in rows
    ]


def line(app, locale: str, key: str, memo: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return wallet_entry_text(key, memo)


def page_line(app, session, locale: str, member_id: int, entry: WalletEntry):
    """The entry's line as the wallet page builds it: with its challenge's title and a winner's
    posting split by the receipts code."""
    with app.test_request_context(), force_locale(locale):
        title = challenge_titles([entry.key]).get(entry.key)
        parts = receipts.winner_parts(session, member_id, [entry.key]).get(entry.key)
        return wallet_line(entry, title=title, parts=parts), title, parts


def test_every_key_and_code_books_declares_was_written(session, world):
    keys = session.scalars(select(ledger.LedgerTransaction.key)).all()
    parsed = [books.parse_key(key) for key in keys]
    assert [p.key for p in parsed if p.kind == KeyKind.UNKNOWN] == []
    refund_keys = {books.parse_key(key).kind for key in session.scalars(select(Refund.key))}
    assert {p.kind for p in parsed} | refund_keys == set(books.KEY_FORMATS)
    assert {p.part for p in parsed} - {None} == {*SettleStep, *OpenStep, *DisputeStep, *PayoutStep}
    codes = [books.parse_code(code) for code in session.scalars(select(ledger.Account.code))]
    assert [c.code for c in codes if c.kind == CodeKind.UNKNOWN] == []
    assert {c.kind for c in codes} == set(books.CODE_FORMATS)


def test_every_wallet_movement_reads_back_as_its_own_line_in_english_and_chinese(app, session, world):
    rows = wallet_rows(session)
    written = set()
    for key, memo in rows:
        parsed = books.parse_key(key)
        assert parsed.move in books.WALLET_MOVES, key
        written.add(parsed.move)
        english, chinese = line(app, "en", key, memo), line(app, "zh_Hans", key, memo)
        assert english != memo and memo not in english, (key, english)
        assert chinese != memo and memo not in chinese, (key, chinese)
        assert chinese != english and not LATIN.search(chinese.replace("Streakpot", "")), (key, chinese)
        if parsed.day_index is not None:
            assert f"Day {parsed.day_index + 1}" in english, (key, english)
            assert f"第 {parsed.day_index + 1} 天" in chinese, (key, chinese)
    # every movement books says can touch a wallet was written above, and has its line
    assert written == books.WALLET_MOVES
    days = {books.parse_key(key).day_index for key, _ in rows} - {None}
    assert days == {0, 1, 2}


def test_the_wallet_lines_are_exactly_the_movements_that_touch_a_wallet():
    assert set(WALLET_LINES) == books.WALLET_MOVES


def test_a_key_books_cannot_read_falls_back_to_its_memo(app):
    assert line(app, "zh_Hans", "test:return:5", "test: deposit returned") == "test: deposit returned"


def test_every_wallet_entry_reads_on_the_page_in_words_with_its_amounts_and_its_source(app, session, world):
    """What the page shows for every posting on every member's wallet: the challenge by its
    title, days from 1, amounts in the currency's format, never the memo, and a settled day's
    line links to that day's statement."""
    entries = wallet_entries(session)
    winners = 0
    for member_id, entry in entries:
        parsed = books.parse_key(entry.key)
        (english, title, parts), (chinese, _, _) = (
            page_line(app, session, locale, member_id, entry) for locale in ("en", "zh_Hans")
        )
        for text in (english.text, chinese.text):
            words = text.replace(f"“{title}”", "") if title else text
            # no memo, and no amount in minor units (a title is the organizer's own text)
            assert entry.memo not in text and not re.search(r"\b\d{3,}\b", words), (entry.key, text)
        assert not LATIN.search(chinese.text.replace("Streakpot", "").replace(title or "", "")), chinese
        if parsed.challenge_id is not None or parsed.enrollment_id is not None:
            assert title and f"“{title}”" in english.text and f"“{title}”" in chinese.text, english
        if parsed.kind == KeyKind.SETTLE:
            assert english.href == f"/challenges/{parsed.challenge_id}/days/{parsed.day_index}"
        if parsed.move == (KeyKind.SETTLE, SettleStep.WINNERS):
            winners += 1
            stake, share = parts
            assert stake + share == entry.amount_minor and stake > 0
            with app.test_request_context():
                assert f"stake back CN¥{stake / 100:.2f}" in english.text, english.text
                assert f"份额返还 ¥{stake / 100:.2f}" in chinese.text, chinese.text
                if share:
                    assert f"+ share CN¥{share / 100:.2f}" in english.text, english.text
                    assert f"分得奖池 ¥{share / 100:.2f}" in chinese.text, chinese.text
    assert winners >= 2


def test_a_winners_line_is_split_as_the_receipt_splits_the_same_day(app, session, world):
    """The stake and the share a wallet line names are the figures of the winner's receipt for
    that day (receipts.enrollment_receipts), read from the same postings."""
    enrollment = session.scalar(
        select(Enrollment).where(
            Enrollment.challenge_id == world.challenge.id, Enrollment.member_id == world.winner.id
        )
    )
    day = next(r for r in receipts.enrollment_receipts(session, enrollment)["items"] if r["day_index"] == 0)
    key = books.settle_key(world.challenge.id, 0, SettleStep.WINNERS)
    assert receipts.winner_parts(session, world.winner.id, [key]) == {
        key: (day["returned_minor"], day["won_minor"])
    }
    assert day["won_minor"] > 0


def test_the_wallet_page_shows_a_winners_line_with_its_challenge_in_the_members_language(app, session, world):
    world.winner.locale = "zh_Hans"
    session.commit()
    client = app.test_client()
    log_in(client, world.winner)
    html = text_of(client.get("/wallet"))
    statement = f'href="/challenges/{world.challenge.id}/days/0"'
    assert f"“{TITLE}”第 1 天：份额返还 ¥1.00 + 分得奖池 ¥0.50" in html and statement in html
    assert not re.search(r"challenge \d+ day \d+", html)  # no memo
    world.winner.locale = "en"
    session.commit()
    html = text_of(client.get("/wallet"))
    assert f"Day 1 of “{TITLE}”: stake back CN¥1.00 + share CN¥0.50" in html and statement in html
    assert "Day 0" not in html and "day 0" not in html


def test_entries_name_their_challenge_through_the_enrollment_too(app, session, world):
    enrollment = session.scalars(
        select(Enrollment).where(Enrollment.challenge_id == world.challenge.id)
    ).first()
    keys = [books.deposit_key(enrollment.id), books.settle_key(world.challenge.id, 0, SettleStep.REST), "x"]
    with app.test_request_context():
        assert challenge_titles(keys) == {keys[0]: TITLE, keys[1]: TITLE}


def test_the_apis_wallet_entries_say_what_moved_without_the_memo(app, session, world):
    """The API keeps SPEC's 0-based day_index and minor units, and gives a client what it needs
    to write its own line: the kind and step, the challenge and day, and a winner's posting split
    into stake and share as the page splits it."""
    client = app.test_client()
    headers = auth_headers(session, world.winner, now=now_utc())
    body = client.get("/api/v1/me/wallet?per_page=100", headers=headers).get_json()
    won = [e for e in body["entries"] if (e["kind"], e["step"]) == ("settle", "winners")]
    day_one = next(e for e in won if e["day_index"] == 0)
    assert day_one["challenge_id"] == world.challenge.id and day_one["enrollment_id"] is None
    assert (day_one["stake_minor"], day_one["share_minor"], day_one["amount_minor"]) == (100, 50, 150)
    others = [e for e in body["entries"] if e not in won]
    assert others and all(e["stake_minor"] is None and e["share_minor"] is None for e in others)
    payout = next(e for e in body["entries"] if e["kind"] == "payout")
    assert payout["step"] in ("approve", "refuse") and payout["challenge_id"] is None
