"""Web Push on this device, from the account page: static/push-device.js asks the browser's
permission, subscribes with the server's VAPID key through the service worker's pushManager, and
sends the subscription here (a form body with the CSRF token, rate-limited as the API's
``push_subscriptions``); "turn off" unsubscribes in the browser and forgets the endpoint here.

Answers are JSON for the script: 201 ``{"id"}``, 204, or 422 ``{"message", "errors"}`` with
what the member can read (a 400 for a missing or stale CSRF token comes from CSRFProtect).
"""

from __future__ import annotations

from flask import current_app, jsonify
from flask_login import login_required

from habits.services.errors import HabitsError
from habits.services.notifications import subscriptions
from habits.web import web_bp
from habits.web.account_forms import PushDeviceForm
from habits.web.edge import commit, me
from habits.web.refusals import friendly_error


def _refused(message: str, errors: dict | None = None):
    return jsonify(message=message, errors=errors or {}), 422


def _form_refused(form: PushDeviceForm):
    errors = {name: [str(e) for e in messages] for name, messages in form.errors.items()}
    return _refused(" ".join(e for messages in errors.values() for e in messages), errors)


@web_bp.post("/account/push")
@login_required
def push_device_on():
    form = PushDeviceForm()
    if not form.validate_on_submit():
        return _form_refused(form)
    try:
        device = commit(
            subscriptions.subscribe,
            me(),
            endpoint=form.endpoint.data,
            p256dh=form.p256dh.data or "",
            auth=form.auth.data or "",
            policy=subscriptions.push_policy(current_app.config),
        )
    except HabitsError as refusal:
        return _refused(friendly_error(refusal), refusal.errors)
    return jsonify(id=device.id), 201


@web_bp.post("/account/push/off")
@login_required
def push_device_off():
    form = PushDeviceForm()
    if not form.validate_on_submit():
        return _form_refused(form)
    commit(subscriptions.unsubscribe_endpoint, me(), form.endpoint.data)
    return "", 204
