"""Handing mail to a mail server (SMTP), or to the log in the demo.

``transport_for(config)``: SMTP when ``MAIL_SERVER`` is set, else the log (the demo: every mail
is written to the log and shown at /dev/mail). A transport turns every failure into
``DeliveryFailed``, permanent for the server's 5xx answers, so the relay knows whether to retry.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, parseaddr

from habits.services.mail_relay import DeliveryFailed, MailTransport, Outgoing

log = logging.getLogger(__name__)


def build_message(mail: Outgoing, *, sender: str) -> EmailMessage:
    """The MIME message of ``mail``: text, and HTML as its alternative when there is one.

    The Message-ID is the outbox row's, so a copy sent again after a crash is recognisably the
    same mail. Mail that is not transactional carries List-Unsubscribe with one-click
    unsubscribing (RFC 8058)."""
    message = EmailMessage(policy=SMTP)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "streakpot.invalid"
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<outbox-{mail.id}.{int(mail.created_at.timestamp())}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    if mail.list_unsubscribe:
        message["List-Unsubscribe"] = f"<{mail.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    return message


def _permanent(code: int) -> bool:
    return 500 <= code < 600


class SmtpTransport:
    """One SMTP connection per batch (STARTTLS or implicit TLS, and a login when configured)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        use_ssl: bool = False,
        timeout: float = 20.0,
    ):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.use_tls, self.use_ssl, self.timeout = use_tls, use_ssl, timeout

    def _open(self) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    @contextlib.contextmanager
    def connect(self) -> Iterator:
        try:
            smtp = self._open()
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"cannot use the mail server {self.host}:{self.port}: {exc}") from exc
        try:
            yield functools.partial(self._send, smtp)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _send(self, smtp: smtplib.SMTP, mail: Outgoing) -> None:
        try:
            message = build_message(mail, sender=self.sender)
        except (ValueError, TypeError) as exc:  # an address or subject no header can carry
            raise DeliveryFailed(f"cannot write this mail: {exc}", permanent=True) from exc
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _answer in exc.recipients.values()]
            raise DeliveryFailed(
                f"the mail server refused the address: {exc.recipients}",
                permanent=bool(codes) and all(_permanent(code) for code in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            answer = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else exc.smtp_error
            )
            raise DeliveryFailed(
                f"the mail server answered {exc.smtp_code} {answer}", permanent=_permanent(exc.smtp_code)
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


class LogTransport:
    """No MAIL_SERVER: each mail is written to the log and counts as sent. The demo writes the
    whole mail (it is also at /dev/mail); production writes only who and what, never a body
    (it holds sign-in links), at WARNING: mail is not leaving."""

    def __init__(self, *, with_body: bool = True):
        self.with_body = with_body

    @contextlib.contextmanager
    def connect(self) -> Iterator:
        yield self._send

    def _send(self, mail: Outgoing) -> None:
        if self.with_body:
            log.info(
                "mail %s to %s (no MAIL_SERVER: written here, not sent)\nSubject: %s\n\n%s",
                mail.id,
                mail.to,
                mail.subject,
                mail.body_text,
            )
        else:
            log.warning(
                "mail %s (%s) to %s not sent: STREAKPOT_MAIL_SERVER is not set", mail.id, mail.kind, mail.to
            )


def transport_for(config) -> MailTransport:
    if not config.get("MAIL_SERVER"):
        return LogTransport(with_body=config.get("STREAKPOT_ENV") != "production")
    return SmtpTransport(
        host=config["MAIL_SERVER"],
        port=int(config["MAIL_PORT"]),
        sender=config["MAIL_FROM"],
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=bool(config.get("MAIL_USE_SSL")),
        timeout=float(config.get("MAIL_TIMEOUT") or 20),
    )
