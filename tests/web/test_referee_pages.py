"""The referee rule, the referee log and the rules' freeze on the pages: an organizer who plays
sees no referee's forms and is refused politely; participants read the log on the challenge page;
the rules page refuses frozen changes with translated field messages."""

from __future__ import annotations

from habits.domain.lifecycle import EnrollmentStatus
from habits.services.checkins import void_check_in
from tests.factories import at_local, make_checkin, make_enrollment
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, post_form, text_of

#: the web world's challenge as it is, in the rules form's words
RULES_AS_THEY_ARE = {
    "title": "Rise by seven",
    "description": "",
    "timezone": "Asia/Shanghai",
    "start_date": "2026-03-02",
    "days": "7",
    "window_open": "05:00",
    "window_close": "07:00",
    "currency": "CNY",
    "deposit": "70.00",
    "max_misses": "2",
    "min_participants": "1",
    "fee_percent": "0",
    "split": "equal",
    "review_minutes": "10",
    "rest_days": "0",
    "value_label": "km",
}


def test_an_organizer_who_plays_gets_no_referee_forms_and_a_polite_refusal(client, session, world):
    make_enrollment(session, world.challenge, world.organizer, status=EnrollmentStatus.ACTIVE)
    checkin = make_checkin(session, world.enrollment, 1, at=at_local(world.challenge, 1, "05:20"))
    dashboard_url = f"/challenges/{world.challenge.id}/organize"
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.organizer)
        dashboard = text_of(client.get(dashboard_url))
        response = post_form(
            client, f"/checkins/{checkin.id}/void", {"reason": "hmm"}, form_page=dashboard_url
        )
        assert response.status_code == 302
        after = text_of(client.get(response.headers["Location"]))
    assert f"void-reason-{checkin.id}" not in dashboard
    assert "Excuse the day" not in dashboard and "Record the check-in" not in dashboard
    assert "You play in this challenge, and so does every organizer of its community" in dashboard
    assert "nobody may void, record or excuse anything in it." in after  # the flashed refusal
    session.refresh(checkin)
    assert checkin.voided_at is None


def test_participants_read_the_referee_log_and_bystanders_do_not(client, session, world):
    checkin = make_checkin(session, world.enrollment, 1, at=at_local(world.challenge, 1, "05:20"))
    void_check_in(
        session,
        checkin,
        world.organizer,
        reason="photo from yesterday",
        now=at_local(world.challenge, 1, "06:00"),
    )
    session.commit()
    challenge_url = f"/challenges/{world.challenge.id}"
    log_url = f"/challenges/{world.challenge.id}/referee-log"
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.member)
        page = text_of(client.get(challenge_url))
        full = client.get(log_url)
        world.member.locale = "zh_Hans"
        session.commit()
        chinese = text_of(client.get(challenge_url))
        bystander = client.application.test_client()
        log_in(bystander, world.bystander)
        bystanders_page = text_of(bystander.get(challenge_url))
        bystanders_log = bystander.get(log_url)
        organizer = client.application.test_client()
        log_in(organizer, world.organizer)
        dashboard = text_of(organizer.get(f"{challenge_url}/organize"))
    for text in (page, text_of(full), dashboard):
        assert "Referee log" in text and "Check-in voided" in text
        assert "photo from yesterday" in text and "by Olivia Organizer" in text and "Mei Member" in text
    assert full.status_code == 200
    assert "裁判记录" in chinese and "打卡已作废" in chinese
    assert "Referee log" not in bystanders_page and bystanders_log.status_code == 404


def test_the_rules_page_changes_rules_until_someone_pays(client, session, world):
    world.enrollment.status = EnrollmentStatus.PENDING_PAYMENT  # joined, not paid yet
    session.commit()
    url = f"/challenges/{world.challenge.id}/rules"
    with travel(at_local(world.challenge, -5, "12:00")):
        log_in(client, world.organizer)
        form = text_of(client.get(url))
        response = post_form(client, url, {**RULES_AS_THEY_ARE, "fee_percent": "5", "max_misses": "0"})
    assert 'value="Rise by seven"' in form and 'name="max_misses"' in form  # may still change
    # the deposit is frozen: shown as it is, with since when, and not offered as an input
    assert "CN¥70.00" in form and 'name="deposit"' not in form
    assert "Frozen since the first member joined." in form
    assert response.status_code == 302
    session.refresh(world.challenge)
    assert (world.challenge.fee_bps, world.challenge.max_misses) == (500, 0)


def test_the_rules_page_refuses_frozen_rules_in_the_members_language(client, session, world):
    world.organizer.locale = "zh_Hans"
    session.commit()
    url = f"/challenges/{world.challenge.id}/rules"
    with travel(at_local(world.challenge, -5, "12:00")):
        log_in(client, world.organizer)
        refused = post_form(client, url, {**RULES_AS_THEY_ARE, "fee_percent": "100", "days": "14"})
        renamed = post_form(client, url, {**RULES_AS_THEY_ARE, "title": "Rise by six"})
        member = client.application.test_client()
        log_in(member, world.member)
        forbidden = member.get(url)
    page = text_of(refused)
    assert refused.status_code == 422
    assert "第一笔押金支付后已冻结。" in page and "第一位成员加入后已冻结。" in page
    assert "已有成员按这些规则加入或付款" in page  # the refusal itself, translated
    assert renamed.status_code == 302 and forbidden.status_code == 403
    session.refresh(world.challenge)
    assert (world.challenge.title, world.challenge.fee_bps, world.challenge.days) == ("Rise by six", 0, 7)


def test_the_dashboard_links_to_the_rules_page(client, session, world):
    with travel(at_local(world.challenge, -5, "12:00")):
        log_in(client, world.organizer)
        dashboard = client.get(f"/challenges/{world.challenge.id}/organize")
    assert f'href="/challenges/{world.challenge.id}/rules"' in text_of(dashboard)
    assert csrf_token(dashboard.data)
