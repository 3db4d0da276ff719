"""Entry pages: the join form's answers, the organizers' entry settings (quiz and form editor),
the approval queue, the member list, and a member's personal invite link with its QR code.

Who sees what (SPEC): registration answers, tags and the approval queue are the organizers';
a member sees their own invite link (and its QR image), which the organizers may also read.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from habits.domain import entry as rules
from habits.domain import invite_codes
from habits.extensions import db
from habits.invitation_links import invitation_link, qr_response
from habits.models import MembershipStatus
from habits.services import communities, entry, invitations, visibility
from habits.services.communities import MemberFilter
from habits.services.entry import Requirements
from habits.unit_of_work import request_now
from habits.web import web_bp
from habits.web.edge import attempt, me, page_arg
from habits.web.forms import EmptyForm
from habits.web.refusals import field_message

PER_PAGE = 50
#: how much of a typed answer is kept when the page is shown again
MAX_TYPED = 500


# -- the join form --------------------------------------------------------------------------------


def typed_answers(needs: Requirements) -> tuple[dict, list | None]:
    """The form's and the quiz's answers as posted (``form-<key>``, ``quiz-<i>``)."""
    form_answers = {}
    for field in needs.form:
        raw = request.form.get(f"form-{field['key']}", "").strip()[:MAX_TYPED]
        if raw:
            form_answers[field["key"]] = raw
    quiz_answers = None
    if needs.quiz:
        quiz_answers = []
        for i in range(len(needs.quiz["questions"])):
            raw = request.form.get(f"quiz-{i}", "")
            quiz_answers.append(int(raw) if raw.isdigit() and len(raw) < 4 else None)
    return form_answers, quiz_answers


def join_problems(needs: Requirements, errors: dict | None) -> tuple[dict[str, str], list[tuple]]:
    """A refusal's field errors as messages by box name, and the summary's (box id, label,
    message) rows: each on the question or field it is about."""
    by_name: dict[str, str] = {}
    summary = []
    labels = {f"form_answers.{field['key']}": (_box(field), field["label"]) for field in needs.form}
    if needs.quiz:
        for i, question in enumerate(needs.quiz["questions"]):
            labels[f"quiz_answers.{i}"] = (f"quiz-{i}-0", question["text"])
        labels["quiz_answers"] = ("quiz-0-0", gettext("Quiz"))
    for name, messages in (errors or {}).items():
        if name not in labels:
            continue
        message = " ".join(field_message(m) for m in messages)
        by_name[name] = message
        summary.append((*labels[name], message))
    return by_name, summary


def _box(field: dict) -> str:
    return f"form-{field['key']}-0" if field["kind"] == "choice" else f"form-{field['key']}"


# -- the organizers' settings: quiz and form editor -------------------------------------------------


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    try:
        return int(raw) if raw and len(raw) <= 10 else None
    except ValueError:
        return None


def _lines(raw: str | None) -> list[str]:
    kept = [" ".join(line.split())[:120] for line in (raw or "").splitlines() if line.strip()]
    return kept[: rules.MAX_CHOICES]


def posted_settings() -> tuple[dict, list[dict], list[dict], dict[str, str], dict]:
    """The editor's boxes as posted: the entry changes, the rows to show again, the problems
    the page finds itself (a number that is not one) by box id, and the kept rows' positions."""
    own: dict[str, str] = {}
    questions, question_rows = [], []
    for i in range(rules.MAX_QUESTIONS + 1):
        text = " ".join(request.form.get(f"q-{i}-text", "").split())[:300]
        if f"q-{i}-text" not in request.form:
            break
        row = {
            "text": text,
            "choices": request.form.get(f"q-{i}-choices", "")[:2000],
            "answer": request.form.get(f"q-{i}-answer", "")[:10],
        }
        question_rows.append(row)
        if not text:
            continue
        answer = _int(row["answer"])
        questions.append(
            (i, {"text": text, "choices": _lines(row["choices"]), "answer": answer - 1 if answer else -1})
        )
    fields, field_rows = [], []
    taken: set[str] = set()
    for j in range(rules.MAX_FIELDS + 1):
        if f"f-{j}-label" not in request.form:
            break
        label = " ".join(request.form.get(f"f-{j}-label", "").split())[:200]
        row = {
            "label": label,
            "key": request.form.get(f"f-{j}-key", "").strip()[:40],
            "kind": request.form.get(f"f-{j}-kind", "text"),
            "choices": request.form.get(f"f-{j}-choices", "")[:2000],
            "required": bool(request.form.get(f"f-{j}-required")),
            "min": request.form.get(f"f-{j}-min", "")[:12],
            "max": request.form.get(f"f-{j}-max", "")[:12],
        }
        field_rows.append(row)
        if not label:
            continue
        kind = row["kind"] if row["kind"] in rules.KINDS else "text"
        key = row["key"] or rules.key_for(label, taken, j + 1)
        taken.add(key)
        field = {"key": key, "label": label, "kind": kind, "required": row["required"]}
        if kind == "choice":
            field["choices"] = _lines(row["choices"])
        if kind == "number":
            for bound in ("min", "max"):
                if row[bound].strip():
                    value = _int(row[bound])
                    if value is None or abs(value) > rules.NUMBER_BOUND:
                        own[f"f-{j}-{bound}"] = gettext("Enter a whole number.")
                    else:
                        field[bound] = value
        fields.append((j, field))
    pass_mark = _int(request.form.get("pass_mark"))
    changes = {
        "invite_only": bool(request.form.get("invite_only")),
        "approval": bool(request.form.get("approval")),
        "quiz": {"questions": [q for _i, q in questions], "pass_mark": pass_mark or 0} if questions else None,
        "form": [f for _j, f in fields],
    }
    quota = _int(request.form.get("invite_quota"))
    if quota is None or not 0 <= quota <= 10_000:
        own["invite_quota"] = gettext("A whole number from %(min)s to %(max)s.", min=0, max=10_000)
    else:
        changes["invite_quota"] = quota
    # which row each kept question and field came from, to put the service's refusals on them
    rows = {"questions": [i for i, _q in questions], "fields": [j for j, _f in fields]}
    return changes, question_rows, field_rows, own, rows


def settings_problems(errors: dict | None, rows: dict) -> dict[str, str]:
    """The service's refusal on the editor's boxes: ``quiz.questions.1.choices`` on the second
    kept question's choices box, and so on."""
    found: dict[str, str] = {}
    for name, messages in (errors or {}).items():
        parts = name.removeprefix("entry.").split(".")
        message = " ".join(field_message(m) for m in messages)
        if parts[:2] == ["quiz", "questions"] and len(parts) == 4 and int(parts[2]) < len(rows["questions"]):
            found[f"q-{rows['questions'][int(parts[2])]}-{parts[3]}"] = message
        elif parts[:2] == ["quiz", "questions"]:
            found["q-0-text"] = message
        elif parts == ["quiz", "pass_mark"]:
            found["pass_mark"] = message
        elif parts[0] == "form" and len(parts) == 3 and int(parts[1]) < len(rows["fields"]):
            found[f"f-{rows['fields'][int(parts[1])]}-{parts[2]}"] = message
        else:
            found["entry"] = message
    return found


def _rows_of(community) -> tuple[list[dict], list[dict]]:
    quiz = community.entry_quiz or {"questions": []}
    questions = [
        {"text": q["text"], "choices": "\n".join(q["choices"]), "answer": str(q["answer"] + 1)}
        for q in quiz["questions"]
    ]
    fields = [
        {
            "label": f["label"],
            "key": f["key"],
            "kind": f["kind"],
            "choices": "\n".join(f.get("choices") or []),
            "required": bool(f.get("required")),
            "min": "" if f.get("min") is None else str(f["min"]),
            "max": "" if f.get("max") is None else str(f["max"]),
        }
        for f in community.entry_form or []
    ]
    return questions, fields


_BLANK_QUESTION = {"text": "", "choices": "", "answer": ""}
_BLANK_FIELD = {
    "label": "",
    "key": "",
    "kind": "text",
    "choices": "",
    "required": False,
    "min": "",
    "max": "",
}


@web_bp.route("/communities/<id:community_id>/entry", methods=["GET", "POST"])
@login_required
def entry_settings(community_id: int):
    """Organizers: invitation only, approval, the invite quota, the quiz and the form. Blank
    rows add a question or a field; a question or field whose text is emptied goes away."""
    community = _organized(community_id)
    form = EmptyForm()
    problems: dict[str, str] = {}
    pass_mark = str((community.entry_quiz or {}).get("pass_mark", ""))
    if request.method == "POST" and form.validate_on_submit():
        changes, question_rows, field_rows, own, rows = posted_settings()
        pass_mark = request.form.get("pass_mark", "")[:10]
        values = {
            "invite_only": changes["invite_only"],
            "approval": changes["approval"],
            "invite_quota": request.form.get("invite_quota", "")[:10],
        }
        problems = own
        if not problems:
            outcome = attempt(communities.update_community, community, me(), changes={"entry": changes})
            if outcome.ok:
                flash(gettext("The entry rules are saved."), "success")
                return redirect(url_for("web.entry_settings", community_id=community.id))
            problems = settings_problems(outcome.error.errors, rows)
        else:
            flash(gettext("Please correct the marked fields."), "error")
    else:
        question_rows, field_rows = _rows_of(community)
        values = {
            "invite_only": community.invite_only,
            "approval": community.approval,
            "invite_quota": str(community.invite_quota),
        }
    status = 422 if problems else 200
    return render_template(
        "communities/entry_settings.html",
        community=community,
        form=form,
        values=values,
        pass_mark=pass_mark,
        question_rows=[*question_rows, dict(_BLANK_QUESTION)][: rules.MAX_QUESTIONS],
        field_rows=[*field_rows, dict(_BLANK_FIELD)][: rules.MAX_FIELDS],
        kinds=_kind_labels(),
        problems=problems,
        invite_code=invite_codes.display(community.invite_code) if community.invite_code else None,
    ), status


def _kind_labels() -> list[tuple[str, str]]:
    return [("text", gettext("Text")), ("choice", gettext("Choice")), ("number", gettext("Number"))]


def _organized(community_id: int):
    """The community, for its organizers: 404 for whoever cannot see it, 403 for the others."""
    community = visibility.visible_community(db.session, community_id, me())
    if not visibility.sight(db.session, me(), community.id).organizer:
        abort(403)
    return community


# -- the approval queue and the member list ---------------------------------------------------------


def _filters(*names: str) -> dict:
    """The list filters from the query (anything unknown is ignored, never a 500)."""
    found = {}
    tag = request.args.get("tag", "").strip()[:100]
    if "tag" in names and tag:
        found["tag"] = tag
    answer = request.args.get("answer", "").strip()[:100]
    if "answer" in names and answer:
        found["answer"] = answer
    status = request.args.get("status", "")
    if "status" in names and status in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
        found["status"] = status
    activity = request.args.get("activity", "")
    if "activity" in names and activity in (MemberFilter.ACTIVE, MemberFilter.INACTIVE):
        found["activity"] = activity
    return found


def _member_list(template: str, community, filters: dict, **extra):
    """One page of the filtered members, with the community's tags to filter by."""
    items, page, pages, total = _member_rows(community, filters)
    return render_template(
        template,
        community=community,
        items=items,
        page=page,
        pages=pages,
        total=total,
        filters=filters,
        tags=entry.tag_counts(db.session, community.id),
        **extra,
    )


def _member_rows(community, filters: dict):
    page = page_arg()
    rows, total = communities.list_memberships(
        db.session, community, me(), page=page, per_page=PER_PAGE, now=request_now(), **filters
    )
    ids = [member.id for _m, member in rows]
    tags = entry.tags_of(db.session, community.id, ids)
    last = communities.last_check_ins(db.session, community.id, ids)
    labels = {field["key"]: field["label"] for field in community.entry_form or []}
    items = [
        {
            "membership": membership,
            "member": member,
            "tags": tags.get(member.id, []),
            "answers": [(labels.get(key, key), value) for key, value in (membership.answers or {}).items()],
            "last_check_in_at": last.get(member.id),
        }
        for membership, member in rows
    ]
    return items, page, max(1, -(-total // PER_PAGE)), total


@web_bp.get("/communities/<id:community_id>/requests")
@login_required
def join_requests(community_id: int):
    """Organizers: the members waiting for approval, with their answers and tags, filterable by
    a tag and by a word of their answers."""
    community = _organized(community_id)
    filters = {**_filters("tag", "answer"), "status": MembershipStatus.PENDING}
    return _member_list("communities/join_requests.html", community, filters, form=EmptyForm())


@web_bp.post("/communities/<id:community_id>/requests/<id:member_id>")
@login_required
def decide_join_request(community_id: int, member_id: int):
    """Approve (``action=approve``) or turn down a request to join."""
    community = _organized(community_id)
    if EmptyForm().validate_on_submit():
        if request.form.get("action") == "approve":
            outcome = attempt(communities.update_membership, community, me(), member_id, approve=True)
            if outcome.ok:
                flash(gettext("Approved: they are a member now."), "success")
        else:
            outcome = attempt(communities.remove_member, community, me(), member_id)
            if outcome.ok:
                flash(gettext("The request is turned down."), "success")
    return redirect(url_for("web.join_requests", community_id=community.id, **_filters("tag", "answer")))


@web_bp.get("/communities/<id:community_id>/members")
@login_required
def community_members(community_id: int):
    """Organizers: the members with their tags and last check-in, filterable by tag, status and
    recent activity (checked in within the last 7 days, or not)."""
    community = _organized(community_id)
    filters = _filters("tag", "status", "activity")
    return _member_list(
        "communities/members.html", community, filters, activity_days=communities.ACTIVITY_DAYS
    )


# -- the personal invite link -------------------------------------------------------------------------


@web_bp.route("/communities/<id:community_id>/invite", methods=["GET", "POST"])
@login_required
def invitation(community_id: int):
    """A member's own invite link: made when they ask (POST), shown with its QR code and a
    button that copies or shares it."""
    community = visibility.visible_community(db.session, community_id, me())
    if not visibility.sight(db.session, me(), community.id).member:
        abort(403)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        outcome = attempt(invitations.invitation_for, community, me())
        if outcome.ok:
            return redirect(url_for("web.invitation", community_id=community.id))
    mine = invitations.mine(db.session, community.id, me().id)
    return render_template(
        "communities/invite.html",
        community=community,
        form=form,
        invitation=mine,
        link=invitation_link(community.id, mine.code) if mine else None,
        uses=invitations.uses(db.session, mine.id) if mine else 0,
    )


@web_bp.get("/invitations/<string(length=10):code>/qr.png")
@login_required
def invitation_qr(code: str):
    """The QR code of an invitation's link: its member and the community's organizers."""
    found = invitations.visible_invitation(db.session, code, me())
    return qr_response(found.community_id, found.code)
