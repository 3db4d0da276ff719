"""/api/v1/communities/{id}/chat-webhook: the community's chat group (organizers only).

``GET`` answers 404 to anyone but the organizers (SPEC "Who sees what": what only organizers see
does not exist for others); ``PUT``, ``DELETE`` and the test answer 403 to a member who may see
the community but not change it. A refused URL is a 422 on the ``url`` field.
"""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.chat_webhooks import ChatTestSchema, ChatWebhookPutSchema, ChatWebhookSchema
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.models import ChatWebhook
from habits.services import chat_hooks, communities, visibility
from habits.services.errors import NotFound
from habits.services.visibility import Audience

chat_webhooks_bp = Blueprint(
    "chat_webhooks", __name__, url_prefix="/api/v1/communities", description="A community's chat group"
)


def hook_view(hook: ChatWebhook) -> dict:
    return {
        "kind": hook.kind,
        "url": hook.url,
        "chat_id": hook.chat_id,
        "signed": hook.secret is not None,
        "summary_at": chat_hooks.clock_of(hook.summary_minute),
        "locale": hook.locale,
        "updated_at": hook.updated_at,
        "last_sent_at": hook.last_sent_at,
        "failing_since": hook.failing_since,
        "last_error": hook.last_error,
    }


@chat_webhooks_bp.route("/<id:community_id>/chat-webhook", methods=["GET"])
@auth_required
@chat_webhooks_bp.response(200, ChatWebhookSchema)
@problems(404)
def get_hook(community_id):
    """The connected hook, with whether its posts go through (organizers only)."""
    community = visibility.visible_community(db.session, community_id, current_member(), Audience.ORGANIZERS)
    hook = read(chat_hooks.organizers_hook, community, current_member())
    if hook is None:
        raise NotFound("This community has no chat group connected.")
    return hook_view(hook)


@chat_webhooks_bp.route("/<id:community_id>/chat-webhook", methods=["PUT"])
@auth_required
@chat_webhooks_bp.arguments(ChatWebhookPutSchema)
@chat_webhooks_bp.response(200, ChatWebhookSchema)
@problems(403, 404, 422)
def put_hook(data, community_id):
    """Connect the community's chat group (or change it): the daily summary is posted there at
    ``summary_at`` in the community's zone, in ``locale``."""
    community = communities.get_community(db.session, community_id)
    hook = commit(
        chat_hooks.connect,
        community,
        current_member(),
        chat_hooks.HookSettings(**data),
        policy=chat_hooks.chat_policy(current_app.config),
    )
    return hook_view(hook)


@chat_webhooks_bp.route("/<id:community_id>/chat-webhook", methods=["DELETE"])
@auth_required
@chat_webhooks_bp.response(204)
@problems(403, 404)
def delete_hook(community_id):
    """Disconnect the chat group: nothing more is posted there."""
    community = communities.get_community(db.session, community_id)
    commit(chat_hooks.disconnect, community, current_member())


@chat_webhooks_bp.route("/<id:community_id>/chat-webhook/test", methods=["POST"])
@auth_required
@chat_webhooks_bp.response(202, ChatTestSchema)
@problems(403, 404)
def test_hook(community_id):
    """Queue a test message; the relay posts it within a minute (the hook's ``last_error`` tells
    when it failed)."""
    community = communities.get_community(db.session, community_id)
    delivery = commit(chat_hooks.queue_test, community, current_member())
    return {"id": delivery.id, "status": delivery.status}
