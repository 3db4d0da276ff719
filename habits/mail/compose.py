"""Writing mail: templates/mail/<kind>.txt and .html, in the recipient's language.

``compose_mail`` is the ``habits.services.mail.Composer`` every edge hands to the services. It
renders under ``flask_babel.force_locale``, so a mail is in its recipient's language whatever
the language of the request that queued it, and it works outside a request too (a job).

Links in mail are absolute: ``PUBLIC_URL`` (the site's address, required in production when
mail is sent) and never the request's Host header, which a client chooses.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, render_template, request, url_for
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer

from habits.services.mail import Letter

#: where links point when neither PUBLIC_URL nor a request says (a job in the demo)
DEFAULT_BASE_URL = "http://localhost:5000"
UNSUBSCRIBE_SALT = "streakpot.mail.unsubscribe"


@dataclass(frozen=True)
class MailKind:
    subject: LazyString | str
    #: transactional mail (links asked for, receipts) goes to every address; any other kind
    #: only to verified addresses that did not unsubscribe, with a List-Unsubscribe link
    transactional: bool = True
    #: what the unsubscribe page calls it ("the weekly digest")
    label: LazyString | str | None = None


#: every kind of mail: templates/mail/<kind>.txt and templates/mail/<kind>.html
KINDS: dict[str, MailKind] = {
    "verify_email": MailKind(_l("Confirm your e-mail address for Streakpot")),
    "password_reset": MailKind(_l("Choose a new Streakpot password")),
    "email_change": MailKind(_l("Confirm your new e-mail address for Streakpot")),
    "email_change_asked": MailKind(_l("Your Streakpot address may change")),
    "email_changed": MailKind(_l("Your Streakpot address has changed")),
    # habits.services.community_health.alerts: to the organizers, once per episode
    "health_alert": MailKind(_l("Your community's activity is below your alert threshold")),
    # habits.services.notifications.digest (its items are written by habits.notify.digest_mail)
    "notification_digest": MailKind(
        _l("Your news from Streakpot"),
        transactional=False,
        label=_l("the daily digest of your notifications"),
    ),
}


def mail_locale(locale: str | None) -> str:
    """One of the site's locales for a stored or requested language tag."""
    tag = (locale or "").replace("-", "_").lower()
    return "zh_Hans" if tag == "zh" or tag.startswith("zh_") else "en"


def request_locale() -> str:
    """The language an API caller asked for (Accept-Language), for mail to an address that may
    belong to nobody."""
    for tag, _quality in request.accept_languages:
        if tag.lower() == "zh" or tag.lower().startswith(("zh-", "zh_")):
            return "zh_Hans"
        if tag.lower() == "en" or tag.lower().startswith(("en-", "en_")):
            return "en"
    return "en"


def compose_mail(kind: str, *, locale: str, member_id: int | None = None, **context) -> Letter:
    """Write mail ``kind`` in ``locale`` (see ``habits.services.mail.Composer``)."""
    spec = KINDS[kind]
    unsubscribe = None if spec.transactional else unsubscribe_url(member_id, kind)
    values = {**context, "kind": kind, "unsubscribe_url": unsubscribe, "link": external_url}
    chosen = mail_locale(locale)
    with force_locale(chosen):
        subject = str(spec.subject)
        values.update(subject=subject, html_lang="zh-Hans" if chosen == "zh_Hans" else "en")
        body_text = render_template(f"mail/{kind}.txt", **values)
        body_html = render_template(f"mail/{kind}.html", **values)
    return Letter(
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        transactional=spec.transactional,
        list_unsubscribe=unsubscribe,
    )


def external_url(endpoint: str, **values) -> str:
    """An absolute link to ``endpoint`` for a mail, in or out of a request."""
    base = current_app.config.get("PUBLIC_URL")
    if has_request_context():
        path = url_for(endpoint, **values)
        base = base or request.host_url
    else:
        root = current_app.config.get("APPLICATION_ROOT") or "/"
        path = current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)
        base = base or DEFAULT_BASE_URL
    return base.rstrip("/") + path


def _unsubscribe_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(member_id: int, kind: str) -> str:
    """A signed, lasting token naming a member and a kind of mail (no expiry: an unsubscribe
    link in an old mail must still work)."""
    return _unsubscribe_signer().dumps([int(member_id), kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The (member id, kind) an unsubscribe token names, or None when it is not one of ours."""
    try:
        member_id, kind = _unsubscribe_signer().loads(token)
    except (BadData, TypeError, ValueError):
        return None
    if not isinstance(member_id, int) or not isinstance(kind, str):
        return None
    return member_id, kind


def unsubscribe_url(member_id: int | None, kind: str) -> str:
    if member_id is None:
        raise ValueError(f"mail {kind!r} is not transactional: it goes to members only")
    return external_url("web.unsubscribe", token=unsubscribe_token(member_id, kind))
