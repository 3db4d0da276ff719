"""The JSON API under /api/v1 (flask-smorest: marshmallow schemas and the OpenAPI document)."""

from __future__ import annotations

from flask_smorest import Api

from habits.problems import handle_http_exception


class StreakpotApi(Api):
    """flask-smorest with RFC 9457 problem documents instead of its own error shape.

    flask-smorest registers this for every HTTPException of the app, so it also decides
    between a problem document and the friendly HTML page for browsers.
    """

    def handle_http_exception(self, error):
        return handle_http_exception(error)


def blueprints() -> list:
    """Every API blueprint (flask_smorest.Blueprint), in the order of the OpenAPI document."""
    return []


def init_api(app) -> StreakpotApi:
    from habits.api.health import health_bp
    from habits.extensions import csrf

    # One Api per app (not a module global): the tests build several apps in one process.
    api = StreakpotApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in blueprints():
        api.register_blueprint(blueprint)
        # API clients authenticate with bearer tokens, not cookies: CSRF does not apply.
        csrf.exempt(blueprint)
    app.register_blueprint(health_bp)
    return api
