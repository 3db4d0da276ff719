"""My enrollment (status, money, per-day receipts), paying the deposit, quitting, rest days, and a
day's settlement statement. Paying and quitting ask to confirm first (``habits.web.confirm``)."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from habits.domain.calendar import day_date, day_window
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.stakes import daily_stakes
from habits.extensions import db
from habits.models import Challenge, Community
from habits.services import checkins, daymarks, deposits, enrollments, receipts, visibility, wallets
from habits.web import card_payment, web_bp
from habits.web.appeal_views import PostedAsk, member_panels
from habits.web.confirm import confirmed, render_confirmation
from habits.web.edge import attempt, gateway, me, page_arg, read, request_now
from habits.web.forms import EmptyForm, RestDayForm, choice
from habits.web.i18n import money

#: the demo's test card (Stripe's name for a card that pays)
DEMO_CARD = "pm_card_visa"
RECEIPTS_PER_PAGE = 400
STATEMENT_PER_PAGE = 200


def own_enrollment(enrollment_id: int):
    return enrollments.own_enrollment(db.session, enrollment_id, me())


def offline_payments() -> bool:
    return current_app.config["PAYMENTS_MODE"] == "offline" and hasattr(gateway(), "confirm_payment")


def wallet_holds(currency: str) -> int:
    balances = wallets.wallet_view(db.session, me(), page=1, per_page=1, now=request_now()).balances
    return next((b["available_minor"] for b in balances if b["currency"] == currency), 0)


def rest_day_choices(challenge: Challenge, enrollment) -> list:
    """Days whose window has not opened yet (rest days are declared before), at most 30 ahead."""
    if enrollment.status != EnrollmentStatus.ACTIVE or challenge.rest_days <= enrollment.rest_days_used:
        return []
    now = request_now()
    schedule = challenge.schedule()
    choices = []
    for k in range(challenge.settled_days, challenge.days):
        if day_window(schedule, k)[0] > now:
            choices.append(choice(k, gettext("Day %(day)s", day=k + 1)))
        if len(choices) >= 30:
            break
    return choices


def quittable(enrollment) -> bool:
    return enrollment.status in (EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.ACTIVE)


@web_bp.get("/enrollments/<id:enrollment_id>")
@login_required
def enrollment(enrollment_id: int):
    return render_enrollment(own_enrollment(enrollment_id))


def render_enrollment(enrollment, posted: PostedAsk | None = None, status: int = 200):
    """The member's enrollment page; ``posted``: an appeal form to show again with its errors."""
    challenge = db.session.get(Challenge, enrollment.challenge_id)
    community = db.session.get(Community, challenge.community_id)
    money_now = enrollments.enrollment_money(db.session, enrollment)
    days = receipts.enrollment_receipts(db.session, enrollment, page=1, per_page=RECEIPTS_PER_PAGE)
    today = read(checkins.today, enrollment)
    own, _ = checkins.own_check_ins(db.session, enrollment, page=1, per_page=RECEIPTS_PER_PAGE)
    rest_form = RestDayForm()
    rest_form.day.choices = rest_day_choices(challenge, enrollment)
    panels = member_panels(enrollment, back="enrollment", posted=posted)
    page = render_template(
        "enrollments/detail.html",
        enrollment=enrollment,
        challenge=challenge,
        community=community,
        money_now=money_now,
        receipts=days["items"],
        checkins={c.day_index: c for c in own},
        today=today,
        stakes=daily_stakes(enrollment.deposit_minor, challenge.days),
        rest_form=rest_form,
        quit_form=EmptyForm() if quittable(enrollment) else None,
        before_start=request_now() < challenge.day_zero_opens_at,
        appeal_panels=panels,
        voided_today=today.check_in_voided,
    )
    return page, status


@web_bp.route("/enrollments/<id:enrollment_id>/pay", methods=["GET", "POST"])
@login_required
def pay(enrollment_id: int):
    enrollment = own_enrollment(enrollment_id)
    challenge = db.session.get(Challenge, enrollment.challenge_id)
    if card_payment.returned_with_secret():
        return redirect(card_payment.address_without_secret(enrollment))
    if enrollment.status != EnrollmentStatus.PENDING_PAYMENT:
        card_payment.flash_if_just_paid(enrollment)
        return redirect(url_for("web.enrollment", enrollment_id=enrollment.id))
    form = EmptyForm()
    if form.validate_on_submit():
        method = request.form.get("method")
        if method not in ("wallet", "card") or (method == "card" and not offline_payments()):
            abort(400)
        if not confirmed(enrollment.deposit_minor):
            return _confirm_payment(enrollment, challenge, method)
        if method == "wallet":
            outcome = attempt(deposits.start_deposit, enrollment, gateway=gateway(), pay_from_wallet=True)
            if outcome.ok:
                flash(gettext("Deposit paid from your wallet. You are in!"))
                return redirect(url_for("web.enrollment", enrollment_id=enrollment.id))
        elif _pay_with_demo_card(enrollment):
            return redirect(url_for("web.enrollment", enrollment_id=enrollment.id))
    card = card_payment.prepare(enrollment)
    page = render_template(
        "enrollments/pay.html",
        enrollment=enrollment,
        challenge=challenge,
        form=form,
        offline=offline_payments(),
        card=card,
        came_back_failed=card_payment.came_back_failed(),
        wallet_minor=wallet_holds(enrollment.currency),
    )
    return card_payment.protect(make_response(page), card)


def _confirm_payment(enrollment, challenge: Challenge, method: str):
    currency = enrollment.currency
    amount = money(enrollment.deposit_minor, currency)
    stake = daily_stakes(enrollment.deposit_minor, challenge.days)[0]
    if method == "wallet":
        how = gettext(
            "It is taken from your wallet, which holds %(amount)s.",
            amount=money(wallet_holds(currency), currency),
        )
    else:
        how = gettext("It is charged to the demo card: no real card is charged on this server.")
    return render_confirmation(
        title=gettext("Pay the deposit of %(amount)s?", amount=amount),
        amount_minor=enrollment.deposit_minor,
        currency=currency,
        what_it_does=[
            how,
            gettext(
                "You are then in “%(title)s”: each day you check in, %(stake)s comes back to your wallet; "
                "a missed day's stake goes to the pot.",
                title=challenge.title,
                stake=money(stake, currency),
            ),
        ],
        confirm_label=gettext("Pay %(amount)s", amount=amount),
        back_url=url_for("web.pay", enrollment_id=enrollment.id),
    )


def _pay_with_demo_card(enrollment) -> bool:
    """The offline mode's card: a signed payment_intent.succeeded through the webhook path (the
    same function as POST /webhooks/stripe), exactly as the API's offline confirm route does."""
    if not enrollment.payment_intent_id:
        outcome = attempt(deposits.start_deposit, enrollment, gateway=gateway(), pay_from_wallet=False)
        if not outcome.ok:
            return False
    result = gateway().confirm_payment(db.session, enrollment, card=DEMO_CARD, now=request_now())
    db.session.refresh(enrollment)
    if result.status_code < 300 and enrollment.status == EnrollmentStatus.ACTIVE:
        flash(
            gettext(
                "Deposit of %(amount)s paid. You are in!",
                amount=money(enrollment.deposit_minor, enrollment.currency),
            )
        )
        return True
    if enrollment.payment_error:
        flash(enrollment.payment_error, "error")
    else:
        flash(gettext("The payment did not go through; please try again."), "error")
    return False


@web_bp.post("/enrollments/<id:enrollment_id>/quit")
@login_required
def quit_challenge(enrollment_id: int):
    enrollment = own_enrollment(enrollment_id)
    if not EmptyForm().validate_on_submit() or not quittable(enrollment):
        return redirect(url_for("web.enrollment", enrollment_id=enrollment.id))
    challenge = db.session.get(Challenge, enrollment.challenge_id)
    started = request_now() >= challenge.day_zero_opens_at
    held = enrollments.enrollment_money(db.session, enrollment)["held_minor"]
    if not confirmed(held):
        return _confirm_quit(enrollment, challenge, held, started=started)
    before = enrollment.status
    outcome = attempt(enrollments.withdraw, enrollment)
    if outcome.ok and before != outcome.value.status:
        if before == EnrollmentStatus.PENDING_PAYMENT:
            flash(gettext("You left the challenge. Nothing was paid, so nothing is owed."))
        elif not started:
            flash(gettext("You left the challenge: your whole deposit is back in your wallet."))
        else:
            flash(
                gettext(
                    "You left the challenge: the rest of your deposit goes to the pot at the next settlement."
                )
            )
    return redirect(url_for("web.enrollment", enrollment_id=enrollment.id))


def _confirm_quit(enrollment, challenge: Challenge, held: int, *, started: bool):
    amount = money(held, enrollment.currency)
    if enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
        does = gettext("Nothing has been paid: you can leave at no cost.")
    elif not held:
        does = gettext("None of your deposit is held any more: leaving moves no money.")
    elif not started:
        does = gettext(
            "The challenge has not started: your whole deposit, %(amount)s, goes back to your wallet.",
            amount=amount,
        )
    else:
        does = gettext(
            "The challenge has started: the rest of your deposit, %(amount)s, goes to the pot at the next "
            "settlement. It does not come back.",
            amount=amount,
        )
    return render_confirmation(
        title=gettext("Leave “%(title)s”?", title=challenge.title),
        amount_minor=held,
        currency=enrollment.currency,
        what_it_does=[
            does,
            gettext("You cannot join this challenge again.")
            if started
            else gettext("You may join again while joining is open, with a new deposit."),
        ],
        confirm_label=gettext("Leave the challenge"),
        back_url=url_for("web.enrollment", enrollment_id=enrollment.id),
        danger=started,
    )


@web_bp.post("/enrollments/<id:enrollment_id>/rest-days")
@login_required
def rest_day(enrollment_id: int):
    enrollment = own_enrollment(enrollment_id)
    challenge = db.session.get(Challenge, enrollment.challenge_id)
    form = RestDayForm()
    form.day.choices = rest_day_choices(challenge, enrollment)
    if form.validate_on_submit():
        outcome = attempt(daymarks.declare_rest_day, enrollment.id, member=me(), day_index=form.day.data)
        if outcome.ok:
            flash(gettext("Day %(day)s is a rest day: its stake comes back to you.", day=form.day.data + 1))
    else:
        flash(gettext("Choose a day whose window has not opened yet."), "error")
    return redirect(url_for("web.enrollment", enrollment_id=enrollment.id))


@web_bp.get("/challenges/<id:challenge_id>/days/<day:day_index>")
@login_required
def statement(challenge_id: int, day_index: int):
    """A settled day's statement, for members of the challenge's community (visibility)."""
    challenge = visibility.visible_challenge(db.session, challenge_id, me())
    if not 0 <= day_index < challenge.days:
        abort(404)
    page = page_arg()
    mine = enrollments.enrollment_of(db.session, challenge.id, me().id)
    # the reader's own lines first: what they came to read
    body = receipts.day_statement(
        db.session,
        challenge.id,
        day_index,
        page=page,
        per_page=STATEMENT_PER_PAGE,
        first=mine.id if mine is not None else None,
    )
    my_receipt = None
    if mine is not None and mine.held_account_id is not None:
        mine_days = receipts.enrollment_receipts(db.session, mine, page=1, per_page=RECEIPTS_PER_PAGE)
        my_receipt = next((r for r in mine_days["items"] if r["day_index"] == day_index), None)
    schedule = challenge.schedule()
    return render_template(
        "enrollments/statement.html",
        challenge=challenge,
        day_index=day_index,
        s=body,
        mine=mine,
        my_receipt=my_receipt,
        local_date=day_date(schedule, day_index),
        page=page,
        pages=max(1, -(-body["total"] // STATEMENT_PER_PAGE)),
    )
