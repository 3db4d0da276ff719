"""GET /healthz: is the database answering, which version runs, how is the scheduler doing."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from habits import __version__
from habits.extensions import db
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
