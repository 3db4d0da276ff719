"""The account page's "Your data" section: the download, deleting the account (bad input, what
stands in the way, the member signed out after), and the organizer's hand-over page."""

from __future__ import annotations

import json

from sqlalchemy import select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Community, CommunityMembership, Member, Role
from tests.api.helpers import auth_headers
from tests.factories import PASSWORD, add_to_community, make_challenge, make_enrollment, make_member
from tests.web.helpers import confirm, csrf_token, log_in, post_form, text_of

DELETION = "/account/deletion"


def delete(client, password, *, form_page="/account"):
    page = client.get(form_page)
    return client.post(
        DELETION, data={"deletion-csrf_token": csrf_token(page.data), "deletion-password": password}
    )


# -- the section and the download ------------------------------------------------------------------


def test_the_account_page_offers_the_download_and_the_deletion(client, session, world):
    log_in(client, world.outsider)
    page = text_of(client.get("/account"))
    assert 'href="/account/export"' in page and "Download your data" in page
    assert 'action="/account/deletion"' in page and 'name="deletion-password"' in page
    assert "Kept, under a number that names nobody" in page
    assert page.count('id="csrf_token"') <= 1  # the section's form has its own ids


def test_the_download_is_the_apis_export_as_a_file(client, session, world):
    log_in(client, world.member)
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename="streakpot-{world.member.id}-'
    )
    downloaded = json.loads(response.get_data(as_text=True))
    api = client.get("/api/v1/me/export", headers=auth_headers(session, world.member)).get_json()
    downloaded.pop("exported_at"), api.pop("exported_at")
    assert downloaded == api
    assert downloaded["profile"]["display_name"] == "Mei Member"
    assert client.application.test_client().get("/account/export").status_code == 302  # the login page


# -- deleting --------------------------------------------------------------------------------------


def test_bad_input_deletes_nothing_and_says_why(client, session, world):
    member = world.outsider
    log_in(client, member)

    blank = delete(client, "")
    assert blank.status_code == 422 and "This field is required." in text_of(blank)
    wrong = delete(client, "not my password")
    assert wrong.status_code == 422
    assert "The password is not right." in text_of(wrong) and 'aria-invalid="true"' in text_of(wrong)
    long = delete(client, "x" * 129)
    assert long.status_code == 422
    no_token = client.post(DELETION, data={"deletion-password": PASSWORD})
    assert no_token.status_code == 400

    session.expire_all()
    assert session.get(Member, member.id).deleted_at is None
    assert client.get("/account").status_code == 200  # still signed in


def test_what_stands_in_the_way_is_listed_with_where_to_fix_it(client, session, world):
    # the member holds a running deposit; the organizer is the only organizer of the club
    log_in(client, world.member)
    page = text_of(client.get("/account"))
    assert "Before you can delete it" in page and 'name="deletion-password"' not in page
    assert "Your deposit in “Rise by seven” still holds CN¥70.00" in page
    assert f'href="/enrollments/{world.enrollment.id}"' in page
    refused = delete(client, PASSWORD)
    assert refused.status_code == 409
    assert "Money is still held for you" in text_of(refused)

    other = client.application.test_client()
    log_in(other, world.organizer)
    page = text_of(other.get(DELETION))
    assert "You are the only organizer of “Sunrise Club”." in page
    assert f'href="/communities/{world.community.id}/handover"' in page
    session.expire_all()
    assert session.get(Member, world.member.id).deleted_at is None


def test_the_account_goes_and_the_member_is_signed_out(client, session, world):
    member = world.outsider
    pending = make_enrollment(session, make_challenge(session), member, status=EnrollmentStatus.WITHDRAWN)
    log_in(client, member)

    response = delete(client, PASSWORD, form_page=DELETION)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = text_of(client.get("/"))
    assert "Your account is deleted" in home and "Log out" not in home
    assert client.get("/account").status_code == 302
    session.expire_all()
    assert session.get(Member, member.id).deleted_at is not None
    assert session.get(type(pending), pending.id).member_id == member.id


def test_deletion_in_chinese(client, session, world):
    world.outsider.locale = "zh_Hans"
    session.commit()
    log_in(client, world.outsider)
    wrong = delete(client, "not my password")
    assert wrong.status_code == 422
    assert "密码不正确。" in text_of(wrong) and "The password is not right." not in text_of(wrong)
    done = delete(client, PASSWORD)
    assert done.status_code == 302
    # said in the member's language, though the profile's language was erased with the rest
    assert "你的账户已删除" in text_of(client.get("/"))


# -- handing over ----------------------------------------------------------------------------------


def test_the_hand_over_page_is_the_organizers_alone(client, session, world):
    url = f"/communities/{world.community.id}/handover"
    assert client.get(url).status_code == 302  # the login page
    co = make_member(session)
    add_to_community(session, world.community, co, Role.CO_ORGANIZER)
    for member in (world.member, co, world.outsider):
        browser = client.application.test_client()
        log_in(browser, member)
        assert browser.get(url).status_code == 403, member.display_name
    log_in(client, world.organizer)
    assert client.get("/communities/99999/handover").status_code == 404


def test_the_organizer_hands_the_community_over_after_confirming(client, session, world):
    url = f"/communities/{world.community.id}/handover"
    log_in(client, world.organizer)
    assert f'href="{url}"' in text_of(client.get(f"/communities/{world.community.id}"))
    page = text_of(client.get(url))
    assert "Mei Member · member" in page and "Ben Bystander · member" in page
    assert "Olivia Organizer ·" not in page  # not to themselves

    for bad in ("", "abc", str(world.outsider.id), str(world.organizer.id)):
        response = post_form(client, url, {"member_id": bad})
        assert response.status_code == 422, bad
        assert "Please correct the marked fields." in text_of(response)

    asked = post_form(client, url, {"member_id": str(world.member.id)})
    assert "Hand “Sunrise Club” over?" in text_of(asked)
    assert "Mei Member becomes its organizer" in text_of(asked)
    session.expire_all()
    assert session.get(Community, world.community.id).organizer_id == world.organizer.id

    done = confirm(client, url, asked)
    assert done.status_code == 302 and done.headers["Location"] == f"/communities/{world.community.id}"
    session.expire_all()
    assert session.get(Community, world.community.id).organizer_id == world.member.id
    role = session.scalar(
        select(CommunityMembership.role).where(
            CommunityMembership.community_id == world.community.id,
            CommunityMembership.member_id == world.organizer.id,
        )
    )
    assert role == Role.CO_ORGANIZER
    assert client.get(url).status_code == 403  # no longer theirs to hand over
