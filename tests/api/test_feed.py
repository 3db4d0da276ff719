"""The feed (API.md "Presence and progress"): cursor pages without gaps or repeats, counts and
``cheered_by_me``, who sees what (SPEC), private photos, cheers, comments with mentions and
blocks, reports, flags."""

from __future__ import annotations

from datetime import timedelta

import pytest

from habits.models import CheckIn, CheckInFlag, Cheer, CommentReport
from habits.services.photos import accept_photo
from tests import images
from tests.api.helpers import auth_headers, enrollment_row
from tests.factories import add_to_community, at_local, make_checkin, make_member


def feed(client, world, who="owner", **args):
    response = client.get(
        f"/api/v1/challenges/{world.challenge.id}/checkins", query_string=args, headers=world.as_(who)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def many_check_ins(session, world, n: int) -> list[CheckIn]:
    """``n`` check-ins of ``n`` new participants on day 0, a second apart (two share an instant)."""
    start = at_local(world.challenge, 0, "05:00")
    made = []
    for i in range(n):
        enrollment = enrollment_row(session, world.challenge, make_member(session, display_name=f"P{i}"))
        made.append(make_checkin(session, enrollment, 0, at=start + timedelta(seconds=i // 2 * 2)))
    return made


def test_pages_by_cursor_newest_first_without_gaps_or_repeats_while_check_ins_arrive(client, session, world):
    made = many_check_ins(session, world, 7)
    first = feed(client, world, per_page=3)
    seen = [item["id"] for item in first["items"]]
    # new check-ins arrive on top between the pages
    make_checkin(session, world.owner_enrollment, 0, at=at_local(world.challenge, 0, "05:30"))
    make_checkin(session, world.other_enrollment, 0, at=at_local(world.challenge, 0, "05:31"))
    cursor = first["next_cursor"]
    while cursor:
        page = feed(client, world, per_page=3, cursor=cursor)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    expected = [c.id for c in sorted(made, key=lambda c: (c.checked_in_at, c.id), reverse=True)]
    assert seen == expected
    # a fresh first page shows the newcomers on top
    assert [i["member"]["display_name"] for i in feed(client, world, per_page=2)["items"]] == [
        "Other",
        "Owner",
    ]


@pytest.mark.parametrize("cursor", ["nope", "MTIz", "x" * 65, "LTEuMQ", "OTk5OTk5OTk5OTk5OTk5OTk5LjE"])
def test_a_cursor_we_did_not_write_names_no_page(client, world, cursor):
    response = client.get(
        f"/api/v1/challenges/{world.challenge.id}/checkins",
        query_string={"cursor": cursor},
        headers=world.as_("owner"),
    )
    # longer than any cursor: the documented maxLength (422); else it names no page (404)
    assert response.status_code == (422 if len(cursor) > 64 else 404)


def test_each_item_says_who_when_evidence_counts_and_whether_i_cheered(client, session, world, app):
    world.challenge.value_label = "km"
    session.commit()
    mine = make_checkin(session, world.owner_enrollment, 0, note="ran", value=5.5)
    theirs = make_checkin(session, world.other_enrollment, 0, at=at_local(world.challenge, 0, "06:00"))
    assert client.post(f"/api/v1/checkins/{mine.id}/cheers", headers=world.as_("other")).status_code == 200
    assert client.post(f"/api/v1/checkins/{mine.id}/cheers", headers=world.as_("owner")).status_code == 200
    client.post(
        f"/api/v1/checkins/{mine.id}/comments", json={"body": "well done"}, headers=world.as_("other")
    )
    items = {item["id"]: item for item in feed(client, world, who="other")["items"]}
    item = items[mine.id]
    assert item["member"] == {"id": world.owner.id, "display_name": "Owner"}
    assert item["checked_in_at"].endswith("Z") and item["day_index"] == 0
    assert (item["note"], item["value"], item["value_label"], item["photo_url"]) == ("ran", 5.5, "km", None)
    assert (item["cheers"], item["comments"], item["cheered_by_me"], item["voided"]) == (2, 1, True, False)
    assert (items[theirs.id]["cheers"], items[theirs.id]["cheered_by_me"]) == (0, False)


@pytest.fixture
def photographed(session, world, photo_storage):
    path = photo_storage.save(world.challenge.id, accept_photo(images.png(), max_bytes=100_000))
    return make_checkin(session, world.owner_enrollment, 0, photo_path=path, photo_content_type="image/png")


def test_a_private_photo_is_its_owners_and_the_organizers(client, session, world, photographed):
    url = f"/api/v1/checkins/{photographed.id}/photo"
    photo_url = lambda who: feed(client, world, who=who)["items"][0]["photo_url"]  # noqa: E731
    assert photo_url("other") == url and client.get(url, headers=world.as_("other")).status_code == 200
    assert client.get(url, headers=world.as_("outsider")).status_code == 404
    # only its owner marks it private
    body = {"photo_private": True}
    assert (
        client.patch(f"/api/v1/checkins/{photographed.id}", json=body, headers=world.as_("other")).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/checkins/{photographed.id}", json=body, headers=world.as_("organizer")
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/checkins/{photographed.id}", json=body, headers=world.as_("outsider")
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/v1/checkins/{photographed.id}", json={"photo_private": 1}, headers=world.as_("owner")
        ).status_code
        == 422
    )
    answer = client.patch(f"/api/v1/checkins/{photographed.id}", json=body, headers=world.as_("owner"))
    assert answer.status_code == 200 and answer.get_json()["has_photo"] is True
    assert photo_url("other") is None and client.get(url, headers=world.as_("other")).status_code == 404
    assert photo_url("owner") == url and client.get(url, headers=world.as_("owner")).status_code == 200
    assert (
        photo_url("co_organizer") == url
        and client.get(url, headers=world.as_("co_organizer")).status_code == 200
    )


def test_non_participants_cannot_read_cheer_comment_flag_or_report(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 0)
    comment = client.post(
        f"/api/v1/checkins/{checkin.id}/comments", json={"body": "hi"}, headers=world.as_("other")
    )
    comment_id = comment.get_json()["id"]
    # a member of the community who does not take part in the challenge is an outsider to its feed
    member = make_member(session, display_name="Bystander")
    add_to_community(session, world.community, member)
    bystander = auth_headers(session, member)
    for headers in (world.as_("outsider"), bystander):
        for method, url, body in [
            ("get", f"/api/v1/challenges/{world.challenge.id}/checkins", None),
            ("get", f"/api/v1/challenges/{world.challenge.id}/participants", None),
            ("post", f"/api/v1/checkins/{checkin.id}/cheers", None),
            ("delete", f"/api/v1/checkins/{checkin.id}/cheers", None),
            ("get", f"/api/v1/checkins/{checkin.id}/comments", None),
            ("post", f"/api/v1/checkins/{checkin.id}/comments", {"body": "hi"}),
            ("post", f"/api/v1/checkins/{checkin.id}/flags", {}),
            ("delete", f"/api/v1/comments/{comment_id}", None),
            ("post", f"/api/v1/comments/{comment_id}/reports", {}),
        ]:
            response = getattr(client, method)(url, json=body, headers=headers)
            assert response.status_code == 404, (method, url, response.status_code)
    assert session.query(Cheer).count() == 0


def test_cheers_are_one_per_member_and_undone(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 0)
    url = f"/api/v1/checkins/{checkin.id}/cheers"
    for _ in range(2):
        assert client.post(url, headers=world.as_("other")).get_json() == {
            "check_in_id": checkin.id,
            "cheers": 1,
            "cheered_by_me": True,
        }
    assert client.post(url, headers=world.as_("organizer")).get_json()["cheers"] == 2
    for _ in range(2):
        assert client.delete(url, headers=world.as_("other")).get_json()["cheered_by_me"] is False
    assert session.query(Cheer).count() == 1


def comment(client, world, checkin, who="other", **body):
    return client.post(f"/api/v1/checkins/{checkin.id}/comments", json=body, headers=world.as_(who))


def test_a_comment_mentions_participants_by_id(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 0)
    posted = comment(
        client, world, checkin, body="  @Owner early bird  ", mentions=[world.owner.id, world.owner.id]
    )
    assert posted.status_code == 201, posted.get_json()
    body = posted.get_json()
    assert body["body"] == "@Owner early bird"
    assert body["mentions"] == [{"id": world.owner.id, "display_name": "Owner"}]
    assert body["author"] == {"id": world.other.id, "display_name": "Other"}
    listed = client.get(f"/api/v1/checkins/{checkin.id}/comments", headers=world.as_("organizer")).get_json()
    assert listed["total"] == 1 and listed["items"] == [body]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 1001}, "body"),
        ({"body": "a\x00b"}, "body"),
        ({"body": "hi", "mentions": ["1"]}, "mentions"),
        ({"body": "hi", "mentions": [1] * 21}, "mentions"),
        ({"body": "hi", "unknown": 1}, "unknown"),
    ],
)
def test_a_comment_is_plain_bounded_text(client, session, world, body, field):
    checkin = make_checkin(session, world.owner_enrollment, 0)
    response = comment(client, world, checkin, **body)
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()


def test_mentions_must_be_participants(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 0)
    for stranger in (world.outsider.id, world.co_organizer.id, 10**12):
        response = comment(client, world, checkin, body="hi", mentions=[world.owner.id, stranger])
        assert response.status_code == 422 and "mentions" in response.get_json()["errors"]


def test_a_block_keeps_comments_and_mentions_away(client, session, world):
    mine = make_checkin(session, world.owner_enrollment, 0)
    theirs = make_checkin(session, world.other_enrollment, 0)
    assert client.put(f"/api/v1/me/blocks/{world.other.id}", headers=world.as_("owner")).status_code == 204
    assert client.put(f"/api/v1/me/blocks/{world.other.id}", headers=world.as_("owner")).status_code == 204
    blocked = comment(client, world, mine, body="hi")
    assert (blocked.status_code, blocked.get_json()["code"]) == (403, "comment_blocked")
    mention = comment(client, world, theirs, body="hi", mentions=[world.owner.id])
    assert (mention.status_code, mention.get_json()["code"]) == (403, "mention_blocked")
    assert comment(client, world, theirs, body="hi").status_code == 201
    # the blocked member's own words are unaffected the other way round
    assert (
        comment(client, world, theirs, who="owner", body="hi", mentions=[world.other.id]).status_code == 201
    )
    assert client.put(f"/api/v1/me/blocks/{world.owner.id}", headers=world.as_("owner")).status_code == 409
    assert client.put(f"/api/v1/me/blocks/{10**12}", headers=world.as_("owner")).status_code == 404
    assert client.delete(f"/api/v1/me/blocks/{world.other.id}", headers=world.as_("owner")).status_code == 204
    assert comment(client, world, mine, body="hi").status_code == 201


def test_comments_are_deleted_by_their_author_or_an_organizer_and_reported_by_readers(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 0)
    first, second = (comment(client, world, checkin, body=f"c{i}").get_json()["id"] for i in range(2))
    assert client.delete(f"/api/v1/comments/{first}", headers=world.as_("owner")).status_code == 403
    for who in ("owner", "owner", "co_organizer"):
        assert (
            client.post(
                f"/api/v1/comments/{first}/reports", json={"reason": "rude"}, headers=world.as_(who)
            ).status_code
            == 201
        )
    assert session.query(CommentReport).count() == 2
    assert client.delete(f"/api/v1/comments/{first}", headers=world.as_("other")).status_code == 204
    assert client.delete(f"/api/v1/comments/{second}", headers=world.as_("co_organizer")).status_code == 204
    assert (
        client.get(f"/api/v1/checkins/{checkin.id}/comments", headers=world.as_("owner")).get_json()["total"]
        == 0
    )
    assert client.delete(f"/api/v1/comments/{second}", headers=world.as_("co_organizer")).status_code == 404


def test_a_participant_flags_anothers_check_in_once(client, session, world):
    mine = make_checkin(session, world.owner_enrollment, 0)
    url = f"/api/v1/checkins/{mine.id}/flags"
    flagged = client.post(url, json={"reason": "photo from yesterday"}, headers=world.as_("other"))
    assert flagged.status_code == 201 and flagged.get_json()["reason"] == "photo from yesterday"
    again = client.post(url, json={}, headers=world.as_("other"))
    assert (again.status_code, again.get_json()["code"]) == (409, "already_flagged")
    own = client.post(url, json={}, headers=world.as_("owner"))
    assert (own.status_code, own.get_json()["code"]) == (403, "flag_own_check_in")
    assert client.post(url, json={}, headers=world.as_("organizer")).status_code == 403
    assert client.post(url, json={"reason": "x" * 501}, headers=world.as_("other")).status_code == 422
    assert session.query(CheckInFlag).count() == 1
    # a flag moves nothing: the check-in still counts
    session.refresh(mine)
    assert mine.voided_at is None and mine.counts_for_money


def test_the_mention_picker_lists_participants_by_name(client, session, world):
    url = f"/api/v1/challenges/{world.challenge.id}/participants"
    body = client.get(url, query_string={"q": "oth"}, headers=world.as_("owner")).get_json()
    assert body["items"] == [{"id": world.other.id, "display_name": "Other"}] and body["total"] == 1
    everyone = client.get(url, headers=world.as_("organizer")).get_json()
    assert [item["display_name"] for item in everyone["items"]] == ["Other", "Owner"]
    assert client.get(url, query_string={"q": "%"}, headers=world.as_("owner")).get_json()["total"] == 0
