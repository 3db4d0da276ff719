"""One confirmation step before money moves on a page (withdrawing, paying a deposit, leaving a
challenge, launching one). The API stays one call; this is for people.

The first POST of such a form answers with ``templates/confirm/money.html``: the amount exactly
as it was read, with the currency's sign, and what it does. Its button posts the same fields
again, plus ``confirm=yes`` and ``confirmed_minor``, the minor amount that was shown (CSRF
stays on: a fresh token, as in every form).

The confirming POST is read like the first one: the same form, the same parsing of the same
text, the same service checks; nothing trusted from the first step but the amount it showed.
Money moves only when the amount read now is the amount shown (``confirmed``); otherwise (the
language was switched in between, a settlement changed what is held, a hand-made request) the
page asks again. A signed field would add a second way in to keep in step with the first and
protect nothing the person could not type anyway.
"""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext

from habits.web.forms import EmptyForm
from habits.web.i18n import money

#: the fields of the step itself, never carried over as the form's own
CONTROLS = frozenset({"csrf_token", "confirm", "confirmed_minor", "change"})


def confirmed(amount_minor: int | None) -> bool:
    """This POST confirms exactly ``amount_minor`` (the amount the confirmation showed)."""
    return request.form.get("confirm") == "yes" and request.form.get("confirmed_minor") == str(amount_minor)


def wants_change() -> bool:
    """The person pressed "Change" on the confirmation: show the form again, filled in."""
    return request.method == "POST" and "change" in request.form


def render_confirmation(
    *,
    title: str,
    amount_minor: int | None,
    currency: str,
    what_it_does: list[str],
    confirm_label: str,
    back_url: str,
    facts: list[tuple[str, str]] | None = None,
    change_label: str | None = None,
    danger: bool = False,
):
    """The confirmation page for this POST; the fields it received go back as hidden fields."""
    if request.form.get("confirm") == "yes":
        flash(gettext("The amount is not the one you confirmed: please check it again."), "error")
    carried = [(name, value) for name, value in request.form.items(multi=True) if name not in CONTROLS]
    return render_template(
        "confirm/money.html",
        title=title,
        amount=money(amount_minor, currency) if amount_minor else None,
        amount_minor=amount_minor if amount_minor is not None else 0,
        what_it_does=what_it_does,
        facts=facts or [],
        confirm_label=confirm_label,
        change_label=change_label,
        back_url=back_url,
        danger=danger,
        carried=carried,
        form=EmptyForm(),
    )
