"""Community pages: browse, read, join (through the entry rules the organizer set), and start one.

Any signed-in member may start a community (they become its organizer); its challenges are
launched from the organizer pages (``habits.web.organizer``). The organizers read the invite code
on the community's page, may replace it, and are told there when the server replaced it.
Failed joins are limited per member and per address (``habits.join_limits``), as in the API.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from habits import join_limits
from habits.domain import invite_codes
from habits.extensions import db
from habits.models import MembershipStatus
from habits.services import challenges, communities, entry, visibility
from habits.services.entry import QuizFailed
from habits.services.errors import InvalidInput
from habits.services.visibility import Audience
from habits.unit_of_work import request_now
from habits.web import web_bp
from habits.web.edge import attempt, me, page_arg
from habits.web.entry import join_problems, typed_answers
from habits.web.forms import CommunityForm, EmptyForm, JoinCommunityForm

PER_PAGE = 20


@web_bp.get("/communities", endpoint="communities")
@login_required
def communities_page():
    page = page_arg()
    items, total = communities.list_communities(db.session, page=page, per_page=PER_PAGE, newest_first=True)
    counts = communities.member_counts(db.session, [c.id for c in items])
    mine = communities.roles_of(db.session, current_user.id, [c.id for c in items])
    return render_template(
        "communities/list.html",
        items=items,
        counts=counts,
        mine=mine,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        total=total,
    )


@web_bp.get("/communities/<id:community_id>")
@login_required
def community(community_id: int):
    """Its description and entry rules for any signed-in member; its challenges for its members."""
    return _community_page(visibility.visible_community(db.session, community_id, me()), JoinCommunityForm())


def _community_page(community, join_form, *, typed=None, problems=None, summary=(), status: int = 200):
    """The community's page; after a refused join, with what was typed (``typed``: the form's
    answers by key, the quiz's by question) and each problem on its question or field."""
    sight = visibility.sight(db.session, me(), community.id)
    membership = communities.membership_of(db.session, community.id, current_user.id)
    active = membership is not None and membership.status == MembershipStatus.ACTIVE
    organizing = sight.organizer
    items = []
    if sight.sees(Audience.MEMBERS):
        items, _total = challenges.list_challenges(db.session, community, page=1, per_page=50)
    members = communities.member_counts(db.session, [community.id]).get(community.id, 0)
    if request.method == "GET" and request.args.get("invite"):
        join_form.invite_code.data = request.args.get("invite", "")[:64]
    return render_template(
        "communities/detail.html",
        community=community,
        membership=membership,
        active=active,
        organizing=organizing,
        challenges=items,
        sees_challenges=sight.sees(Audience.MEMBERS),
        members=members,
        join_form=join_form,
        form=join_form,  # base.html: the error summary, not a flash, takes the focus
        needs=entry.requirements(db.session, community, None),
        typed=typed or {"form": {}, "quiz": []},
        problems=problems or {},
        answer_problems=list(summary),
        pending=_pending_count(community) if organizing else 0,
        invite_code=invite_codes.display(community.invite_code)
        if organizing and community.invite_code
        else None,
        invite_form=EmptyForm() if organizing else None,
    ), status


def _pending_count(community) -> int:
    _rows, total = communities.list_memberships(
        db.session, community, me(), page=1, per_page=1, status=MembershipStatus.PENDING, now=request_now()
    )
    return total


@web_bp.post("/communities/<id:community_id>/join")
@login_required
def join_community(community_id: int):
    """A refused join shows the page again with everything typed kept and each unmet entry rule
    marked on its box (a wrong code on the code, a wrong answer on its question or field)."""
    community = communities.get_community(db.session, community_id)
    form = JoinCommunityForm()
    needs = entry.requirements(db.session, community, None)
    form_answers, quiz_answers = typed_answers(needs)
    typed = {"form": form_answers, "quiz": quiz_answers or []}
    if not form.validate_on_submit():
        return _refused_join(community, form, typed, None)
    join_limits.refuse_when_over(me().id)
    outcome = attempt(
        communities.join_community,
        community,
        me(),
        form=form,
        invite_code=form.invite_code.data or None,
        quiz_answers=quiz_answers,
        form_answers=form_answers,
    )
    if outcome.ok:
        if outcome.value.status == MembershipStatus.PENDING:
            flash(gettext("Thanks! An organizer will look at your request soon."))
        else:
            flash(gettext("Welcome to %(name)s!", name=community.name))
        return redirect(url_for("web.community", community_id=community.id))
    if isinstance(outcome.error, InvalidInput):
        join_limits.count_failure(me().id, community=community, refusal=outcome.error)
    if isinstance(outcome.error, QuizFailed):
        # a failed quiz is answered again from scratch
        typed["quiz"] = []
    return _refused_join(community, form, typed, outcome.error.errors)


def _refused_join(community, form, typed, errors):
    page = visibility.visible_community(db.session, community.id, me())
    problems, summary = join_problems(entry.requirements(db.session, community, None), errors)
    return _community_page(page, form, typed=typed, problems=problems, summary=summary, status=422)


@web_bp.route("/communities/new", methods=["GET", "POST"])
@login_required
def new_community():
    form = CommunityForm()
    if form.validate_on_submit():
        outcome = attempt(
            communities.create_community,
            me(),
            form=form,
            name=form.name.data,
            theme=form.theme.data,
            description=form.description.data or "",
            rules_text=form.rules_text.data or "",
            entry={
                "invite_only": bool(form.invite_only.data),
                "approval": bool(form.approval.data),
                "form": form.form_fields(),
            },
        )
        if outcome.ok:
            flash(gettext("Your community is ready. Launch its first challenge!"), "success")
            return redirect(url_for("web.new_challenge", community_id=outcome.value.id))
    status = 422 if form.errors else 200
    return render_template("organizer/new_community.html", form=form), status


@web_bp.post("/communities/<id:community_id>/invite-code")
@login_required
def invite_code(community_id: int):
    """Organizers: a new invite code (``action=new``), or "I have read the notice" (``dismiss``)."""
    community = communities.get_community(db.session, community_id)
    if EmptyForm().validate_on_submit():
        if request.form.get("action") == "new":
            outcome = attempt(
                communities.update_community, community, me(), changes={"entry": {"new_invite_code": True}}
            )
            if outcome.ok:
                flash(gettext("A new invite code is ready; the old one no longer works."), "success")
        else:
            attempt(communities.dismiss_invite_code_notice, community, me())
    return redirect(url_for("web.community", community_id=community.id))
