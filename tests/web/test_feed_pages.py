"""The feed's pages: the feed by cursor, a cheer, a comment with a mention, report, flag and
delete, for the challenge's participants and organizers only; bad input answered, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import CheckInFlag, Cheer, Comment, CommentMention, CommentReport
from tests.factories import at_local, make_checkin, make_enrollment, make_member
from tests.web.helpers import csrf_token, log_in, text_of


@pytest.fixture
def scene(session, world):
    other = make_member(session, display_name="Ola Other")
    other_enrollment = make_enrollment(session, world.challenge, other, status=EnrollmentStatus.ACTIVE)
    mine = make_checkin(session, world.enrollment, 0, note="up at five", value=3)
    theirs = make_checkin(session, other_enrollment, 0, at=at_local(world.challenge, 0, "05:20"))
    return other, mine, theirs


def token(client, url):
    return csrf_token(client.get(url).data)


def test_the_feed_shows_check_ins_and_cheers(client, session, world, scene):
    other, mine, theirs = scene
    log_in(client, world.member)
    url = f"/challenges/{world.challenge.id}/feed"
    page = client.get(url)
    assert page.status_code == 200
    text = text_of(page)
    assert "Ola Other" in text and "up at five" in text and "3 km" in text
    cheered = client.post(f"/checkins/{theirs.id}/cheer", data={"csrf_token": token(client, url)})
    assert cheered.status_code == 302 and cheered.location.endswith(f"/feed#checkin-{theirs.id}")
    assert session.query(Cheer).filter_by(check_in_id=theirs.id, member_id=world.member.id).count() == 1
    assert "Cheered · 1" in text_of(client.get(url))
    client.post(f"/checkins/{theirs.id}/cheer", data={"csrf_token": token(client, url), "undo": "1"})
    assert session.query(Cheer).count() == 0
    # no CSRF token: nothing happens
    client.post(f"/checkins/{theirs.id}/cheer", data={})
    assert session.query(Cheer).count() == 0


def test_older_follows_the_cursor_and_a_bad_cursor_is_400(client, session, world, scene):
    other, mine, theirs = scene
    for i in range(25):
        enrolled = make_enrollment(session, world.challenge, make_member(session, display_name=f"Early {i}"))
        make_checkin(session, enrolled, 0, at=at_local(world.challenge, 0, "05:00") - timedelta(minutes=i))
    log_in(client, world.member)
    url = f"/challenges/{world.challenge.id}/feed"
    first = text_of(client.get(url))
    assert "Older" in first and "Early 24" not in first
    older = client.get(url, query_string={"cursor": first.split("cursor=")[-1].split('"')[0]})
    for cursor in ("nope", "x" * 100, "%00"):
        assert client.get(url, query_string={"cursor": cursor}).status_code == 400
    assert older.status_code == 200


def test_a_comment_with_a_mention_a_report_and_a_delete(app, client, session, world, scene):
    other, mine, theirs = scene
    log_in(client, world.member)
    url = f"/checkins/{theirs.id}/comments"
    page = client.get(url)
    assert f'value="Ola Other #{other.id}"' in page.get_data(as_text=True)
    posted = client.post(
        url, data={"csrf_token": csrf_token(page.data), "body": "Nice!", "mention": f"Ola Other #{other.id}"}
    )
    assert posted.status_code == 302
    comment = session.query(Comment).one()
    assert comment.body == "Nice!"
    assert [m.member_id for m in session.query(CommentMention)] == [other.id]
    # too long, a stranger mentioned: the form comes back with what was typed
    too_long = client.post(url, data={"csrf_token": csrf_token(page.data), "body": "x" * 1001})
    assert too_long.status_code == 422
    stranger = client.post(
        url, data={"csrf_token": csrf_token(page.data), "body": "hey", "mention": f"#{world.outsider.id}"}
    )
    assert stranger.status_code == 422 and "hey" in stranger.get_data(as_text=True)
    # the organizer reads it, reports it and deletes it
    client = app.test_client()
    log_in(client, world.organizer)
    listed = client.get(url)
    assert listed.status_code == 200, listed.data[:3000]
    assert "Nice!" in text_of(listed)
    reported = client.post(
        f"/comments/{comment.id}/report",
        data={"report-csrf_token": csrf_token(listed.data), "report-reason": "no"},
    )
    assert reported.status_code == 302 and session.query(CommentReport).count() == 1
    dashboard = text_of(client.get(f"/challenges/{world.challenge.id}/organize"))
    assert "reported a comment by Mei Member" in dashboard
    client.post(f"/comments/{comment.id}/delete", data={"delete-csrf_token": csrf_token(listed.data)})
    assert session.query(Comment).count() == 0


def test_a_flag_reaches_the_organizers_dashboard(app, client, session, world, scene):
    other, mine, theirs = scene
    log_in(client, world.member)
    url = f"/challenges/{world.challenge.id}/feed"
    data = {"flag-csrf_token": token(client, url), "flag-reason": "dark photo"}
    assert client.post(f"/checkins/{theirs.id}/flag", data=data).status_code == 302
    client.post(f"/checkins/{theirs.id}/flag", data=data)
    client.post(f"/checkins/{mine.id}/flag", data=data)
    assert session.query(CheckInFlag).count() == 1
    client = app.test_client()
    log_in(client, world.organizer)
    dashboard = text_of(client.get(f"/challenges/{world.challenge.id}/organize"))
    assert "Mei Member flagged the check-in of Ola Other (Day 1)" in dashboard and "dark photo" in dashboard


def test_only_participants_and_organizers_open_the_feed(app, session, world, scene):
    other, mine, theirs = scene
    for who, status in [(world.bystander, 404), (world.outsider, 404), (world.organizer, 200)]:
        client = app.test_client()
        log_in(client, who)
        assert client.get(f"/challenges/{world.challenge.id}/feed").status_code == status
        assert client.get(f"/checkins/{theirs.id}/comments").status_code == status
    client = app.test_client()
    log_in(client, world.outsider)
    assert (
        client.post(
            f"/checkins/{theirs.id}/cheer", data={"csrf_token": token(client, "/account")}
        ).status_code
        == 404
    )
    assert client.get("/challenges/99999999/feed").status_code == 404
