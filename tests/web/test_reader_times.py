"""The pages of issue 14's report, read from where the members live: a Shanghai challenge's
deadlines on the join, pay and home pages and its window on the check-in page are given in the
reader's own zone, named, with the day said (they were Shanghai times with no zone)."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import at_local
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, text_of

NNBSP = "\u202f"


def move(session, member, zone: str) -> None:
    member.timezone = zone
    session.commit()


def test_a_berlin_member_reads_when_joining_closes_in_berlin_time(client, session, world):
    move(session, world.bystander, "Europe/Berlin")
    with travel(world.challenge.day_zero_opens_at - timedelta(days=2)):
        log_in(client, world.bystander)
        page = text_of(client.get(f"/challenges/{world.challenge.id}", headers={"Accept-Language": "en-GB"}))
    # day 1 opens at 05:00 on 2 March in Shanghai: 22:00 on 1 March in Berlin
    assert "Joining closes when day 1's window opens: 1 Mar 2026, 22:00 (Berlin time)." in page
    assert "In your time, day 1's window is 22:00–midnight the evening before (Berlin time)." in page
    assert "Check in every day between 05:00 and 07:00 (Shanghai time)." in page
    assert "Asia/Shanghai" not in page


def test_a_new_york_member_reads_the_pay_deadline_in_new_york_time(client, session, world):
    move(session, world.bystander, "America/New_York")
    with travel(world.challenge.day_zero_opens_at - timedelta(hours=20)):
        log_in(client, world.bystander)
        page = client.get(f"/challenges/{world.challenge.id}")
        joined = client.post(
            f"/challenges/{world.challenge.id}/join", data={"csrf_token": csrf_token(page.data)}
        )
        pay = text_of(client.get(joined.headers["Location"], headers={"Accept-Language": "en-US"}))
    # asked at 8 PM on 28 February in New York; 21:00 UTC on 1 March is 4 PM there the next day
    assert f"Pay before tomorrow at 4:00{NNBSP}PM (New York time) to take part." in pay


def test_a_berlin_member_reads_an_open_window_on_home_until_midnight_berlin_time(client, session, world):
    move(session, world.member, "Europe/Berlin")
    with travel(at_local(world.challenge, 1, "05:15")):  # 22:15 in Berlin, the evening before
        log_in(client, world.member)
        home = text_of(client.get("/", headers={"Accept-Language": "en-GB"}))
        checkin = text_of(client.get(f"/enrollments/{world.enrollment.id}/checkin"))
    assert "Day 2 of 7: the window is open until midnight (Berlin time)." in home
    assert "The window is open until midnight (Berlin time)." in checkin


def test_a_los_angeles_member_reads_the_close_as_the_afternoon_and_the_next_window_by_its_day(
    client, session, world
):
    move(session, world.member, "America/Los_Angeles")
    with travel(at_local(world.challenge, 1, "05:15")):
        log_in(client, world.member)
        checkin = text_of(client.get(f"/enrollments/{world.enrollment.id}/checkin"))
    # 07:00 in Shanghai on 3 March is 3 PM on 2 March in Los Angeles
    assert f"The window is open until 3:00{NNBSP}PM (Los Angeles time)." in checkin
    with travel(at_local(world.challenge, 1, "07:30")):
        closed = text_of(client.get(f"/enrollments/{world.enrollment.id}/checkin"))
    # 3:30 PM on 2 March in Los Angeles; day 3 opens at 05:00 on 4 March in Shanghai, 1 PM on 3 March here
    assert f"Next window: tomorrow at 1:00{NNBSP}PM (Los Angeles time)." in closed
    assert ":00:00" not in closed


def test_a_shanghai_member_reads_shanghai_times_unnamed_in_chinese(client, session, world):
    move(session, world.member, "Asia/Shanghai")
    world.member.locale = "zh_Hans"
    session.commit()
    with travel(at_local(world.challenge, 1, "07:30")):
        log_in(client, world.member)
        home = text_of(client.get("/", headers={"Accept-Language": "zh-CN"}))
    assert "下次打卡：明天 05:00。" in home
