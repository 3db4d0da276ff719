"""The organizers' health dashboard of a community: charts drawn on the server as SVG
(``habits.web.health_charts``), each with its data table, the cohort table, the alert's settings
and the CSV exports. Organizers only: 404 for everyone else (``habits.services.visibility``)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_percent, gettext
from flask_login import login_required

from habits.csv_download import csv_response
from habits.extensions import db
from habits.services import communities
from habits.services.community_health import alerts, exports, figures
from habits.services.community_health.figures import ChallengeFigures, Health
from habits.services.errors import InvalidInput
from habits.services.visibility import Audience, visible_community
from habits.web import health_charts as hc
from habits.web import web_bp
from habits.web.edge import attempt, me, read
from habits.web.forms import HealthSettingsForm
from habits.web.i18n import day_label, money

#: the source articles' figures, drawn as reference lines
HEALTHY_LARGE_GROUP = (0.05, 0.08)
PRUNED_CORE_GROUP = 0.70
NEW_GROUPS_ALIVE_AFTER_7_DAYS = 0.60
#: challenges charted (the newest)
CHALLENGE_CHARTS = 3


def pct(value: float | None) -> str:
    return "–" if value is None else format_percent(value, "#,##0.#%")


def _date_arg(name: str) -> date | None:
    text = request.args.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def active_chart(health: Health) -> hc.Chart:
    shares = [d.active_share for d in health.days]
    labels = [day_label(d.day) for d in health.days]
    return hc.Chart(
        id="active-share",
        title=gettext("Active share per date"),
        desc=gettext(
            "Share of members with a valid check-in on each date. Reference lines: a healthy large group "
            "has %(low)s–%(high)s active members; a pruned core group keeps over %(core)s.",
            low=pct(HEALTHY_LARGE_GROUP[0]),
            high=pct(HEALTHY_LARGE_GROUP[1]),
            core=pct(PRUNED_CORE_GROUP),
        ),
        series=[hc.Series(gettext("Active share"), "s-active", points=hc.polyline(shares, 1.0))],
        references=[
            hc.reference(
                gettext(
                    "Healthy large group: %(low)s–%(high)s",
                    low=pct(HEALTHY_LARGE_GROUP[0]),
                    high=pct(HEALTHY_LARGE_GROUP[1]),
                ),
                "r-band",
                *HEALTHY_LARGE_GROUP,
            ),
            hc.reference(
                gettext("Pruned core group: over %(core)s", core=pct(PRUNED_CORE_GROUP)),
                "r-line",
                PRUNED_CORE_GROUP,
            ),
        ],
        y_ticks=hc.percent_ticks(),
        x_ticks=hc.edge_ticks(labels),
        header=[gettext("Date"), gettext("Members"), gettext("Active"), gettext("Active share")],
        rows=[
            [labels[i], str(d.members), str(d.active), pct(d.active_share)] for i, d in enumerate(health.days)
        ],
    )


def survival_chart(health: Health) -> hc.Chart:
    labels = [day_label(d.day) for d in health.days]
    return hc.Chart(
        id="survival",
        title=gettext("Survival at 7 and 30 days"),
        desc=gettext(
            "Of the members who joined at least 7 (30) days before each date, the share with a check-in in "
            "the 7 days ending on their join date + 7 (30). Reference: over %(dead)s of new groups are dead "
            "within 7 days.",
            dead=pct(1 - NEW_GROUPS_ALIVE_AFTER_7_DAYS),
        ),
        series=[
            hc.Series(
                gettext("7 days"), "s-survival7", points=hc.polyline([d.survival_7 for d in health.days], 1.0)
            ),
            hc.Series(
                gettext("30 days"),
                "s-survival30",
                points=hc.polyline([d.survival_30 for d in health.days], 1.0),
            ),
        ],
        references=[
            hc.reference(
                gettext(
                    "Over %(dead)s of new groups dead within 7 days",
                    dead=pct(1 - NEW_GROUPS_ALIVE_AFTER_7_DAYS),
                ),
                "r-line",
                NEW_GROUPS_ALIVE_AFTER_7_DAYS,
            )
        ],
        y_ticks=hc.percent_ticks(),
        x_ticks=hc.edge_ticks(labels),
        header=[gettext("Date"), gettext("7 days"), gettext("30 days")],
        rows=[[labels[i], pct(d.survival_7), pct(d.survival_30)] for i, d in enumerate(health.days)],
    )


def challenge_chart(challenge: ChallengeFigures) -> hc.Chart:
    days = challenge.settled
    top_out = max([d.eliminated_so_far for d in days] + [d.took_part for d in days] + [1])
    labels = [gettext("Day %(day)s", day=d.day_index + 1) for d in days]
    return hc.Chart(
        id=f"challenge-{challenge.id}",
        title=gettext("%(challenge)s: check-in rate and eliminations", challenge=challenge.title),
        desc=gettext(
            "Bars: valid check-ins of each settled day over the enrollments taking part in it. Line: "
            "enrollments eliminated on or before each day, on the scale of the table."
        ),
        series=[
            hc.Series(gettext("Check-in rate"), "s-rate", bars=hc.bars([d.checkin_rate for d in days], 1.0)),
            hc.Series(
                gettext("Eliminated so far"),
                "s-out",
                points=hc.polyline([d.eliminated_so_far / top_out for d in days], 1.0),
            ),
        ],
        references=[],
        y_ticks=hc.percent_ticks(),
        x_ticks=hc.edge_ticks(labels),
        header=[gettext("Day"), gettext("Check-in rate"), gettext("Took part"), gettext("Eliminated so far")],
        rows=[
            [
                labels[i],
                gettext("excused") if d.excused else pct(d.checkin_rate),
                str(d.took_part),
                str(d.eliminated_so_far),
            ]
            for i, d in enumerate(days)
        ],
    )


def _render(community, health: Health, form: HealthSettingsForm, status: int = 200):
    charts = [active_chart(health)] + ([] if health.squad else [survival_chart(health)])
    charts += [challenge_chart(c) for c in health.challenges[-CHALLENGE_CHARTS:] if c.settled]
    latest = health.days[-1] if health.days else None
    return (
        render_template(
            "organizer/health.html",
            community=community,
            health=health,
            latest=latest,
            charts=charts,
            form=form,
            pct=pct,
            money=money,
            exports=list(exports.EXPORTS),
            alert_percent=None if health.alert_bps is None else alerts.percent(health.alert_bps),
        ),
        status,
    )


def _squad_arg() -> int | None:
    """``?squad=`` as an id (anything else: the whole community)."""
    text = request.args.get("squad", "")
    return int(text) if text.isdecimal() and 0 < int(text) < 2**63 else None


def _health(community_id: int):
    squad_id = _squad_arg()
    try:
        return read(
            figures.community_health,
            community_id,
            me(),
            start=_date_arg("from"),
            end=_date_arg("to"),
            squad_id=squad_id,
        )
    except InvalidInput:
        flash(gettext("That period cannot be shown: the last 30 days are shown instead."), "error")
        return read(figures.community_health, community_id, me(), start=None, end=None, squad_id=squad_id)


@web_bp.get("/communities/<id:community_id>/health")
@login_required
def community_health(community_id: int):
    """The community's health, organizers only."""
    community = visible_community(db.session, community_id, me(), Audience.ORGANIZERS)
    health = _health(community_id)
    form = HealthSettingsForm(
        timezone=community.timezone,
        alert_percent=""
        if community.health_alert_bps is None
        else alerts.percent(community.health_alert_bps),
    )
    return _render(community, health, form)


@web_bp.post("/communities/<id:community_id>/health/settings")
@login_required
def community_health_settings(community_id: int):
    community = visible_community(db.session, community_id, me(), Audience.ORGANIZERS)
    form = HealthSettingsForm()
    if form.validate_on_submit():
        changes = {"timezone": form.timezone.data.strip(), "health_alert_bps": form.alert_bps()}
        outcome = attempt(communities.update_community, community, me(), changes=changes, form=form)
        if outcome.ok:
            flash(gettext("Health settings saved."), "success")
            return redirect(url_for("web.community_health", community_id=community.id))
    return _render(community, _health(community_id), form, status=422)


@web_bp.get("/communities/<id:community_id>/export/<any(members,checkins,settlements):kind>.csv")
@login_required
def community_export(community_id: int, kind: str):
    """An export as CSV, streamed; organizers only."""
    return csv_response(exports.export(db.session, community_id, me(), kind))
