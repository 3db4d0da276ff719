"""Squads and flash challenges on the pages: the organizers' squads page and its regrouping, a
member's squad on the challenge page, launching with squads and flash, and "Launch the next one"
in two taps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, SquadChange, SquadMember
from habits.services.squads import placing
from tests.factories import at_local, make_enrollment, make_member
from tests.timehelpers import travel
from tests.web.helpers import confirm, csrf_token, hidden_fields, log_in, post_form, text_of
from tests.web.test_organizer_pages import GOOD_RULES


def with_squads(session, world, size=2, extra=4):
    world.challenge.squad_size = size
    session.commit()
    for _ in range(extra):
        make_enrollment(session, world.challenge, make_member(session), status=EnrollmentStatus.ACTIVE)
    placing.place_at_day_zero(session, world.challenge, now=world.challenge.day_zero_opens_at)
    session.commit()


def test_the_organizer_regroups_on_the_squads_page_and_sees_the_history(client, session, world):
    with_squads(session, world)
    url = f"/challenges/{world.challenge.id}/squads"
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.organizer)
        page = client.get(url)
        assert page.status_code == 200 and "Squad 3" in text_of(page)
        response = post_form(client, f"{url}/regroup", {"strategy": "shuffle"}, form_page=url)
        assert response.status_code == 302
        page = text_of(client.get(url))
    assert "Shuffled" in page and "Placed by answers" in page
    assert session.scalar(select(func.count()).select_from(SquadMember)) == 5
    assert session.scalar(select(func.count()).select_from(SquadChange)) == 2


def test_a_bad_regroup_comes_back_with_the_field_marked(client, session, world):
    with_squads(session, world)
    url = f"/challenges/{world.challenge.id}/squads"
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.organizer)
        response = post_form(client, f"{url}/regroup", {"strategy": "merge", "size": "1"}, form_page=url)
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(SquadChange)) == 1


def test_members_may_not_regroup_and_see_their_own_squad(client, session, world):
    with_squads(session, world)
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.member)
        assert client.get(f"/challenges/{world.challenge.id}/squads").status_code == 403
        page = client.get(f"/challenges/{world.challenge.id}")
        assert "My squad" in text_of(page)
        squad_id = session.scalar(
            select(SquadMember.squad_id).where(SquadMember.enrollment_id == world.enrollment.id)
        )
        squad = client.get(f"/squads/{squad_id}")
        assert squad.status_code == 200 and "Mei Member" in text_of(squad)
        feed = client.get(f"/challenges/{world.challenge.id}/feed?squad={squad_id}")
        assert feed.status_code == 200 and "One squad" in text_of(feed)
        token = csrf_token(page.data)
        refused = client.post(
            f"/challenges/{world.challenge.id}/squads/regroup",
            data={"csrf_token": token, "strategy": "shuffle"},
        )
        assert refused.status_code == 403


def test_launching_with_squads_and_flash(client, session, world):
    url = f"/communities/{world.community.id}/challenges/new"
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        form = text_of(client.get(url))
        assert 'name="squad_size"' in form and 'value="150"' in form
        too_long = post_form(client, url, {**GOOD_RULES, "flash": "y"})
        assert too_long.status_code == 422 and "A flash challenge lasts 1 to 3 days." in text_of(too_long)
        asked = post_form(
            client, url, {**GOOD_RULES, "days": "2", "flash": "y", "squads": "y", "squad_size": "150"}
        )
        response = confirm(client, url, asked)
    assert response.status_code == 302, text_of(response)
    launched = session.scalar(select(Challenge).where(Challenge.title == "Run before work"))
    assert (launched.flash, launched.squad_size, launched.days) == (True, 150, 2)


def test_launch_the_next_one_in_two_taps(client, session, world):
    world.challenge.flash = True
    world.challenge.days = 2
    world.challenge.squad_size = 40
    session.commit()
    before = session.scalar(select(func.count()).select_from(Challenge))
    with travel(at_local(world.challenge, 1, "09:00")):
        log_in(client, world.organizer)
        dashboard = client.get(f"/challenges/{world.challenge.id}/organize")
        html = text_of(dashboard)
        assert "Launch the next one" in html
        start = html.index('id="relaunch"')
        fields = hidden_fields(html[start : html.index("</form>", start)])
        url = f"/communities/{world.community.id}/challenges/new"
        asked = client.post(url, data=dict(fields))  # tap 1: the launch's confirmation
        assert "Launch “Rise by seven”?" in text_of(asked), text_of(asked)[:2000]
        response = confirm(client, url, asked)  # tap 2
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(Challenge)) == before + 1
    new = session.scalar(select(Challenge).order_by(Challenge.id.desc()).limit(1))
    assert (new.flash, new.squad_size, new.deposit_minor, new.days) == (
        True,
        40,
        world.challenge.deposit_minor,
        2,
    )
    assert new.start_date == world.challenge.start_date + timedelta(days=2)
