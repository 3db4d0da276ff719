"""The notifications pages: the header's unread count, the list in the reader's language, marking
read (a POST with its CSRF token), only one's own notifications, and the reminders form."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from habits.models import Member
from habits.services.notifications import notify
from tests.factories import make_member
from tests.web.helpers import csrf_token, log_in, text_of

NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)


def cheer(session, recipient, *, by: str = "Ben", key: str = "1") -> None:
    notify(
        session,
        recipient_id=recipient.id,
        kind="cheered",
        params={"by": by, "day_index": 2, "challenge": "Rise by seven"},
        dedupe_key=f"test-cheer-{recipient.id}-{key}",
        now=NOW,
    )
    session.commit()


def menu_link(page: str) -> str:
    match = re.search(r'<a href="/notifications" id="nav-notifications"[^>]*>([^<]*)</a>', page)
    assert match, "no notifications link in the menu"
    return unescape(match.group(1))


def test_the_header_counts_unread_and_marking_read_clears_it(session, client):
    ada = make_member(session, display_name="Ada")
    log_in(client, ada)
    assert menu_link(text_of(client.get("/"))) == "Notifications"
    cheer(session, ada, key="1")
    cheer(session, ada, key="2")
    assert menu_link(text_of(client.get("/"))) == "Notifications (2)"
    page = client.get("/notifications")
    up_to = re.search(r'name="up_to_id" value="(\d+)"', text_of(page)).group(1)
    answer = client.post("/notifications/read", data={"csrf_token": csrf_token(page.data), "up_to_id": up_to})
    assert answer.status_code == 302
    assert menu_link(text_of(client.get("/"))) == "Notifications"


def test_marking_read_without_the_csrf_token_changes_nothing(session, client):
    ada = make_member(session, display_name="Ada")
    log_in(client, ada)
    cheer(session, ada)
    page = text_of(client.get("/notifications"))
    up_to = re.search(r'name="up_to_id" value="(\d+)"', page).group(1)
    answer = client.post("/notifications/read", data={"up_to_id": up_to})
    assert answer.status_code == 400
    assert menu_link(text_of(client.get("/"))) == "Notifications (1)"


def test_the_list_is_written_in_the_readers_language(session, client):
    ada = make_member(session, display_name="Ada")
    log_in(client, ada)
    cheer(session, ada, by="Ben")
    english = text_of(client.get("/notifications"))
    assert "Ben cheered you on" in english
    assert "Day 3 of Rise by seven" in english
    ada = session.get(Member, ada.id)
    ada.locale = "zh_Hans"
    session.commit()
    client.post("/language", data={"csrf_token": csrf_token(english), "locale": "zh_Hans", "next": ""})
    chinese = text_of(client.get("/notifications"))
    assert "Ben cheered you on" not in chinese
    assert "Ben 为你加油" in chinese and "通知（1）" in chinese
    assert "Rise by seven" in chinese and "第 3 天" in chinese


def test_another_members_notifications_never_show(session, client):
    ada = make_member(session, display_name="Ada")
    bea = make_member(session, display_name="Bea")
    cheer(session, bea, by="Secret Admirer")
    log_in(client, ada)
    page = text_of(client.get("/notifications"))
    assert "Secret Admirer" not in page
    assert menu_link(page) == "Notifications"


def reminders_token(client) -> str:
    page = text_of(client.get("/account"))
    return re.search(r'name="reminders-csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_reminders_form_saves(session, client):
    ada = make_member(session, display_name="Ada")
    log_in(client, ada)
    answer = client.post(
        "/account/reminders",
        data={
            "reminders-csrf_token": reminders_token(client),
            "reminders-reminder_minutes": "45",
            "reminders-email_digest": "y",
        },
    )
    assert answer.status_code == 302
    session.expire_all()
    stored = session.get(Member, ada.id)
    assert (stored.reminder_minutes_before_close, stored.email_digest) == (45, True)
    answer = client.post(
        "/account/reminders",
        data={"reminders-csrf_token": reminders_token(client), "reminders-reminder_minutes": ""},
    )
    assert answer.status_code == 302
    session.expire_all()
    stored = session.get(Member, ada.id)
    assert (stored.reminder_minutes_before_close, stored.email_digest) == (None, False)


def test_the_reminders_form_refuses_bad_minutes_at_the_field(session, client):
    ada = make_member(session, display_name="Ada")
    log_in(client, ada)
    for bad in ("0", "1441", "ten", "-5"):
        answer = client.post(
            "/account/reminders",
            data={"reminders-csrf_token": reminders_token(client), "reminders-reminder_minutes": bad},
        )
        page = text_of(answer)
        assert answer.status_code == 422
        error = re.search(r'<p class="error-text" id="reminders-reminder_minutes-error">([^<]*)</p>', page)
        assert error and "1 to 1440" in unescape(error.group(1))
        assert 'id="error-summary"' in page
        assert re.search(rf'id="reminders-reminder_minutes"[^>]*value="{re.escape(bad)}"', page)
    session.expire_all()
    assert session.get(Member, ada.id).reminder_minutes_before_close is None
