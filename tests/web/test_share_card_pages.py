"""The share card on the pages: the check-in page (after checking in) and the member's own feed
items link to ``/checkins/<id>/card.png`` (a download without script), which answers the card in
the page's language for the feed's readers only."""

from __future__ import annotations

import io

from PIL import Image

from habits.domain.lifecycle import EnrollmentStatus
from tests.factories import at_local, make_checkin, make_enrollment, make_member
from tests.timehelpers import travel
from tests.web.helpers import log_in, text_of


def test_own_check_ins_link_their_card_and_others_do_not(client, session, world):
    other = make_member(session, display_name="Ola Other")
    theirs = make_checkin(
        session, make_enrollment(session, world.challenge, other, status=EnrollmentStatus.ACTIVE), 0
    )
    mine = make_checkin(session, world.enrollment, 0)
    log_in(client, world.member)
    feed = text_of(client.get(f"/challenges/{world.challenge.id}/feed"))
    assert f'href="/checkins/{mine.id}/card.png"' in feed
    assert f'download="streakpot-checkin-{mine.id}.png"' in feed
    assert f"/checkins/{theirs.id}/card.png" not in feed
    assert "share-card.js" in feed
    card = client.get(f"/checkins/{theirs.id}/card.png")
    assert card.status_code == 200 and card.headers["Cache-Control"] == "private, no-cache"
    assert Image.open(io.BytesIO(card.data)).size == (1080, 1350)
    with travel(at_local(world.challenge, 0, "06:00")):
        log_in(client, world.member)
        page = text_of(client.get(f"/enrollments/{world.enrollment.id}/checkin"))
    assert f'href="/checkins/{mine.id}/card.png"' in page and "Download my card" in page


def test_the_card_is_in_the_pages_language_and_hidden_from_strangers(app, client, session, world):
    mine = make_checkin(session, world.enrollment, 0)
    log_in(client, world.member)
    english = client.get(f"/checkins/{mine.id}/card.png").headers["ETag"]
    world.member.locale = "zh_Hans"
    session.commit()
    chinese = client.get(f"/checkins/{mine.id}/card.png")
    assert chinese.status_code == 200 and chinese.headers["ETag"] != english

    stranger = app.test_client()
    log_in(stranger, make_member(session))
    assert stranger.get(f"/checkins/{mine.id}/card.png").status_code == 404
    assert stranger.get("/checkins/99999999/card.png").status_code == 404
