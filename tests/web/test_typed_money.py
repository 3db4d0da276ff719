"""Money typed by people (issue 13): amounts are bounded before any conversion, read strictly in
the page's locale, refused when ambiguous, and confirmed as read before money moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import habits.web.amounts
import ledger
from habits import books
from habits.api.schemas.challenges import MAX_DEPOSIT_MINOR
from habits.api.wallets import WithdrawalCreateSchema
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, Enrollment, Withdrawal
from habits.web import forms
from habits.web.amounts import MAX_CHARS, AmountRefused, read_amount
from habits.web.i18n import money
from tests.factories import at_local, make_enrollment
from tests.timehelpers import travel
from tests.web.helpers import confirm, csrf_token, log_in, post_form, text_of
from tests.web.test_organizer_pages import GOOD_RULES

GIFTED_AT = datetime(2026, 2, 1, tzinfo=UTC)


def gift(session, member, amount, currency):
    """Money in the member's wallet (like winnings): no card charge can take it back."""
    cash = books.open_account(session, books.processor_cash(currency))
    wallet = books.open_account(session, books.wallet(member.id, currency))
    ledger.post(
        session,
        key=f"test-gift:{member.id}:{currency}:{amount}",
        currency=currency,
        legs=[ledger.Leg(cash, amount), ledger.Leg(wallet, -amount)],
        memo="test: winnings",
        occurred_at=GIFTED_AT,
    )
    session.commit()


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def never_converts(monkeypatch):
    """The reader's conversions (Babel's parse, Decimal) fail the test if they are reached."""

    def forbidden(*args, **kwargs):
        raise AssertionError(f"converted {args!r}")

    monkeypatch.setattr(habits.web.amounts, "parse_decimal", forbidden)
    monkeypatch.setattr(habits.web.amounts, "Decimal", forbidden)


# -- the bound comes first ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1e600000", "not_a_number"),
        ("1e1000000", "not_a_number"),
        ("1E5", "not_a_number"),
        ("9" * 100_000, "too_long"),
        ("1" * (MAX_CHARS + 1), "too_long"),
        ("1" * 21, "too_large"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("-5", "negative"),
        ("\u22125", "negative"),
        ("－5", "negative"),
        ("+5", "not_a_number"),
        ("0x10", "not_a_number"),
        ("€5", "not_a_number"),
    ],
)
def test_text_that_is_not_a_plain_amount_is_refused_before_any_conversion(app, never_converts, text, code):
    with app.test_request_context("/"), pytest.raises(AmountRefused) as refused:
        read_amount(text, "USD")
    assert refused.value.code == code


def test_the_spy_sees_a_conversion_when_there_is_one(app, never_converts):
    with app.test_request_context("/"), pytest.raises(AssertionError, match="converted"):
        read_amount("70.50", "USD")


def test_a_huge_exponent_on_the_pages_is_a_field_error_without_conversion(
    client, session, world, never_converts
):
    gift(session, world.bystander, 1000, "USD")
    log_in(client, world.bystander)
    for amount in ("1e1000000", "1e600000"):
        response = post_form(client, "/wallet", {"amount": amount, "currency": "USD"})
        assert response.status_code == 422
        assert "Write the amount in USD with digits only, e.g. 70.50." in text_of(response)
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        url = f"/communities/{world.community.id}/challenges/new"
        response = post_form(client, url, {**GOOD_RULES, "deposit": "1e1000000"})
    assert response.status_code == 422 and "with digits only" in text_of(response)
    assert _count(session, Withdrawal) == 0


# -- read strictly, in the page's locale ---------------------------------------------------------


def test_one_comma_zero_dollars_is_ambiguous_not_ten_dollars(client, session, world):
    gift(session, world.bystander, 2000, "USD")
    log_in(client, world.bystander)
    response = post_form(client, "/wallet", {"amount": "1,0", "currency": "USD"})
    assert response.status_code == 422
    assert "“1,0” could be read as $10.00 or $1.00." in text_of(response)
    assert _count(session, Withdrawal) == 0


def test_a_deposit_of_70_comma_50_is_ambiguous_not_7050_yuan(client, session, world):
    before = _count(session, Challenge)
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        url = f"/communities/{world.community.id}/challenges/new"
        response = post_form(client, url, {**GOOD_RULES, "deposit": "70,50"})
    assert response.status_code == 422
    assert "“70,50” could be read as CN¥7,050.00 or CN¥70.50." in text_of(response)
    assert _count(session, Challenge) == before


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("70.505", "CNY", "CNY amounts have at most 2 decimals."),
        ("70.5", "JPY", "JPY amounts are whole numbers: no decimals."),
        ("0", "CNY", "Write an amount above zero."),
        ("100000001", "CNY", "At most CN¥100,000,000.00."),
        ("", "CNY", "Write an amount in CNY, e.g. 70.50."),
    ],
)
def test_deposits_the_currency_cannot_hold_are_refused(client, session, world, amount, currency, message):
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        url = f"/communities/{world.community.id}/challenges/new"
        response = post_form(client, url, {**GOOD_RULES, "deposit": amount, "currency": currency})
    assert response.status_code == 422 and message in text_of(response)


@pytest.mark.parametrize("currency", ["USD\n", "ZZZ", "usd", "KWD"])
def test_the_launch_form_takes_only_a_currency_of_its_menu(client, session, world, currency):
    before = _count(session, Challenge)
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        url = f"/communities/{world.community.id}/challenges/new"
        response = post_form(client, url, {**GOOD_RULES, "currency": currency})
    assert response.status_code == 422 and "Choose a currency from the list." in text_of(response)
    assert _count(session, Challenge) == before


def test_the_menu_offers_the_tables_currencies(client, session, world):
    log_in(client, world.organizer)
    page = text_of(client.get(f"/communities/{world.community.id}/challenges/new"))
    assert '<option selected value="CNY">CNY (¥)</option>' in page
    assert '<option value="HUF">HUF (Ft)</option>' in page and 'value="KWD"' not in page


def test_the_forms_limits_are_the_apis():
    assert forms.MAX_DEPOSIT_MINOR == MAX_DEPOSIT_MINOR
    ranges = [v for v in WithdrawalCreateSchema().fields["amount_minor"].validators if hasattr(v, "max")]
    assert [r.max for r in ranges] == [forms.MAX_WITHDRAWAL_MINOR]


def test_amounts_are_formatted_with_the_processors_exponent(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert money(150000, "HUF") == "HUF1,500.00"  # Babel alone: HUF150,000 (100x)
        assert money(7_000_000, "IDR") == "IDR70,000.00"
        assert money(7000, "JPY") == "¥7,000"
        assert read_amount("1,500", "HUF") == 150000 and read_amount("70,000.5", "IDR") == 7_000_050
        assert read_amount("¥70.5", "CNY") == 7050 and read_amount("７０．５０", "CNY") == 7050


# -- confirmed as read before money moves ---------------------------------------------------------


def test_a_launch_is_confirmed_with_the_deposit_as_read(client, session, world):
    before = _count(session, Challenge)
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        url = f"/communities/{world.community.id}/challenges/new"
        asked = post_form(client, url, {**GOOD_RULES, "deposit": "70.50"})
        assert 'id="confirm-amount">CN¥70.50</p>' in text_of(asked)
        assert "pays a deposit of CN¥70.50" in text_of(asked) and "Launch at CN¥70.50" in text_of(asked)
        assert _count(session, Challenge) == before  # nothing launched yet
        changed = confirm(client, url, asked, change="1")
        assert changed.status_code == 200 and 'value="70.50"' in text_of(changed)
        assert _count(session, Challenge) == before
        response = confirm(client, url, asked)
    assert response.status_code == 302
    challenge = session.scalar(select(Challenge).where(Challenge.title == GOOD_RULES["title"]))
    assert (challenge.deposit_minor, challenge.currency) == (7050, "CNY")


def test_the_chinese_page_confirms_with_its_own_sign(client, session, world):
    world.organizer.locale = "zh_Hans"
    session.commit()
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        asked = post_form(
            client, f"/communities/{world.community.id}/challenges/new", {**GOOD_RULES, "deposit": "70.50"}
        )
    assert 'id="confirm-amount">¥70.50</p>' in text_of(asked) and "以 ¥70.50 发起" in text_of(asked)


def test_a_withdrawal_moves_only_the_amount_that_was_shown(client, session, world):
    gift(session, world.bystander, 2000, "USD")
    log_in(client, world.bystander)
    asked = post_form(client, "/wallet", {"amount": "10", "currency": "USD"})
    assert "Withdraw $10.00?" in text_of(asked) and "Your wallet holds $20.00." in text_of(asked)
    assert _count(session, Withdrawal) == 0
    # a confirmation of another amount (a hand-made request, or the text read differently) asks again
    again = confirm(client, "/wallet", asked, confirmed_minor="100")
    assert again.status_code == 200 and "The amount is not the one you confirmed" in text_of(again)
    assert _count(session, Withdrawal) == 0
    # the token is checked on the confirmation too
    fields = {"amount": "10", "currency": "USD", "confirm": "yes", "confirmed_minor": "1000"}
    assert client.post("/wallet", data=fields).status_code == 400
    assert _count(session, Withdrawal) == 0


def test_paying_asks_first_and_pays_nothing_until_confirmed(client, session, world):
    enrollment = make_enrollment(session, world.challenge, world.bystander)
    gift(session, world.bystander, 9000, "CNY")
    with travel(world.challenge.day_zero_opens_at - timedelta(days=1)):
        log_in(client, world.bystander)
        url = f"/enrollments/{enrollment.id}/pay"
        page = client.get(url)
        asked = client.post(url, data={"csrf_token": csrf_token(page.data), "method": "wallet"})
        assert "Pay the deposit of CN¥70.00?" in text_of(asked) and "Pay CN¥70.00" in text_of(asked)
        session.refresh(enrollment)
        assert enrollment.status == EnrollmentStatus.PENDING_PAYMENT
        confirm(client, url, asked)
    session.refresh(enrollment)
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.paid_from_wallet


def test_leaving_a_running_challenge_says_what_goes_to_the_pot_first(client, session, world):
    with travel(at_local(world.challenge, 1, "09:00")):
        log_in(client, world.member)
        url = f"/enrollments/{world.enrollment.id}/quit"
        page = client.get(f"/enrollments/{world.enrollment.id}")
        asked = client.post(url, data={"csrf_token": csrf_token(page.data)})
        assert "the rest of your deposit, CN¥70.00, goes to the pot at the next settlement" in text_of(asked)
        session.refresh(world.enrollment)
        assert world.enrollment.status == EnrollmentStatus.ACTIVE
        response = confirm(client, url, asked)
    assert response.status_code == 302
    session.refresh(world.enrollment)
    assert world.enrollment.status == EnrollmentStatus.WITHDRAWN
    assert session.scalar(select(Enrollment.withdrew_at).where(Enrollment.id == world.enrollment.id))


@pytest.mark.parametrize("fee", ["1e1000000", "1e600000", "100.01", "-1", "2.555", "NaN"])
def test_a_fee_that_is_not_a_plain_percentage_is_a_field_error(client, session, world, fee):
    before = _count(session, Challenge)
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        response = post_form(
            client, f"/communities/{world.community.id}/challenges/new", {**GOOD_RULES, "fee_percent": fee}
        )
    assert response.status_code == 422
    assert "A percentage from 0 to 100, with at most two decimals." in text_of(response)
    assert _count(session, Challenge) == before


@pytest.mark.parametrize(("fee", "bps"), [("2.5", 250), ("2.5%", 250), ("0", 0), ("100", 10000), (".5", 50)])
def test_a_fee_is_read_to_the_basis_point(client, session, world, fee, bps):
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        url = f"/communities/{world.community.id}/challenges/new"
        asked = post_form(client, url, {**GOOD_RULES, "fee_percent": fee})
        assert confirm(client, url, asked).status_code == 302
    assert session.scalar(select(Challenge.fee_bps).where(Challenge.title == GOOD_RULES["title"])) == bps
