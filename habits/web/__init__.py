"""Mobile web pages (server-rendered Jinja, session cookie + CSRF), over the same services as the API.

Every page module adds its routes to ``web_bp`` (endpoints ``web.<function>``). Pages parse a
Flask-WTF form, call ONE service through ``habits.web.edge.attempt`` (which commits, or rolls
back and flashes a friendly message on a HabitsError) and redirect; reads call services too.
"""

from __future__ import annotations

from flask import Blueprint

from habits.extensions import db, login_manager
from habits.services import web_sessions
from habits.unit_of_work import request_now

web_bp = Blueprint("web", __name__)


def init_web(app) -> None:
    # The page modules import web_bp from here (a true cycle), so they are imported once it
    # exists: they add their routes to it when imported, before it is registered.
    from habits.web import (  # noqa: F401
        account,
        account_data,
        admin,
        app_shell,
        appeals,
        auth,
        cards,
        challenges,
        chat_webhook,
        checkin,
        communities,
        community_health,
        dev_mail,
        email_links,
        enrollments,
        entry,
        feed,
        home,
        i18n,
        instants,
        notifications,
        organizer,
        password_reset,
        payouts,
        progress,
        push_devices,
        refusals,
        squads,
        terms,
        wallet,
    )

    @login_manager.user_loader
    def load_member(key: str):
        # what Flask-Login keeps is the key of a web session held on the server (web/auth.py)
        return web_sessions.member_for_key(db.session, key, now=request_now())

    login_manager.login_view = "web.login"
    login_manager.login_message = i18n.LOGIN_NEEDED
    login_manager.login_message_category = "info"

    babel_config = app.extensions["babel"]
    babel_config.locale_selector = i18n.select_locale
    babel_config.timezone_selector = i18n.select_timezone

    app.context_processor(i18n.template_helpers)
    app.context_processor(instants.template_helpers)
    app.context_processor(refusals.template_helpers)
    app.register_blueprint(web_bp)
