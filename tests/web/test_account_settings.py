"""The settings page (/account): each form's bad input is said at its field, in the member's
language, with what was typed kept (passwords are never sent back), and nothing is stored; good
input is stored (a zone typed loosely is stored by its IANA name)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from habits.models import Member, OutboxMail
from tests.factories import PASSWORD, make_member
from tests.web.helpers import csrf_token, log_in, text_of

GOOD_PROFILE = {
    "profile-display_name": "Ada Early",
    "profile-timezone": "Europe/Berlin",
    "profile-language": "en",
    "profile-region": "",
}


def send(client, url: str, prefix: str, data: dict):
    """Post one of the page's forms with the token the page gave it."""
    token = csrf_token(client.get("/account").data)
    return client.post(url, data={f"{prefix}csrf_token": token, **data})


def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="error-text" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    assert match, f"no error at {field_id}"
    return unescape(match.group(1))


def value_of(page: str, field_id: str) -> str:
    match = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*value="([^"]*)"', page)
    assert match, f"no input {field_id}"
    return unescape(match.group(1))


def selected(page: str, field_id: str) -> str | None:
    select_html = re.search(rf'<select[^>]*id="{re.escape(field_id)}".*?</select>', page, re.S).group(0)
    match = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html)
    return next(group for group in match.groups() if group is not None) if match else None


@pytest.fixture
def ada(session, client):
    member = make_member(session, display_name="Ada", timezone="UTC", email="ada@example.test")
    log_in(client, member)
    return member


def stored(session, member) -> Member:
    session.expire_all()
    return session.get(Member, member.id)


def test_the_page_shows_the_stored_settings_and_the_zone_list(client, ada):
    page = text_of(client.get("/account"))
    assert value_of(page, "profile-display_name") == "Ada" and value_of(page, "profile-timezone") == "UTC"
    assert '<option value="America/Los_Angeles">UTC-0' in page  # -08:00 or -07:00, as it is now
    assert 'list="profile-timezone-zones"' in page and selected(page, "profile-language") == "en"
    assert ">From this browser</option>" in page  # the test client names no region


@pytest.mark.parametrize(
    ("field", "typed", "field_id", "message"),
    [
        ("profile-display_name", "   ", "profile-display_name", "This field is required."),
        ("profile-display_name", "x" * 81, "profile-display_name", "At most 80 characters."),
        ("profile-timezone", "Mars/Olympus_Mons", "profile-timezone", "Choose a time zone from the list"),
        ("profile-timezone", "", "profile-timezone", "Choose a time zone from the list"),
        ("profile-language", "klingon", "profile-language", "Choose a language from the list."),
        ("profile-region", "ZZ", "profile-region", "Choose a region from the list."),
    ],
)
def test_each_bad_profile_field_is_said_there_and_the_rest_is_kept(
    client, session, ada, field, typed, field_id, message
):
    response = send(client, "/account/profile", "profile-", {**GOOD_PROFILE, field: typed})
    page = text_of(response)
    assert response.status_code == 422
    assert field_error(page, field_id).startswith(message)
    assert "Please correct the marked fields." in page
    if field in ("profile-display_name", "profile-timezone"):
        assert value_of(page, field_id) == typed  # what was typed, to correct it
    if field != "profile-timezone":
        assert value_of(page, "profile-timezone") == "Europe/Berlin"  # the other fields as typed
    member = stored(session, ada)
    assert (member.display_name, member.timezone, member.region) == ("Ada", "UTC", None)


def test_good_settings_are_stored_and_the_page_speaks_the_new_language(client, session, ada):
    data = {
        **GOOD_PROFILE,
        "profile-timezone": "america/los angeles",
        "profile-language": "zh_Hans",
        "profile-region": "GB",
    }
    response = send(client, "/account/profile", "profile-", data)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    member = stored(session, ada)
    assert (member.display_name, member.timezone, member.locale, member.region) == (
        "Ada Early",
        "America/Los_Angeles",
        "zh_Hans",
        "GB",
    )
    page = text_of(client.get("/account"))
    assert "设置已保存。" in page and selected(page, "profile-region") == "GB"
    # back to the browser's region
    send(client, "/account/profile", "profile-", {**data, "profile-region": ""})
    assert stored(session, ada).region is None


def test_bad_profile_input_is_said_in_chinese_on_a_chinese_page(client, session, ada):
    ada.locale = "zh_Hans"
    session.commit()
    response = send(client, "/account/profile", "profile-", {**GOOD_PROFILE, "profile-timezone": "Mars"})
    assert field_error(text_of(response), "profile-timezone") == "请从列表中选择时区（例如 Asia/Shanghai）。"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required."),
        ("not an address", "Write an email address like name@example.com."),
        ("a@b", "Write an email address like name@example.com."),
        ("x" * 250 + "@example.test", "At most 254 characters."),
        ("ADA@example.test", "This is already your address."),
    ],
)
def test_each_bad_new_address_is_said_at_the_field_and_kept(client, session, ada, typed, message):
    response = send(client, "/account/email", "email-", {"email-email": typed})
    page = text_of(response)
    assert response.status_code == 422
    assert field_error(page, "email-email") == message
    assert value_of(page, "email-email") in (typed, typed.lower())
    assert session.scalar(select(OutboxMail).where(OutboxMail.kind == "email_change")) is None


def test_another_members_address_is_refused_at_the_field(client, session, ada):
    make_member(session, email="taken@example.test")
    response = send(client, "/account/email", "email-", {"email-email": "Taken@Example.test"})
    page = text_of(response)
    assert response.status_code == 422
    assert field_error(page, "email-email") == "Another account has this address."
    assert value_of(page, "email-email") == "taken@example.test"
    assert stored(session, ada).email == "ada@example.test"


def test_a_new_address_waits_for_its_link_and_the_page_says_so(client, session, ada):
    response = send(client, "/account/email", "email-", {"email-email": "ada@new.example"})
    assert response.status_code == 302
    page = text_of(client.get("/account"))
    assert "Almost done: follow the link we sent to ada@new.example." in page
    assert "Waiting for you to follow the link we sent to ada@new.example." in page
    assert stored(session, ada).email == "ada@example.test"
    mails = {m.kind: m.to_address for m in session.scalars(select(OutboxMail))}
    assert mails == {"email_change": "ada@new.example", "email_change_asked": "ada@example.test"}
    # the current address again drops the move
    send(client, "/account/email", "email-", {"email-email": "ada@example.test"})
    page = text_of(client.get("/account"))
    assert "the move to ada@new.example is cancelled" in page and "Waiting for you" not in page


def test_a_wrong_current_password_is_said_at_its_field_and_the_other_forms_stay(client, session, ada):
    response = send(client, "/account", "", {"current_password": "not it", "new_password": "a brand new one"})
    page = text_of(response)
    assert response.status_code == 422
    assert field_error(page, "current_password") == "The current password is not right."
    assert 'type="password"' in page and "a brand new one" not in page  # passwords are not sent back
    assert value_of(page, "profile-timezone") == "UTC" and value_of(page, "email-email") == ""
    short = send(client, "/account", "", {"current_password": PASSWORD, "new_password": "short"})
    assert field_error(text_of(short), "new_password") == "Between 8 and 128 characters."
