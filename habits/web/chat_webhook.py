"""The organizers' page of a community's chat group: connect or change its incoming webhook
(kind, URL, time and language of the daily summary), send a test message, disconnect; with
whether posts go through (the last error, and since when they fail).

Organizers only: anyone else gets the 404 of ``visibility`` (nothing here is theirs to see).
A refused URL is shown on its field (``refusals.FIELD_MESSAGES``).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from habits.extensions import db
from habits.models import ChatKind
from habits.services import chat_hooks, visibility
from habits.services.visibility import Audience
from habits.web import web_bp
from habits.web.edge import attempt, me
from habits.web.forms import EmptyForm, choice, length, required, validate_hhmm

KIND_LABELS = {
    ChatKind.WECOM: _l("WeCom group robot"),
    ChatKind.DINGTALK: _l("DingTalk robot"),
    ChatKind.FEISHU: _l("Feishu / Lark bot"),
    ChatKind.SLACK: _l("Slack"),
    ChatKind.DISCORD: _l("Discord"),
    ChatKind.TELEGRAM: _l("Telegram bot"),
}


class ChatWebhookForm(FlaskForm):
    kind = SelectField(
        _l("Chat app"), choices=[choice(kind.value, label) for kind, label in KIND_LABELS.items()]
    )
    url = StringField(_l("Webhook URL"), [required(), length(2048)])
    chat_id = StringField(_l("Telegram chat id"), [Optional(), length(64)])
    secret = StringField(_l("DingTalk signing secret"), [Optional(), length(128)])
    summary_at = StringField(_l("Daily summary at (HH:MM)"), [required(), validate_hhmm], default="21:00")
    locale = SelectField(
        _l("Language of the messages"), choices=[choice("en", "English"), choice("zh_Hans", "中文")]
    )


def _community(community_id: int):
    return visibility.visible_community(db.session, community_id, me(), Audience.ORGANIZERS)


def _page(community, form, *, status: int = 200):
    hook = chat_hooks.hook_of(db.session, community.id)
    return (
        render_template(
            "organizer/chat_webhook.html",
            community=community,
            form=form,
            hook=hook,
            kind_label=KIND_LABELS.get(hook.kind) if hook else None,
            action_form=EmptyForm(),
        ),
        status,
    )


@web_bp.route("/communities/<id:community_id>/chat", methods=["GET", "POST"])
@login_required
def chat_webhook(community_id: int):
    community = _community(community_id)
    form = ChatWebhookForm()
    if not form.is_submitted():
        hook = chat_hooks.hook_of(db.session, community.id)
        if hook is not None:
            form.kind.data, form.url.data, form.chat_id.data = hook.kind, hook.url, hook.chat_id
            form.summary_at.data, form.locale.data = chat_hooks.clock_of(hook.summary_minute), hook.locale
        else:
            form.locale.data = me().locale if me().locale in chat_hooks.LOCALES else "en"
    if form.validate_on_submit():
        settings = chat_hooks.HookSettings(
            kind=form.kind.data,
            url=form.url.data.strip(),
            chat_id=form.chat_id.data,
            secret=form.secret.data,
            summary_at=form.summary_at.data,
            locale=form.locale.data,
        )
        outcome = attempt(
            chat_hooks.connect,
            community,
            me(),
            settings,
            policy=chat_hooks.chat_policy(current_app.config),
            form=form,
        )
        if outcome.ok:
            flash(gettext("The chat group is connected. Send a test message to check it."))
            return redirect(url_for("web.chat_webhook", community_id=community.id))
    return _page(community, form, status=422 if form.is_submitted() else 200)


@web_bp.post("/communities/<id:community_id>/chat/test")
@login_required
def chat_webhook_test(community_id: int):
    community = _community(community_id)
    if EmptyForm().validate_on_submit():
        outcome = attempt(chat_hooks.queue_test, community, me())
        if outcome.ok:
            flash(gettext("A test message is on its way: it reaches the chat within a minute."))
    return redirect(url_for("web.chat_webhook", community_id=community.id))


@web_bp.post("/communities/<id:community_id>/chat/disconnect")
@login_required
def chat_webhook_disconnect(community_id: int):
    community = _community(community_id)
    if EmptyForm().validate_on_submit():
        outcome = attempt(chat_hooks.disconnect, community, me())
        if outcome.ok:
            flash(gettext("The chat group is disconnected: nothing more is posted there."))
    return redirect(url_for("web.chat_webhook", community_id=community.id))
