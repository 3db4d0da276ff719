"""Flask-WTF forms of the pages. Every label and message is translatable (lazy_gettext).

Forms check each field alone (required, number and time formats, the API schema's ranges);
the rules that judge fields together (window order, deposit against days, rest days...) have
one home, the service, whose coded field errors land on the same fields, translated
(``edge.attach_field_errors``, ``refusals.FIELD_MESSAGES``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from habits.domain import currencies
from habits.domain import entry as entry_rules
from habits.domain.calendar import MAX_DAYS, parse_hhmm
from habits.domain.squads import DEFAULT_CAP as DEFAULT_SQUAD_SIZE
from habits.services.checkins.evidence import value_text_problem

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None
from habits.web.amounts import AmountRefused, read_amount, read_percent_bps, refusal_message
from habits.web.i18n import SUPPORTED, money
from habits.web.zone_picker import ZoneField

REQUIRED = _l("This field is required.")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: the API's limits (habits.api.schemas.challenges.MAX_DEPOSIT_MINOR, habits.api.wallets), which
#: the pages may not import; a test holds them equal
MAX_DEPOSIT_MINOR = 10_000_000_000
MAX_WITHDRAWAL_MINOR = 10**12
#: offered in the zone menus; the register page also offers the phone's own zone (a little JS)
COMMON_ZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Moscow",
    "Africa/Lagos",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
]


def choice(value, label=None):
    """One option of a select, in the shape the installed WTForms prefers."""
    label = value if label is None else label
    return SelectChoice(value, label) if SelectChoice is not None else (value, label)


def required():
    return DataRequired(message=REQUIRED)


def length(maximum: int, minimum: int = -1):
    if minimum > 0:
        return Length(min=minimum, max=maximum, message=_l("Between %(min)d and %(max)d characters."))
    return Length(max=maximum, message=_l("At most %(max)d characters."))


def integer_range(low: int, high: int):
    return NumberRange(min=low, max=high, message=_l("A whole number from %(min)s to %(max)s."))


class TranslatedIntegerField(IntegerField):
    """An integer field whose "not a number" message is ours (and so translated)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Write a whole number, e.g. 7.")) from None

    def pre_validate(self, form):
        # "not a whole number" says it all: the range check would only repeat it
        if self.process_errors:
            raise StopValidation()


class TranslatedDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Write a date as YYYY-MM-DD.")) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def currency_choice(code: str):
    """A currency menu's option: ``CNY (¥)``."""
    return choice(code, f"{code} ({currencies.get(code).symbol})")


def offer_held_currencies(form, balances) -> list[str]:
    """Put the currencies a wallet holds (``balances`` of its view; CNY when it holds none) on
    ``form``'s currency menu, the first chosen when nothing is; the currencies, in menu order."""
    held = [b["currency"] for b in balances if currencies.is_currency(b["currency"])] or ["CNY"]
    form.currency.choices = [currency_choice(code) for code in held]
    if not form.currency.data or form.currency.data == "None":
        form.currency.data = held[0]
    return held


CHOOSE_CURRENCY = _l("Choose a currency from the list.")


class CurrencyField(SelectField):
    """One of the menu's currencies, each exactly a code of ``habits.domain.currencies``."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_choice_message", CHOOSE_CURRENCY)
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if not currencies.is_currency(self.data):
            raise StopValidation(CHOOSE_CURRENCY)
        super().pre_validate(form)


def read_amount_field(field, currency_code, *, maximum_minor: int) -> int:
    """``field``'s text as minor units of the currency (``habits.web.amounts``), positive and at
    most ``maximum_minor``; a ValidationError that says how the text was read otherwise. An
    unknown currency stops here: the currency's own field says what is wrong."""
    currency = currencies.lookup(currency_code)
    if currency is None:
        raise StopValidation()
    try:
        minor = read_amount(field.data, currency)
    except AmountRefused as refusal:
        raise ValidationError(refusal_message(refusal, currency)) from None
    if minor <= 0:
        raise ValidationError(_l("Write an amount above zero."))
    if minor > maximum_minor:
        raise ValidationError(_l("At most %(max)s.", max=money(maximum_minor, currency.code)))
    return minor


#: a zone field's check (habits/web/zone_picker.py): the zone's own name goes in ``field.data``
validate_zone = ZoneField(_l("Choose a time zone from the list (e.g. Asia/Shanghai)."))


def validate_hhmm(form, field):
    try:
        parse_hhmm((field.data or "").strip())
    except ValueError:
        raise ValidationError(_l("Write a time as HH:MM, from 00:00 to 24:00 (e.g. 06:30).")) from None
    field.data = field.data.strip()


# -- accounts ---------------------------------------------------------------------------------


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Your name (shown to your groups)"), [required(), length(80)])
    email = StringField(_l("Email"), [required(), length(254)])
    # InputRequired, not DataRequired (which calls spaces "missing"): the service says why not
    password = PasswordField(
        _l("Password (at least 8 characters)"), [InputRequired(message=REQUIRED), length(128, 8)]
    )
    timezone = StringField(_l("Your time zone"), [required(), validate_zone], default="UTC")
    #: the version of the terms in force, sent by its checkbox (templates/auth/_accept_terms.html);
    #: the sign-up service judges it (habits.services.terms)
    terms_version = IntegerField(validators=[Optional()])

    def validate_email(self, field):
        if not EMAIL.match(field.data.strip()):
            raise ValidationError(_l("Write an email address like name@example.com."))


class LoginForm(FlaskForm):
    email = StringField(_l("Email"), [required(), length(254)])
    password = PasswordField(_l("Password"), [required(), length(128)])
    remember = BooleanField(_l("Keep me signed in on this phone"), default=True)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), [required(), length(128)])
    new_password = PasswordField(
        _l("New password (at least 8 characters)"), [InputRequired(message=REQUIRED), length(128, 8)]
    )


class LanguageForm(FlaskForm):
    locale = HiddenField(validators=[required()])
    next = HiddenField()

    def validate_locale(self, field):
        if field.data not in SUPPORTED:
            raise ValidationError(_l("Unknown language."))


class EmptyForm(FlaskForm):
    """A button with its CSRF token and nothing else (log out, join, quit...)."""


# -- communities ------------------------------------------------------------------------------


class CommunityForm(FlaskForm):
    name = StringField(_l("Name"), [required(), length(120)])
    theme = SelectField(
        _l("Theme"),
        choices=[
            choice("early-rise", _l("Early rise")),
            choice("running", _l("Running")),
            choice("reading", _l("Reading")),
            choice("custom", _l("Custom")),
        ],
        validators=[required()],
    )
    description = TextAreaField(_l("What is this community about?"), [Optional(), length(5000)])
    rules_text = TextAreaField(_l("House rules"), [Optional(), length(5000)])
    invite_only = BooleanField(_l("By invitation: joining needs a code (we make one for you)"))
    form_questions = TextAreaField(
        _l("Registration questions, one per line (city, goal, how you heard of us...)"),
        [Optional(), length(2000)],
    )
    approval = BooleanField(_l("New members wait for an organizer's approval"))

    def form_fields(self) -> list[dict]:
        """The registration questions as required text fields (choices, numbers and a quiz are
        set on the community's entry settings page)."""
        labels = [" ".join(line.split())[:200] for line in (self.form_questions.data or "").splitlines()]
        fields, taken = [], set()
        for position, label in enumerate([label for label in labels if label][: entry_rules.MAX_FIELDS], 1):
            key = entry_rules.key_for(label, taken, position)
            taken.add(key)
            fields.append({"key": key, "label": label, "kind": "text", "required": True})
        return fields


class JoinCommunityForm(FlaskForm):
    invite_code = StringField(_l("Invite code"), [Optional(), length(64)])


# -- challenges -------------------------------------------------------------------------------


class ChallengeForm(FlaskForm):
    title = StringField(_l("Title"), [required(), length(120)])
    description = TextAreaField(_l("Description"), [Optional(), length(5000)])
    timezone = StringField(_l("Time zone of the rules"), [required(), validate_zone], default="Asia/Shanghai")
    start_date = TranslatedDateField(_l("Start date (day 1)"), [InputRequired(message=REQUIRED)])
    days = TranslatedIntegerField(
        _l("Number of days"), [InputRequired(message=REQUIRED), integer_range(1, MAX_DAYS)], default=7
    )
    window_open = StringField(
        _l("Check-in window opens (HH:MM)"), [required(), validate_hhmm], default="05:00"
    )
    window_close = StringField(
        _l("Check-in window closes (HH:MM, 24:00 is midnight)"), [required(), validate_hhmm], default="07:00"
    )
    currency = CurrencyField(
        _l("Currency"), choices=[currency_choice(code) for code in currencies.CODES], default="CNY"
    )
    deposit = StringField(_l("Deposit"), default="70")
    max_misses = TranslatedIntegerField(
        _l("Misses allowed before elimination"),
        [InputRequired(message=REQUIRED), integer_range(0, MAX_DAYS)],
        default=1,
    )
    min_participants = TranslatedIntegerField(
        _l("Fewest participants to start"),
        [InputRequired(message=REQUIRED), integer_range(1, 1_000_000)],
        default=2,
    )
    fee_percent = StringField(_l("Platform fee on the pot (%)"), [required()], default="0")
    split = SelectField(
        _l("How the pot is shared"),
        choices=[choice("equal", _l("Equal shares")), choice("random", _l("Random shares (lucky draw)"))],
        default="equal",
    )
    review_minutes = TranslatedIntegerField(
        _l("Minutes to review check-ins after the window closes"),
        [InputRequired(message=REQUIRED), integer_range(0, 1440)],
        default=10,
    )
    rest_days = TranslatedIntegerField(
        _l("Rest days each member may take"),
        [InputRequired(message=REQUIRED), integer_range(0, MAX_DAYS)],
        default=0,
    )
    requires_photo = BooleanField(_l("Each check-in needs a photo"))
    requires_code_word = BooleanField(
        _l("Each check-in needs the day's code word (in the note or the photo)")
    )
    value_label = StringField(
        _l("What the number measures (km, pages...), optional"), [Optional(), length(32)]
    )
    squads = BooleanField(_l("Squads: place members in groups when day 1 opens"))
    #: pre-filled with 150 (Dunbar's number); read only when squads are on
    squad_size = TranslatedIntegerField(
        _l("Members per squad"), [Optional(), integer_range(2, 500)], default=DEFAULT_SQUAD_SIZE
    )
    flash = BooleanField(_l("Flash challenge: 1 to 3 days, open to anyone who can see the community"))

    deposit_minor: int | None = None
    fee_bps: int | None = None

    def validate_deposit(self, field):
        self.deposit_minor = read_amount_field(field, self.currency.data, maximum_minor=MAX_DEPOSIT_MINOR)

    def validate_fee_percent(self, field):
        # read without Decimal: "1e1000000" overflowed the multiplication (a 500)
        self.fee_bps = read_percent_bps(field.data)
        if self.fee_bps is None:
            raise ValidationError(_l("A percentage from 0 to 100, with at most two decimals."))

    def rules(self) -> dict:
        """The rules in the services' shape (the API's field names)."""
        return {
            "title": self.title.data.strip(),
            "description": self.description.data or "",
            "timezone": self.timezone.data.strip(),
            "start_date": self.start_date.data,
            "days": self.days.data,
            "window_open": self.window_open.data,
            "window_close": self.window_close.data,
            "deposit_minor": self.deposit_minor,
            "currency": self.currency.data,
            "max_misses": self.max_misses.data,
            "min_participants": self.min_participants.data,
            "fee_bps": self.fee_bps,
            "split": self.split.data,
            "review_minutes": self.review_minutes.data,
            "rest_days": self.rest_days.data,
            "requires_photo": bool(self.requires_photo.data),
            "requires_code_word": bool(self.requires_code_word.data),
            "value_label": (self.value_label.data or "").strip() or None,
            "squad_size": (self.squad_size.data or DEFAULT_SQUAD_SIZE) if self.squads.data else 0,
            "flash": bool(self.flash.data),
        }


class RegroupForm(FlaskForm):
    strategy = SelectField(
        _l("How"),
        choices=[
            choice("match", _l("Match again by answers (region, age, goal)")),
            choice("activity", _l("Move those who missed most of the last 7 days to a fresh squad")),
            choice("split", _l("Split the chosen squads")),
            choice("merge", _l("Merge the chosen squads")),
            choice("shuffle", _l("Shuffle everyone")),
        ],
        default="match",
    )
    squads = SelectMultipleField(
        _l("Squads"), coerce=int, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False)
    )
    size = TranslatedIntegerField(
        _l("Members per squad (empty: the challenge's)"), [Optional(), integer_range(2, 500)]
    )


class CheckInForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"), [Optional(), length(2000)])
    value = StringField(_l("Number (optional)"), [Optional(), length(32)])
    photo = FileField(_l("Photo (optional)"))

    number: float | None = None

    def validate_value(self, field):
        if value_text_problem(field.data or ""):  # bounded before Decimal reads it
            raise ValidationError(_l("Write a number, e.g. 5 or 5.2."))
        text = (field.data or "").strip().replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not (0 <= value < Decimal("1e9")):
            raise ValidationError(_l("Write a number, e.g. 5 or 5.2."))
        self.number = float(value)


class RestDayForm(FlaskForm):
    day = SelectField(_l("Day"), coerce=int, validators=[InputRequired(message=REQUIRED)])


# -- organizer --------------------------------------------------------------------------------


class VoidForm(FlaskForm):
    reason = StringField(_l("Why is this check-in void?"), [required(), length(500)])


class ExcuseForm(FlaskForm):
    day = SelectField(_l("Day"), coerce=int, validators=[InputRequired(message=REQUIRED)])
    reason = StringField(_l("Why is this day excused?"), [required(), length(500)])


class AppealForm(FlaskForm):
    enrollment_id = SelectField(_l("Member"), coerce=int, validators=[InputRequired(message=REQUIRED)])
    day = SelectField(_l("Day"), coerce=int, validators=[InputRequired(message=REQUIRED)])
    reason = StringField(_l("What did they tell you?"), [required(), length(500)])


# -- appeals ----------------------------------------------------------------------------------


class AppealAskForm(FlaskForm):
    """A member's appeal of one day (prefixed by enrollment and day: a page may hold several)."""

    # a text area: the Enter key adds a line, it never sends the form half written
    reason = TextAreaField(_l("Why should this day count?"), [required(), length(500)])
    photo = FileField(_l("Photo (optional)"))
    #: the page the form was on, to come back to: home, checkin or enrollment
    back = HiddenField()


class AppealDecisionForm(FlaskForm):
    """An organizer's decision on one appeal (prefixed by the appeal: the list holds several)."""

    reason = TextAreaField(
        _l("Your reason (the challenge's participants read it in the referee log)"), [required(), length(500)]
    )
    #: the button pressed: accept or refuse
    decision = StringField(
        validators=[
            InputRequired(message=_l("Press Accept or Refuse.")),
            AnyOf(["accept", "refuse"], message=_l("Press Accept or Refuse.")),
        ]
    )


# -- wallet -----------------------------------------------------------------------------------


class WithdrawalForm(FlaskForm):
    amount = StringField(_l("Amount"))
    currency = CurrencyField(_l("Currency"), choices=[])

    amount_minor: int | None = None

    def validate_amount(self, field):
        self.amount_minor = read_amount_field(field, self.currency.data, maximum_minor=MAX_WITHDRAWAL_MINOR)


# -- the feed ---------------------------------------------------------------------------------


class CheerForm(FlaskForm):
    """Cheer a check-in, or (``undo``) take the cheer back."""

    undo = HiddenField()


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), [required(), length(1000)])
    #: picked from the participants' list: "Name #id" entries, read by their ids
    mention = StringField(_l("Mention someone (optional)"), [Optional(), length(2000)])


class ReasonForm(FlaskForm):
    """A flag of a check-in or a report of a comment, with an optional reason."""

    reason = StringField(_l("Why? (optional)"), [Optional(), length(500)])


# -- community health ---------------------------------------------------------------------------


class HealthSettingsForm(FlaskForm):
    """The dashboard's settings: the zone whose dates it counts, and the alert threshold."""

    timezone = StringField(_l("Time zone of the community's dates"), [required(), validate_zone])
    #: a percentage (5, 7.5); empty turns the alert off
    alert_percent = StringField(
        _l("Alert me when the active share stays below (%), two dates running"), [Optional(), length(8)]
    )

    def validate_alert_percent(self, field) -> None:
        if field.data and self.alert_bps() is None:
            raise ValidationError(_l("Write a percentage between 0.01 and 100, e.g. 5 or 7.5."))

    def alert_bps(self) -> int | None:
        text = (self.alert_percent.data or "").strip().replace(",", ".").rstrip("%").strip()
        if not text:
            return None
        try:
            bps = Decimal(text) * 100
        except InvalidOperation:
            return None
        if bps != bps.to_integral_value() or not 1 <= bps <= 10000:
            return None
        return int(bps)
