"""The payout pages: a member asks from the wallet (confirming first) and reads every decision in
English and Chinese; site administrators decide on their page; anyone else finds no such page."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from habits.domain.payouts import PayoutStatus
from habits.models.payout import Payout
from habits.services import payouts
from habits.web.ledger_words import wallet_entry_text
from tests.factories import PASSWORD, make_member
from tests.payments.helpers import assert_books_clean
from tests.payouts.helpers import CCY, cash, pending, wallet
from tests.web.helpers import confirm, csrf_token, log_in, post_form, text_of


def field_token(html: str, payout_id: int) -> str:
    """The CSRF token of one payout's decision forms (their fields carry the payout's prefix)."""
    match = re.search(rf'name="p{payout_id}-csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no decision form for this payout"
    return match.group(1)


def decide(client, payout_id: int, kind: str, tab: str = "requested", **fields):
    """Post one decision from the administrators' page of ``tab`` (where its form is)."""
    page = text_of(client.get("/admin/payouts?status=" + ("approved" if kind == "paid" else tab)))
    data = {f"p{payout_id}-csrf_token": field_token(page, payout_id)}
    data.update({f"p{payout_id}-{name}": value for name, value in fields.items()})
    return client.post(f"/admin/payouts/{payout_id}/{kind}", data=data)


def ask_on_the_page(client, amount: str, destination="Alipay 138 0000 0000"):
    data = {"amount": amount, "currency": CCY, "destination": destination}
    shown = post_form(client, "/wallet/payout", data)
    return confirm(client, "/wallet/payout", shown)


def test_a_member_asks_from_the_wallet_after_confirming(client, session, money):
    log_in(client, money.winner)
    wallet_page = text_of(client.get("/wallet"))
    assert "Ask for a payout" in wallet_page and "/wallet/payout" in wallet_page
    form = text_of(client.get("/wallet/payout"))
    assert re.search(r'id="payout-ceiling">CN¥3\.00<', form)
    assert "can go back to the cards you paid with" in form  # the refundable part, explained
    shown = post_form(client, "/wallet/payout", {"amount": "3", "currency": CCY, "destination": "Alipay 1"})
    assert shown.status_code == 200 and "Ask for a payout of CN¥3.00?" in text_of(shown)
    assert session.query(Payout).count() == 0  # nothing asked before the confirmation
    done = confirm(client, "/wallet/payout", shown)
    assert done.status_code == 302 and done.headers["Location"].endswith("/wallet")
    payout = session.query(Payout).one()
    assert (payout.amount_minor, payout.destination) == (300, "Alipay 1")
    assert payout.status == PayoutStatus.REQUESTED
    page = text_of(client.get("/wallet"))
    assert "waiting for a decision" in page and "You asked for a payout of CN¥3.00" in page


def test_more_than_a_payout_can_take_is_marked_on_the_amount_in_the_members_language(client, session, money):
    money.winner.locale = "zh_Hans"
    session.commit()
    log_in(client, money.winner)
    response = ask_on_the_page(client, "3.01")
    page = text_of(response)
    assert response.status_code == 422
    assert "目前打款最多为 ¥3.00" in page and 'aria-invalid="true"' in page
    assert session.query(Payout).count() == 0


def test_a_blank_destination_is_marked_and_keeps_what_was_typed(client, money):
    log_in(client, money.winner)
    response = post_form(client, "/wallet/payout", {"amount": "2.50", "currency": CCY, "destination": "  "})
    page = text_of(response)
    assert response.status_code == 422 and "This field is required." in page and 'value="2.50"' in page


def test_a_currency_that_is_none_is_marked_not_a_500(client, money):
    log_in(client, money.winner)
    response = post_form(client, "/wallet/payout", {"amount": "1", "currency": "ZZZ", "destination": "bank"})
    assert response.status_code == 422 and "Choose a currency from the list." in text_of(response)


@pytest.mark.parametrize("signed_in", [True, False])
def test_every_administrators_page_is_a_404_to_anyone_else(client, session, money, signed_in):
    payout = payouts.request_payout(
        session, money.winner, amount_minor=100, currency=CCY, destination="bank", now=money.now
    )
    session.commit()
    token = {}
    if signed_in:
        log_in(client, make_member(session))
        token = {"csrf_token": csrf_token(client.get("/wallet").data)}
    for path in ("/admin/payouts", "/admin/payouts?status=approved", "/admin/payouts/pending.csv"):
        assert client.get(path).status_code == 404, path
    decisions = {"approve": {"password": PASSWORD}, "refuse": {"reason": "no"}, "paid": {"reference": "x"}}
    for kind, fields in decisions.items():
        data = {**token, **{f"p{payout.id}-{k}": v for k, v in fields.items()}}
        assert client.post(f"/admin/payouts/{payout.id}/{kind}", data=data).status_code == 404, kind
    session.refresh(payout)
    assert payout.status == PayoutStatus.REQUESTED


def test_an_administrator_approves_with_the_password_then_marks_paid(client, session, money):
    payout = payouts.request_payout(
        session, money.winner, amount_minor=300, currency=CCY, destination="ICBC 6222 0000", now=money.now
    )
    session.commit()
    cash_before = cash(session)
    log_in(client, money.admin)
    page = text_of(client.get("/admin/payouts"))
    assert "Wendy Winner" in page and "ICBC 6222 0000" in page and "Their wallet holds CN¥6.00 now." in page

    wrong = decide(client, payout.id, "approve", password="not it")
    assert wrong.status_code == 422
    assert "The current password is not right." in text_of(wrong)
    assert "Your password is not right: nothing was approved." in text_of(wrong)
    session.refresh(payout)
    assert payout.status == PayoutStatus.REQUESTED

    approved = decide(client, payout.id, "approve", password=PASSWORD, note="checked")
    assert approved.status_code == 302 and "status=approved" in approved.headers["Location"]
    paid = decide(client, payout.id, "paid", reference="TX 77")
    assert paid.status_code == 302 and "status=paid" in paid.headers["Location"]
    assert (wallet(session, money.winner.id), pending(session, money.winner.id), cash(session)) == (
        300,
        0,
        cash_before - 300,
    )
    shown = text_of(client.get("/admin/payouts?status=paid"))
    assert "reference TX 77" in shown and "Ada Admin" in shown
    assert_books_clean(session)


def test_a_blank_refusal_reason_is_marked_and_a_refusal_gives_the_money_back(client, session, money):
    payout = payouts.request_payout(
        session, money.winner, amount_minor=200, currency=CCY, destination="bank", now=money.now
    )
    payouts.approve_payout(session, payout.id, admin=money.admin, password=PASSWORD, now=money.now)
    session.commit()
    log_in(client, money.admin)
    page = text_of(client.get("/admin/payouts?status=approved"))
    data = {f"p{payout.id}-csrf_token": field_token(page, payout.id), f"p{payout.id}-reason": " "}
    blank = client.post(f"/admin/payouts/{payout.id}/refuse", data=data)
    assert blank.status_code == 422 and "This field is required." in text_of(blank)
    refused = decide(client, payout.id, "refuse", tab="approved", reason="The account is closed")
    assert refused.status_code == 302
    assert (wallet(session, money.winner.id), pending(session, money.winner.id)) == (600, 0)
    assert_books_clean(session)


def test_a_decision_without_its_token_changes_nothing(client, session, money):
    payout = payouts.request_payout(
        session, money.winner, amount_minor=100, currency=CCY, destination="bank", now=money.now
    )
    session.commit()
    log_in(client, money.admin)
    response = client.post(f"/admin/payouts/{payout.id}/approve", data={f"p{payout.id}-password": PASSWORD})
    assert response.status_code == 422
    session.refresh(payout)
    assert payout.status == PayoutStatus.REQUESTED


def test_the_member_reads_each_decision_in_english_and_chinese(app, client, session, money):
    paid = payouts.request_payout(
        session, money.winner, amount_minor=100, currency=CCY, destination="bank", now=money.now
    )
    payouts.approve_payout(session, paid.id, admin=money.admin, password=PASSWORD, now=money.now)
    payouts.mark_paid(session, paid.id, admin=money.admin, reference="TX-5", now=money.now)
    back = payouts.request_payout(
        session, money.winner, amount_minor=50, currency=CCY, destination="bank", now=money.now
    )
    payouts.approve_payout(session, back.id, admin=money.admin, password=PASSWORD, now=money.now)
    payouts.refuse_payout(session, back.id, admin=money.admin, reason="closed account", now=money.now)
    session.commit()
    log_in(client, money.winner)
    english = text_of(client.get("/wallet"))
    for line in (
        f"Payout #{paid.id} approved: this money is on its way to you",
        f"Payout #{back.id} refused: the money is back in your wallet",
        "reference TX-5",
        "Refused",
        "closed account",
    ):
        assert line in english, line
    money.winner.locale = "zh_Hans"
    session.commit()
    chinese = text_of(client.get("/wallet"))
    for line in (
        f"打款 #{paid.id} 已批准：这笔钱正在转给你",
        f"打款 #{back.id} 被拒绝：钱已回到你的钱包",
        "参考号 TX-5",
        "已拒绝",
        "已打款",
    ):
        assert line in chinese, line
    with app.test_request_context(), force_locale("zh_Hans"):
        assert "打款" in wallet_entry_text(f"payout:{paid.id}:approve", "memo")


def test_the_administrators_page_in_chinese_and_the_csv_download(client, session, money):
    payout = payouts.request_payout(
        session, money.winner, amount_minor=100, currency=CCY, destination="=cmd", now=money.now
    )
    payouts.approve_payout(session, payout.id, admin=money.admin, password=PASSWORD, now=money.now)
    money.admin.locale = "zh_Hans"
    session.commit()
    log_in(client, money.admin)
    page = text_of(client.get("/admin/payouts?status=approved"))
    assert "标记为已打款" in page and "你的转账参考号" in page and "下载待支付的已批准打款" in page
    download = client.get("/admin/payouts/pending.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert ",'=cmd," in download.get_data(as_text=True)
