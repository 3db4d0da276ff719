"""Mobile web pages (server-rendered Jinja, session cookie + CSRF)."""

from __future__ import annotations

from flask import Blueprint, render_template

web_bp = Blueprint("web", __name__)


@web_bp.get("/")
def home():
    return render_template("home.html")


def init_web(app) -> None:
    from habits.extensions import login_manager

    @login_manager.user_loader
    def _no_members_yet(_member_id):  # replaced when member accounts land
        return None

    app.register_blueprint(web_bp)
