"""/api/v1/communities/{id}/health and the CSV exports: organizers only (SPEC, "Who sees what")."""

from __future__ import annotations

from flask_smorest import Blueprint

from habits.api.docs import problems
from habits.api.edge import read
from habits.api.schemas.community_health import HealthArgsSchema, HealthSchema
from habits.api.security import auth_required, current_member
from habits.csv_download import csv_response
from habits.extensions import db
from habits.services.community_health import exports, figures

community_health_bp = Blueprint(
    "community_health",
    __name__,
    url_prefix="/api/v1/communities",
    description="Community health and exports (organizers)",
)


@community_health_bp.route("/<id:community_id>/health", methods=["GET"])
@auth_required
@community_health_bp.arguments(HealthArgsSchema, location="query", as_kwargs=True)
@community_health_bp.response(200, HealthSchema)
@problems(404, 422)
def community_health(community_id, start=None, end=None, squad_id=None):
    """Daily members, active share, 7/30-day survival, check-in rate and eliminations per
    challenge day, cohorts, pot and payouts, from the aggregates the scheduler keeps; with
    ``squad``, one squad's (404 for a squad not in the community)."""
    return read(
        figures.community_health, community_id, current_member(), start=start, end=end, squad_id=squad_id
    )


@community_health_bp.route(
    "/<id:community_id>/export/<any(members,checkins,settlements):kind>.csv", methods=["GET"]
)
@auth_required
@community_health_bp.response(
    200, {"type": "string"}, content_type="text/csv", description="The export, streamed"
)
@problems(404)
def export_csv(community_id, kind):
    """Members (with their answers), check-ins or settlements as CSV, streamed; every cell that a
    spreadsheet would read as a formula is written as text (a leading ')."""
    return csv_response(exports.export(db.session, community_id, current_member(), kind))
