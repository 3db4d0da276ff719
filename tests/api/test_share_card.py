"""A check-in's share card (issue 15): a 1080 x 1350 PNG for whoever reads the check-in in its
feed (SPEC "Who sees what"; 404 otherwise), Chinese drawn with real glyphs (not boxes), the
streak as of the check-in's day, cached by ETag, never different for a private photo."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw

from habits import card_image, fonts
from habits.models import ExcusedDay, RestDay
from habits.services.card_facts import card_facts
from habits.share_card import card_text
from tests.api.helpers import auth_headers, enrollment_row
from tests.factories import add_to_community, at_local, make_checkin, make_member

NAME_TOP = card_image.NAME_TOP


def card(client, world, checkin, who="owner", **headers):
    return client.get(f"/api/v1/checkins/{checkin.id}/card.png", headers={**world.as_(who), **headers})


def decoded(response) -> Image.Image:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data))


@pytest.mark.parametrize("who", ["owner", "other", "organizer", "co_organizer"])
def test_whoever_reads_the_feed_gets_the_card_at_its_size(client, session, world, who):
    checkin = make_checkin(session, world.owner_enrollment, 0, at=at_local(world.challenge, 0, "05:12"))
    image = decoded(card(client, world, checkin, who))
    assert image.size == (1080, 1350)
    assert image.format == "PNG"


def test_everyone_else_gets_404_as_for_a_missing_check_in(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 0)
    assert card(client, world, checkin, "outsider").status_code == 404
    # a member of the community who did not join the challenge does not read its feed
    bystander = make_member(session)
    add_to_community(session, world.community, bystander)
    response = client.get(f"/api/v1/checkins/{checkin.id}/card.png", headers=auth_headers(session, bystander))
    assert response.status_code == 404
    missing = client.get("/api/v1/checkins/987654/card.png", headers=world.as_("owner"))
    assert missing.status_code == 404
    assert client.get(f"/api/v1/checkins/{checkin.id}/card.png").status_code == 401


def test_the_card_is_kept_privately_and_not_drawn_again_for_the_same_etag(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 0)
    first = card(client, world, checkin)
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    again = card(client, world, checkin, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    # another name is another card
    world.owner.display_name = "Owner Renamed"
    session.commit()
    assert card(client, world, checkin, **{"If-None-Match": etag}).status_code == 200


def test_a_private_photo_changes_nothing_on_the_card(client, session, world):
    checkin = make_checkin(
        session, world.owner_enrollment, 0, photo_path="x.jpg", photo_content_type="image/jpeg"
    )
    public = card(client, world, checkin, "other")
    checkin.photo_private = True
    session.commit()
    private = card(client, world, checkin, "other")
    assert private.status_code == 200
    assert private.headers["ETag"] == public.headers["ETag"]
    assert private.data == public.data


def _name_strip(image: Image.Image) -> Image.Image:
    return image.convert("RGB").crop((0, NAME_TOP, card_image.WIDTH, card_image.HEIGHT - 90))


def _drawn_directly(name: str) -> Image.Image:
    """The member's name drawn with the card's font alone, where the card draws it."""
    image = Image.new("RGB", (card_image.WIDTH, card_image.HEIGHT), card_image.BACKGROUND)
    font = fonts.load(fonts.card_fonts().bold, 80)
    ImageDraw.Draw(image).text((card_image.MARGIN, NAME_TOP), name, font=font, fill=card_image.INK)
    return _name_strip(image)


def test_a_chinese_name_is_drawn_in_real_glyphs(client, session, world):
    font = fonts.load(fonts.card_fonts().bold, 80)
    tofu = font.getmask("\U0010fffd")  # a code point no font draws: the "missing glyph" box
    masks = [bytes(font.getmask(ch)) for ch in "早起鸟"]
    assert len(set(masks)) == 3  # three different glyphs, not three copies of one box
    assert all(mask != bytes(tofu) for mask in masks)

    world.owner.display_name = "早起鸟"
    session.commit()
    checkin = make_checkin(session, world.owner_enrollment, 0)
    strip = _name_strip(decoded(card(client, world, checkin)))
    assert ImageChops.difference(strip, _drawn_directly("早起鸟")).getbbox() is None
    assert strip.getbbox() is not None and strip.getextrema() != _drawn_directly("").getextrema()
    # and a different name is different ink
    assert ImageChops.difference(strip, _drawn_directly("晚睡猫")).getbbox() is not None


def test_the_words_are_in_the_viewers_language_and_the_streak_as_of_that_day(app, session, world):
    challenge, enrollment = world.challenge, world.owner_enrollment
    make_checkin(session, enrollment, 0)
    voided = make_checkin(session, enrollment, 1)
    voided.voided_at = voided.checked_in_at
    make_checkin(session, enrollment, 2)
    session.add(
        RestDay(
            enrollment_id=enrollment.id,
            challenge_id=challenge.id,
            day_index=3,
            declared_at=challenge.created_at,
        )
    )
    session.add(
        ExcusedDay(challenge_id=challenge.id, day_index=4, reason="storm", created_at=challenge.created_at)
    )
    day5 = make_checkin(session, enrollment, 5, at=at_local(challenge, 5, "06:07"), value=5.5)
    challenge.value_label = "km"
    session.commit()
    facts = card_facts(session, day5.id, world.other)
    assert facts.streak == 2  # days 2 and 5; rest day 3 and excused day 4 neutral; day 1 voided
    with app.test_request_context():
        en = card_text(facts, "en")
        zh = card_text(facts, "zh_Hans")
    assert (en.day, en.streak, en.headline, en.member) == ("Day 6 of 7", "2-day streak", "5.5 km", "Owner")
    assert (zh.day, zh.streak) == ("第 6 天 / 共 7 天", "连续 2 天")
    assert en.when.endswith("06:07")
    # a voided check-in's own card says so, and its streak is broken that day
    voided_facts = card_facts(session, voided.id, world.owner)
    assert voided_facts.streak == 0
    with app.test_request_context():
        assert card_text(voided_facts, "zh_Hans").remark == "已作废"
        assert card_text(card_facts(session, day5.id, world.owner), "en").headline_label == "Result"


def test_without_a_chinese_font_the_card_is_a_clear_503(client, session, world, monkeypatch):
    def no_font():
        raise fonts.FontMissing("No font covering Chinese was found: install fonts-noto-cjk.")

    monkeypatch.setattr(fonts, "card_fonts", no_font)
    checkin = make_checkin(session, world.owner_enrollment, 0)
    response = card(client, world, checkin)
    assert response.status_code == 503
    assert "Share cards" in response.get_json()["detail"]


def test_a_card_for_a_participant_who_is_not_in_the_community_any_more(client, session, world):
    """Participants read the feed whatever their enrollment's status: a withdrawn member too."""
    leaver = make_member(session, display_name="Leaver")
    enrollment = enrollment_row(session, world.challenge, leaver, status="withdrawn")
    checkin = make_checkin(session, enrollment, 0)
    response = client.get(f"/api/v1/checkins/{checkin.id}/card.png", headers=auth_headers(session, leaver))
    assert decoded(response).size == (1080, 1350)
