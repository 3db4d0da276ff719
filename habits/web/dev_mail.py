"""The demo's mailbox: /dev/mail lists the latest mail with its bodies.

Served only in the demo (STREAKPOT_ENV=demo) and only to this machine (a loopback client, and
no proxy header saying the request came from elsewhere); a 404 for anyone else, so it cannot
be found, let alone read, on a server. Mail there holds working sign-in links.
"""

from __future__ import annotations

import ipaddress

from flask import abort, current_app, make_response, render_template, request
from flask_babel import lazy_gettext as _l

from habits.extensions import db
from habits.models import MailStatus
from habits.services import mail
from habits.web import web_bp
from habits.web.password_reset import private

PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")
MAIL_STATUS = {
    MailStatus.QUEUED: _l("waiting"),
    MailStatus.SENDING: _l("sending"),
    MailStatus.SENT: _l("sent"),
    MailStatus.FAILED: _l("failed"),
}


def from_this_machine() -> bool:
    if any(request.headers.get(name) for name in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    return (mapped or address).is_loopback


@web_bp.get("/dev/mail")
def dev_mail():
    if current_app.config.get("STREAKPOT_ENV") != "demo" or not from_this_machine():
        abort(404)
    page = render_template("dev/mail.html", mails=mail.latest(db.session), statuses=MAIL_STATUS)
    return private(make_response(page))
