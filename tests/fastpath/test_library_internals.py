"""The fence's overrides of library internals still hold on the installed libraries.

Each test builds the smallest app that uses one override the way Streakpot does and checks the
outcome; a failure names the library and its version (tests/library_internals.py).
"""

from __future__ import annotations

import inspect

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api, Blueprint
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, fields

from habits.fastpath.direct_sql import engine_of_factory
from habits.fastpath.limiter_hook import skip_request_limit_hook
from habits.fastpath.openapi_docs import (
    PROBLEM_CONTENT_TYPE,
    ProblemResponsesApi,
    document,
    document_responses,
)
from tests.library_internals import require

# -- Flask-Limiter: the before-request hook steps aside for self-limiting views -----------------


def limited_app() -> tuple[Flask, Limiter]:
    app = Flask(__name__)
    limiter = Limiter(get_remote_address, app=app, default_limits=["1/minute"], storage_uri="memory://")

    @app.get("/counted")
    def counted():
        return "counted"

    @app.get("/counts-itself")
    def counts_itself():
        return "counts itself"

    counts_itself.limits_itself = True
    return app, limiter


def test_flask_limiter_registers_the_hook_the_fence_wraps():
    method = getattr(Limiter, "_check_request_limit", None)
    require("Flask-Limiter", callable(method), "Limiter._check_request_limit is gone")
    parameters = list(inspect.signature(method).parameters.values())[1:]
    require(
        "Flask-Limiter",
        all(p.default is not inspect.Parameter.empty for p in parameters),
        f"Limiter._check_request_limit{inspect.signature(method)} is no longer callable without arguments",
    )
    app, limiter = limited_app()
    require(
        "Flask-Limiter",
        skip_request_limit_hook(app, limiter, lambda: False),
        "Limiter.init_app no longer registers _check_request_limit as a before-request hook",
    )


def test_flask_limiter_hook_steps_aside_only_where_told():
    app, limiter = limited_app()
    skip_request_limit_hook(
        app, limiter, lambda: getattr(app.view_functions.get(request.endpoint or ""), "limits_itself", False)
    )
    client = app.test_client()
    statuses = [client.get("/counted").status_code for _ in range(2)]
    require("Flask-Limiter", statuses == [200, 429], f"the wrapped hook no longer limits: {statuses}")
    statuses = [client.get("/counts-itself").status_code for _ in range(3)]
    require("Flask-Limiter", statuses == [200] * 3, f"the hook did not step aside: {statuses}")


# -- flask-smorest: the per-view _apidoc record, and the registered error responses ---------------


class ErrorSchema(Schema):
    title = fields.String()


class ProblemApi(ProblemResponsesApi):
    ERROR_SCHEMA = ErrorSchema


def smorest_spec() -> dict:
    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    api = ProblemApi(app)
    blueprint = Blueprint("things", __name__)

    def things():
        return {}

    # as the app does it: annotated before the route reads the view's record; the 409 is
    # documented through flask-smorest's public decorator, whatever the fence does
    public = blueprint.alt_response(409, response="CONFLICT")(blueprint.response(200)(things))
    annotated = document(document_responses(public, {404: "NOT_FOUND"}), security=[{"bearerAuth": []}])
    blueprint.route("/things", methods=["GET"])(annotated)
    api.register_blueprint(blueprint)
    return api.spec.to_dict()


def test_flask_smorest_documents_what_the_fence_writes_on_a_view():
    operation = smorest_spec()["paths"]["/things"]["get"]
    require(
        "flask-smorest",
        operation["responses"].get("404") == {"$ref": "#/components/responses/NOT_FOUND"},
        f"a view's _apidoc['response']['responses'] no longer reaches the spec: {operation['responses']}",
    )
    require(
        "flask-smorest",
        operation.get("security") == [{"bearerAuth": []}],
        f"a view's _apidoc['manual_doc'] no longer reaches its operation: {operation}",
    )
    require("flask-smorest", "200" in operation["responses"], "Blueprint.response's own entry was lost")


def test_flask_smorest_registers_error_responses_through_the_overridden_method():
    require(
        "flask-smorest",
        callable(getattr(Api, "_register_responses", None)),
        "Api._register_responses is gone",
    )
    responses = smorest_spec()["components"]["responses"]
    for name in ("CONFLICT", "DEFAULT_ERROR"):
        require(
            "flask-smorest",
            list(responses.get(name, {}).get("content", {})) == [PROBLEM_CONTENT_TYPE],
            f"Api._register_responses is no longer what registers the {name} response: {responses.get(name)}",
        )


# -- Flask-SQLAlchemy: the engine, found without creating the request's session ------------------


def test_flask_sqlalchemy_factory_gives_the_engine_without_a_session():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app)
    with app.app_context():
        found = engine_of_factory(db.session.session_factory)
        require(
            "Flask-SQLAlchemy",
            found is db.engine,
            "its session factory no longer carries the extension as sessionmaker(db=...)",
        )
        require("Flask-SQLAlchemy", not db.session.registry.has(), "finding the engine created a session")
        db.engine.dispose()
