"""The forms of the settings page (``/account``): the profile with the reader's zone, language and
region, and the move to a new e-mail address (the password's form is ``forms.PasswordChangeForm``).

Each form has its own prefix, so the three can share one page with distinct field ids and each
keeps what was typed into it when another is sent.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from habits.services.outbound_urls import MAX_URL_CHARS
from habits.services.regions import regions
from habits.web.forms import EMAIL, choice, length, required
from habits.web.i18n import LANGUAGE_NAMES, SUPPORTED, regional_locale
from habits.web.zone_picker import ZoneField

CHOOSE_ZONE = _l("Choose a time zone from the list (e.g. Asia/Shanghai).")
CHOOSE_LANGUAGE = _l("Choose a language from the list.")
CHOOSE_REGION = _l("Choose a region from the list.")
#: the region menu's first choice: the browser's, read on each visit
FROM_BROWSER = ""


def language_choices() -> list:
    return [choice(code, LANGUAGE_NAMES[code]) for code in SUPPORTED]


def region_choices(language: str, browser_region: str | None) -> list:
    """ "From this browser", then every region by its name in ``language``."""
    names = regional_locale(language, None).territories
    automatic = (
        _l("From this browser (%(region)s)", region=names.get(browser_region, browser_region))
        if browser_region
        else _l("From this browser")
    )
    ordered = sorted(regions(), key=lambda code: names.get(code, code))
    return [choice(FROM_BROWSER, automatic)] + [choice(code, names.get(code, code)) for code in ordered]


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name (shown to your groups)"), [required(), length(80)])
    timezone = StringField(_l("Your time zone"), [ZoneField(CHOOSE_ZONE)])
    language = SelectField(_l("Language"), choices=language_choices(), invalid_choice_message=CHOOSE_LANGUAGE)
    region = SelectField(
        _l("Dates and numbers written as in"), choices=[], invalid_choice_message=CHOOSE_REGION
    )

    def __init__(self, *args, region_menu: list, **kwargs):
        super().__init__(*args, prefix="profile", **kwargs)
        self.region.choices = region_menu

    def changes(self) -> dict:
        """In the services' shape (``members.update_profile``)."""
        return {
            "display_name": self.display_name.data.strip(),
            "timezone": self.timezone.data,
            "locale": self.language.data,
            "region": self.region.data or None,
        }


class EmailChangeForm(FlaskForm):
    email = StringField(_l("New e-mail address"), [required(), length(254)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="email", **kwargs)

    def validate_email(self, field):
        address = field.data.strip().lower()
        if not EMAIL.match(address):
            raise ValidationError(_l("Write an email address like name@example.com."))
        field.data = address


#: the reminder times offered as one types (any whole number of minutes in range is taken)
REMINDER_SUGGESTIONS = (15, 30, 60, 120)
REMINDER_RANGE = _l("Write a number of minutes from 1 to 1440, or leave it empty for no reminder.")


class RemindersForm(FlaskForm):
    reminder_minutes = StringField(_l("Remind me this many minutes before my window closes"))
    email_digest = BooleanField(_l("Send me a daily e-mail of my notifications"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="reminders", **kwargs)

    def validate_reminder_minutes(self, field):
        text = (field.data or "").strip()
        if not text:
            field.minutes = None
            return
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 1440:
            raise ValidationError(REMINDER_RANGE)
        field.minutes = int(text)

    def changes(self) -> dict:
        """In the services' shape (``members.update_profile``)."""
        return {
            "reminder_minutes_before_close": self.reminder_minutes.minutes,
            "email_digest": bool(self.email_digest.data),
        }


class PushDeviceForm(FlaskForm):
    """This browser's push subscription, as the account page's script sends it (its ``toJSON()``
    flattened; the CSRF token in the same body). The service checks the URL and the keys."""

    endpoint = StringField(validators=[required(), length(MAX_URL_CHARS)])
    p256dh = StringField(validators=[Optional(), length(100)])
    auth = StringField(validators=[Optional(), length(50)])
