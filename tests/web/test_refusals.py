"""The pages translate a refusal through its code (habits.web.refusals), never through its class
name or its English text; a refusal without a page message shows the service's own detail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from habits.domain import entry as entry_rules
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Member
from habits.services import (
    account_deletion,
    challenges,
    chat_hooks,
    communities,
    daymarks,
    email_change,
    members,
    photos,
    terms,
)
from habits.services.challenges import ChallengeStarted
from habits.services.chat_hooks import HookSettings
from habits.services.checkins import AlreadyCheckedIn, CheckInClosed
from habits.services.errors import FieldError, Forbidden, HabitsError, InvalidInput
from habits.services.outbound_urls import OutboundPolicy
from habits.services.wallets import NotEnoughInWallet
from habits.web.refusals import FIELD_MESSAGES, REFUSALS, field_message, friendly_error
from tests import images
from tests.factories import at_local, make_challenge, make_community, make_enrollment, make_member
from tests.refusals import all_refusals
from tests.timehelpers import travel
from tests.web.helpers import log_in, post_form, text_of
from tests.web.test_organizer_pages import GOOD_RULES

ENTRY_FORM = [
    {"key": "city", "label": "City", "kind": "text", "required": True},
    {"key": "band", "label": "Age band", "kind": "choice", "choices": ["18-29", "30+"]},
    {"key": "age", "label": "Age", "kind": "number", "min": 10, "max": 99},
    {"key": "km", "label": "Km", "kind": "number"},
    {"key": "goal", "label": "Goal", "kind": "text"},
    {"key": "note", "label": "Note", "kind": "text"},
]
BAD_FORM_ANSWERS = {"band": "99+", "age": "200", "km": "far", "goal": ["x"], "note": "x" * 300, "extra": "?"}
ENTRY_QUIZ = {"questions": [{"text": "Q", "choices": ["a", "b"], "answer": 0}], "pass_mark": 1}
BAD_QUIZ = {
    "questions": [
        {"text": "Q", "choices": ["a", "a"], "answer": 5},
        {"text": "R", "choices": ["a"], "answer": 0},
    ],
    "pass_mark": 3,
}
BAD_FORM = [
    {"key": "Bad key", "label": "x", "kind": "text"},
    {"key": "c", "label": "x", "kind": "choice", "choices": ["one"]},
    {"key": "c", "label": "x", "kind": "number", "min": 5, "max": 1},
]


@pytest.fixture
def page(app):
    with app.test_request_context("/"):
        yield


def test_every_code_in_the_table_is_a_real_refusal():
    codes = {cls.code for cls in all_refusals()}
    assert set(REFUSALS) - codes == set()


def test_every_field_code_in_the_table_is_one_a_service_writes(session):
    now = datetime(2026, 3, 1, tzinfo=UTC)
    good = {
        **challenges.DEFAULTS,
        "timezone": "Asia/Shanghai",
        "start_date": date(2026, 3, 10),
        "days": 10,
        "window_open": "05:00",
        "window_close": "07:00",
        "deposit_minor": 10000,
        "currency": "CNY",
    }
    broken_rules = [
        {"window_open": "24:00", "window_close": "7:5", "days": 0, "min_participants": 0},
        {"window_open": "08:00", "window_close": "06:00", "deposit_minor": 5, "rest_days": 11},
        {
            "timezone": "America/New_York",
            "start_date": date(2026, 3, 7),
            "window_open": "02:30",
            "window_close": "03:10",
        },
        {"start_date": date(2026, 2, 27)},
        {"currency": "USD\n"},
        {"squad_size": 1, "flash": True},
    ]
    written = {
        error.code
        for changes in broken_rules
        for errors in challenges.check_rules({**good, **changes}, now=now).values()
        for error in errors
    }
    club = make_community(session, invite_code="OWL")
    with pytest.raises(InvalidInput) as refused:
        communities.join_community(session, club, make_member(session), invite_code="nope", now=now)
    written |= {error.code for errors in refused.value.errors.values() for error in errors}
    # the entry's form and quiz (habits.domain.entry), the member's answers and the organizer's
    written |= {
        p.code for ps in entry_rules.clean_form_answers(ENTRY_FORM, BAD_FORM_ANSWERS)[1].values() for p in ps
    }
    written |= {p.code for ps in entry_rules.quiz_answer_problems(ENTRY_QUIZ, [7]).values() for p in ps}
    written |= {p.code for ps in entry_rules.quiz_answer_problems(ENTRY_QUIZ, None).values() for p in ps}
    written |= {p.code for ps in entry_rules.quiz_problems(BAD_QUIZ).values() for p in ps}
    written |= {
        p.code for ps in entry_rules.quiz_problems({"questions": [], "pass_mark": 1}).values() for p in ps
    }
    written |= {p.code for ps in entry_rules.form_problems(BAD_FORM).values() for p in ps}
    written |= {"quiz_failed", "invitation_used_up"}
    member = make_member(session)
    for current, new in (("not it", " " * 8), ("not it", "password")):
        with pytest.raises(InvalidInput) as refused:
            members.change_password(session, member, current_password=current, new_password=new, now=now)
        written |= {error.code for errors in refused.value.errors.values() for error in errors}
    # update_challenge: frozen since the first member joined and paid, and since day 0 opened
    paid = make_challenge(session)
    make_enrollment(session, paid, status="active")
    organizer = session.get(Member, paid.created_by_id)
    for at in (now, paid.day_zero_opens_at):
        with pytest.raises(HabitsError) as refused:
            challenges.update_challenge(session, paid, organizer, changes={"days": 3, "fee_bps": 1}, now=at)
        written |= {error.code for errors in refused.value.errors.values() for error in errors}
    # ... and since it was cancelled before day 0
    called_off = make_challenge(session)
    organizer = session.get(Member, called_off.created_by_id)
    challenges.cancel_challenge(session, called_off, organizer, now=now)
    with pytest.raises(HabitsError) as refused:
        challenges.update_challenge(session, called_off, organizer, changes={"days": 3}, now=now)
    written |= {error.code for errors in refused.value.errors.values() for error in errors}
    bad_photos = [
        b"",
        images.png() * 10,
        b"GIF89a",
        b"\xff\xd8\xff" + b"\x00" * 9,
        images.png_claiming(9999, 9999),
    ]
    for data in bad_photos:
        with pytest.raises(InvalidInput) as refused:
            photos.accept_photo(data, max_bytes=len(images.png()) * 2)
        written |= {error.code for errors in refused.value.errors.values() for error in errors}
    # email_change.request_email_change: not an address, another member's address
    for address in ("no at sign", make_member(session).email):
        with pytest.raises(HabitsError) as refused:
            email_change.request_email_change(session, member, new_email=address, composer=None, now=now)
        written |= {error.code for errors in refused.value.errors.values() for error in errors}
    # terms (sign-up, acceptance, publishing) and deleting an account
    refusals_of_terms = [
        lambda: terms.check_offered_version(session, None),
        lambda: terms.check_offered_version(session, 99),
        lambda: terms.publish_terms(session, body="  ", now=now),
        lambda: terms.publish_terms(session, body="x" * (terms.MAX_BODY + 1), now=now),
        lambda: terms.publish_terms(session, body="Be kind.", now=now),
        lambda: account_deletion.delete_account(
            session, member, password="not it", photos=photos.PhotoStore("/nonexistent"), now=now
        ),
    ]
    terms.publish_terms(session, body="Be kind.", now=now)
    for refused_by in refusals_of_terms:
        with pytest.raises(InvalidInput) as refused:
            refused_by()
        written |= {error.code for errors in refused.value.errors.values() for error in errors}
    # chat_hooks.connect: each refusal of an outbound URL, a Telegram hook without its chat, a language
    club = make_community(session)
    club_organizer = session.get(Member, club.organizer_id)
    production, anywhere = OutboundPolicy(allowed_hosts={}), OutboundPolicy(allowed_hosts=None)
    hooks = [
        ({"url": "https://" + "a" * 2050 + ".com/"}, anywhere),
        ({"url": "https://hooks.slack.com/a b"}, anywhere),
        ({"url": "http://hooks.slack.com/x"}, anywhere),
        ({"url": "https://u:p@hooks.slack.com/x"}, anywhere),
        ({"url": "https://hooks.slack.com:8443/x"}, anywhere),
        ({"url": "https:///x"}, anywhere),
        ({"url": "https://bad_host.example.com/x"}, anywhere),
        ({"url": "https://2130706433/x"}, anywhere),
        ({"url": "https://discord.com/api/webhooks/1/x"}, production),
        ({"url": "https://nowhere.invalid/x"}, anywhere),
        ({"url": "https://10.0.0.1/x"}, anywhere),
        ({"kind": "telegram", "locale": "fr"}, anywhere),
    ]
    for changes, policy in hooks:
        settings = {"kind": "slack", "url": "https://10.0.0.1/x", "summary_at": "21:00", "locale": "en"}
        with pytest.raises(InvalidInput) as refused:
            chat_hooks.connect(
                session, club, club_organizer, HookSettings(**{**settings, **changes}), policy=policy, now=now
            )
        written |= {error.code for errors in refused.value.errors.values() for error in errors}
    assert set(FIELD_MESSAGES) - written == set()


def test_a_refusal_is_said_by_its_code_in_the_members_language(page):
    closed = CheckInClosed("Closed.", next_window_opens_at="2026-03-03T21:00:00Z")
    already = AlreadyCheckedIn("Already.", day_index=2)
    short = NotEnoughInWallet.for_amounts(available=6999, required=7000, currency="CNY")
    assert "Check-ins are closed right now. Next window:" in friendly_error(closed, zone="Asia/Shanghai")
    assert friendly_error(already) == "You have already checked in for day 3."
    with force_locale("zh_Hans"):
        assert friendly_error(already) != "You have already checked in for day 3."
        assert "3" in friendly_error(already)
        assert "69.99" in friendly_error(short) and "70.00" in friendly_error(short)


def test_the_class_name_does_not_matter_only_the_code(page):
    # not a subclass (that would join every refusal with a duplicate code): anything with the code
    renamed = SimpleNamespace(code=AlreadyCheckedIn.code, extra={"day_index": 0}, detail="Some English.")
    assert friendly_error(renamed) == "You have already checked in for day 1."


def test_a_refusal_without_a_page_message_shows_its_detail(page):
    assert ChallengeStarted.code not in REFUSALS
    assert friendly_error(ChallengeStarted("Day 0's window has opened.")) == "Day 0's window has opened."
    assert friendly_error(HabitsError("Only an active enrollment can take rest days.")) == (
        "Only an active enrollment can take rest days."
    )
    # a message function may decline: a Forbidden that is not about a community's entry rules
    assert friendly_error(Forbidden("Only organizers may do this.")) == "Only organizers may do this."
    assert "join it first" in friendly_error(Forbidden("Join first.", community_id=7))


def test_a_field_error_is_said_by_its_code_else_as_written(page):
    assert field_message(FieldError("rest_days_over_days", "More rest than days.")) == (
        "There cannot be more rest days than days."
    )
    assert field_message(FieldError("no_such_code", "As the service wrote it.")) == "As the service wrote it."
    assert field_message("a plain string") == "a plain string"
    with force_locale("zh_Hans"):
        assert (
            field_message(FieldError("rest_days_over_days", "More rest than days.")) == "休息日不能多于天数。"
        )


def test_the_launch_form_shows_the_services_rules_in_chinese(client, session, world):
    """The form no longer checks window order, rest days or deposit per day itself: the service's
    coded field errors come back translated on the same fields."""
    world.organizer.locale = "zh_Hans"
    session.commit()
    broken = {
        **GOOD_RULES,
        "window_open": "08:00",
        "window_close": "06:00",
        "rest_days": "11",
        "deposit": "0.05",
    }
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        response = post_form(client, f"/communities/{world.community.id}/challenges/new", broken)
    page = text_of(response)
    assert response.status_code == 422
    for chinese in (
        "结束时间必须晚于开始时间（24:00 表示一天结束）。",
        "休息日不能多于天数。",
        "押金至少为 ¥0.10：10 天中每天至少一个最小货币单位。",
        "请修改标出的字段。",
    ):
        assert chinese in page, chinese
    assert "The window must close after it opens" not in page and "minor unit per day" not in page


def test_a_day_mark_refusal_names_the_day_as_people_count_it(session, app):
    """Rest days, excuses and appeals refuse with their own codes; pages say "Day k+1" in the
    member's language, the API's detail too, while ``day_index`` stays 0-based."""
    challenge = make_challenge(session, rest_days=2)
    enrollment = make_enrollment(session, challenge, status=EnrollmentStatus.ACTIVE)
    player = session.get(Member, enrollment.member_id)
    with travel(at_local(challenge, 0, "04:00")):
        daymarks.declare_rest_day(session, enrollment.id, member=player, day_index=2, now=datetime.now(UTC))
        with pytest.raises(daymarks.RestDayTaken) as taken:
            daymarks.declare_rest_day(
                session, enrollment.id, member=player, day_index=2, now=datetime.now(UTC)
            )
    assert taken.value.extra["day_index"] == 2 and "Day 3 " in taken.value.detail
    with app.test_request_context("/"):
        assert friendly_error(taken.value) == "Day 3 is already one of your rest days."
        with force_locale("zh_Hans"):
            assert friendly_error(taken.value) == "第 3 天已经是你的休息日。"
