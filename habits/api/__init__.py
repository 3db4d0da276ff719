"""The JSON API under /api/v1 (flask-smorest: marshmallow schemas and the OpenAPI document)."""

from __future__ import annotations

from habits.api.account_data import account_data_bp
from habits.api.appeals import appeals_bp
from habits.api.auth import auth_bp
from habits.api.challenges import challenges_bp
from habits.api.chat_webhooks import chat_webhooks_bp
from habits.api.checkins import checkins_bp
from habits.api.communities import communities_bp
from habits.api.community_health import community_health_bp
from habits.api.enrollments import enrollments_bp
from habits.api.feed import feed_bp
from habits.api.health import health_bp
from habits.api.invitations import invitations_bp
from habits.api.leaderboard import leaderboard_bp
from habits.api.members import members_bp
from habits.api.notifications import notifications_bp
from habits.api.openapi import SPEC_KWARGS, ExactDocument
from habits.api.payments import payments_bp
from habits.api.payouts import payouts_bp
from habits.api.progress import progress_bp
from habits.api.ratelimits import LimitsInDocument
from habits.api.schemas.common import ProblemSchema
from habits.api.security import add_www_authenticate
from habits.api.settlements import settlements_bp
from habits.api.squads import squads_bp
from habits.api.terms import terms_bp
from habits.api.wallets import wallets_bp
from habits.extensions import csrf
from habits.fastpath.openapi_docs import ProblemResponsesApi
from habits.problems import handle_http_exception
from habits.routing import ReferenceConverter


class StreakpotApi(ProblemResponsesApi):
    """flask-smorest with RFC 9457 problem documents instead of its own error shape.

    flask-smorest registers this for every HTTPException of the app, so it also decides
    between a problem document and the friendly HTML page for browsers. Its error responses are
    documented as problem documents (fastpath.openapi_docs).
    """

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return handle_http_exception(error)


def blueprints() -> list:
    """Every API blueprint (flask_smorest.Blueprint), in the order of the OpenAPI document."""
    return [
        auth_bp,
        members_bp,
        communities_bp,
        community_health_bp,
        invitations_bp,
        challenges_bp,
        enrollments_bp,
        checkins_bp,
        feed_bp,
        leaderboard_bp,
        squads_bp,
        progress_bp,
        payments_bp,
        settlements_bp,
        appeals_bp,
        wallets_bp,
        payouts_bp,
        terms_bp,
        account_data_bp,
        notifications_bp,
        chat_webhooks_bp,
    ]


def init_api(app) -> StreakpotApi:
    # One Api per app (not a module global): the tests build several apps in one process.
    # (The <id:...> and <day:...> converters are the app's: habits.routing, registered in app.py.)
    api = StreakpotApi(
        app, spec_kwargs={"extra_plugins": [ExactDocument(), LimitsInDocument()], **SPEC_KWARGS}
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_converter(ReferenceConverter, lambda converter: dict(converter.PARAMETER_SCHEMA))
    for blueprint in blueprints():
        api.register_blueprint(blueprint)
        # API clients authenticate with bearer tokens, not cookies: CSRF does not apply.
        csrf.exempt(blueprint)
    app.register_blueprint(health_bp)
    app.after_request(add_www_authenticate)
    return api
