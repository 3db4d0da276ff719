"""The operator's endpoints: /healthz (is it up, how is the scheduler doing), /readyz (may this
node take traffic) and /metrics (Prometheus, behind METRICS_TOKEN: never public)."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import NotFound, Unauthorized

from habits import __version__
from habits.extensions import db
from habits.observability.metrics import exposition
from habits.observability.readiness import readiness_checks
from habits.observability.state import state_metrics
from habits.services.health import scheduler_status

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
def healthz():
    body = {"status": "ok", "version": __version__}
    try:
        db.session.execute(text("SELECT 1"))
        body["database"] = {"status": "ok", "dialect": db.engine.dialect.name}
        body["scheduler"] = {"mode": current_app.config["SCHEDULER_MODE"]}
        body["scheduler"].update(scheduler_status(db.session, now=datetime.now(UTC)))
        status = 200
    except SQLAlchemyError as exc:
        db.session.rollback()
        body.update(status="unavailable", database={"status": "error", "error": type(exc).__name__})
        status = 503
    return jsonify(body), status


@health_bp.get("/readyz")
def readyz():
    """200 when every check passes, else 503; each check says ok or why not."""
    checks, ready = {}, True
    for check in readiness_checks(current_app):
        try:
            reason = check.run()
        except Exception as exc:  # a check that cannot even ask is a check that failed
            db.session.rollback()
            reason = f"{type(exc).__name__}"
        checks[check.name] = {"status": "ok"} if reason is None else {"status": "error", "error": reason}
        ready = ready and reason is None
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return jsonify(body), 200 if ready else 503


def _require_metrics_token() -> None:
    """No METRICS_TOKEN: there is no /metrics (404). With one: ``Authorization: Bearer`` it."""
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        raise NotFound()
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(offered.strip().encode(), expected.encode()):
        raise Unauthorized("The metrics need 'Authorization: Bearer <METRICS_TOKEN>'.")


@health_bp.get("/metrics")
def metrics():
    _require_metrics_token()
    session = db.session
    now = datetime.now(UTC)
    body = exposition(lambda: state_metrics(session, now=now))
    return Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)
