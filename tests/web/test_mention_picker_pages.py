"""The comment form's mentions, by member id: the live picker's JSON list of participants (the
challenge's readers only), hidden ``mentions`` inputs it adds, and the no-script "Name #id" box,
taken together; a refused comment comes back with the picks kept."""

from __future__ import annotations

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import CommentMention, Notification
from tests.factories import make_checkin, make_enrollment, make_member
from tests.web.helpers import csrf_token, log_in


def _join(session, world, name):
    member = make_member(session, display_name=name)
    make_enrollment(session, world.challenge, member, status=EnrollmentStatus.ACTIVE)
    return member


def test_the_picker_lists_participants_whose_name_contains_what_follows_the_at(app, client, session, world):
    alice, _ = _join(session, world, "Alice Early"), _join(session, world, "Bob Late")
    _join(session, world, "阿丽")
    log_in(client, world.member)
    url = f"/challenges/{world.challenge.id}/participants.json"
    found = client.get(url, query_string={"q": "al"})
    assert found.status_code == 200 and found.headers["Cache-Control"] == "private, no-store"
    assert found.get_json() == {"items": [{"id": alice.id, "name": "Alice Early"}]}
    assert [p["name"] for p in client.get(url, query_string={"q": "阿"}).get_json()["items"]] == ["阿丽"]
    assert len(client.get(url).get_json()["items"]) == 4  # the member, Alice, Bob, 阿丽
    assert client.get(url, query_string={"q": "%_" + "x" * 500}).get_json() == {"items": []}

    stranger = app.test_client()
    log_in(stranger, world.outsider)
    assert stranger.get(url, query_string={"q": "al"}).status_code == 404


def test_hidden_picks_and_typed_ids_are_mentioned_once_each(client, session, world):
    alice, bob = _join(session, world, "Alice Early"), _join(session, world, "Bob Late")
    checkin = make_checkin(session, world.enrollment, 0)
    log_in(client, world.member)
    url = f"/checkins/{checkin.id}/comments"
    page = client.get(url)
    assert b'data-participants="/challenges/' in page.data and b"mention-picker.js" in page.data
    sent = client.post(
        url,
        data={
            "csrf_token": csrf_token(page.data),
            "body": "@Alice Early @Bob Late up!",
            "mentions": [str(alice.id), str(alice.id), "nope", str(bob.id)],
            "mention": f"Alice Early #{alice.id}",
        },
    )
    assert sent.status_code == 302
    assert sorted(session.query(CommentMention.member_id).all()) == sorted([(alice.id,), (bob.id,)])
    kinds = {(n.recipient_id, n.kind) for n in session.query(Notification).all()}
    assert (alice.id, "mentioned") in kinds and (bob.id, "mentioned") in kinds


def test_a_refused_comment_keeps_its_picks(client, session, world):
    alice = _join(session, world, "Alice Early")
    checkin = make_checkin(session, world.enrollment, 0)
    log_in(client, world.member)
    url = f"/checkins/{checkin.id}/comments"
    page = client.get(url)
    refused = client.post(
        url, data={"csrf_token": csrf_token(page.data), "body": "x" * 1001, "mentions": [str(alice.id)]}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert f'name="mentions" value="{alice.id}"' in html and "Alice Early" in html
    assert session.query(CommentMention).count() == 0
