"""What the pages show of appeals: the member's panels (home, check-in and enrollment pages:
``templates/appeals/_ask.html``) and the organizers' review block on the dashboard
(``templates/appeals/_review.html``). No routes here (``habits.web.appeals`` has them), so the
pages that show the panels and the routes that re-render those pages import this module alike.

A panel is one day still open to an appeal (its window opened, not due yet) that has something to
say: a voided check-in (why, and who voided it), a window closed without a check-in, or a
request and what became of it. Where the member may ask, the panel holds the form: the one just
posted (its errors and what was typed) or a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass

from habits.extensions import db
from habits.models import AppealStatus, Challenge, Enrollment
from habits.services import appeals
from habits.web.edge import me, read, request_now
from habits.web.forms import AppealAskForm, AppealDecisionForm

#: the most waiting requests the dashboard lists (oldest first)
REVIEW_LIMIT = 100


@dataclass(frozen=True)
class PostedAsk:
    """An ask form that was posted and refused, to show again on its page."""

    enrollment_id: int
    day_index: int
    form: AppealAskForm


@dataclass(frozen=True)
class AppealPanel:
    day: appeals.MemberDay
    #: the ask form, where the member may ask
    form: AppealAskForm | None
    #: the element's id: the page comes back to it once the form was sent
    anchor: str


def ask_prefix(enrollment_id: int, day_index: int) -> str:
    return f"ask-{enrollment_id}-{day_index}"


def ask_form(enrollment_id: int, day_index: int, *, back: str) -> AppealAskForm:
    form = AppealAskForm(prefix=ask_prefix(enrollment_id, day_index), formdata=None)
    form.back.data = back
    return form


def member_panels(enrollment: Enrollment, *, back: str, posted: PostedAsk | None = None) -> list[AppealPanel]:
    """The enrollment's days with something to say about appeals, in order."""
    panels = []
    for day in read(appeals.member_days, enrollment):
        if not day.worth_showing:
            continue
        if _is_posted(posted, enrollment.id, day.day_index):
            form = posted.form  # with its errors and what was typed
        else:
            form = ask_form(enrollment.id, day.day_index, back=back) if day.may_ask else None
        panels.append(AppealPanel(day, form, f"appeal-{enrollment.id}-{day.day_index}"))
    return panels


def _is_posted(posted: PostedAsk | None, enrollment_id: int, day_index: int) -> bool:
    return posted is not None and (posted.enrollment_id, posted.day_index) == (enrollment_id, day_index)


# -- the organizers' review -------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    line: appeals.AppealLine
    form: AppealDecisionForm
    anchor: str


def decision_prefix(appeal_id: int) -> str:
    return f"appeal-{appeal_id}"


def review_items(
    challenge: Challenge, *, posted: tuple[int, AppealDecisionForm] | None = None
) -> list[ReviewItem]:
    """The challenge's requests waiting for a decision that can still be accepted (their day is
    not due), oldest first, each with its decision form (the posted one where it was refused)."""
    lines, _total = appeals.challenge_appeals(
        db.session, challenge.id, me(), status=AppealStatus.PENDING, page=1, per_page=REVIEW_LIMIT
    )
    now = request_now()
    items = []
    for line in lines:
        if line.due_at <= now:
            continue
        if posted is not None and posted[0] == line.id:
            form = posted[1]
        else:
            form = AppealDecisionForm(prefix=decision_prefix(line.id), formdata=None)
        items.append(ReviewItem(line, form, f"appeal-request-{line.id}"))
    return items
