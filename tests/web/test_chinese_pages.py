"""Chinese pages say everything in Chinese (issue 14): amounts with the currency's sign, status
words right for the challenge's state, and no English sentence made of a number and a unit.
The catalog itself is held by tests/web/test_translations.py (every msgid, every plural form,
full-width punctuation)."""

from __future__ import annotations

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import ChallengeStatus
from habits.web.i18n import money
from tests.factories import at_local, make_challenge, make_enrollment
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, text_of

#: amounts on each page language: signs, never ISO codes, for the currencies groups use most
SIGNS = {
    "zh_Hans": {"CNY": "¥70.00", "USD": "US$70.00", "EUR": "€70.00", "JPY": "JP¥7,000"},
    "en": {"CNY": "CN¥70.00", "USD": "$70.00", "EUR": "€70.00", "JPY": "¥7,000"},
}


@pytest.mark.parametrize("language", list(SIGNS))
def test_amounts_carry_the_currency_sign_of_the_page_language(app, language):
    minor = {"CNY": 7000, "USD": 7000, "EUR": 7000, "JPY": 7000}
    header = {"Accept-Language": "zh-CN" if language == "zh_Hans" else "en"}
    with app.test_request_context("/", headers=header):
        shown = {code: money(amount, code) for code, amount in minor.items()}
    assert shown == SIGNS[language]


def _as(session, member, locale):
    member.locale = locale
    session.commit()


@pytest.mark.parametrize(
    ("locale", "before", "during"),
    [("zh_Hans", "已加入，等待开始", "进行中"), ("en", "joined, waiting for the start", "active")],
)
def test_the_status_word_says_whether_it_has_started(client, session, world, locale, before, during):
    _as(session, world.member, locale)
    log_in(client, world.member)
    pages = [f"/challenges/{world.challenge.id}", f"/enrollments/{world.enrollment.id}"]
    for url in pages:
        page = text_of(client.get(url))
        assert f"<strong>{before}</strong>" in page and f"<strong>{during}</strong>" not in page, url
    world.challenge.status = ChallengeStatus.RUNNING
    session.commit()
    for url in pages:
        page = text_of(client.get(url))
        assert f"<strong>{during}</strong>" in page and before not in page, url


def test_a_number_with_its_unit_is_a_chinese_sentence(client, session, world):
    challenge = make_challenge(session, world.community, value_label="pages")
    enrollment = make_enrollment(session, challenge, world.member, status=EnrollmentStatus.ACTIVE)
    _as(session, world.member, "zh_Hans")
    url = f"/enrollments/{enrollment.id}/checkin"
    with travel(at_local(challenge, 0, "05:30")):
        log_in(client, world.member)
        token = csrf_token(client.get(url).data)
        client.post(url, data={"csrf_token": token, "value": "22"})
        page = text_of(client.get(url))
    assert "你的数字：22 pages。" in page and "22 pages." not in page


def test_parentheses_around_chinese_words_are_fullwidth(client, session, world):
    _as(session, world.member, "zh_Hans")
    log_in(client, world.member)
    page = text_of(client.get(f"/enrollments/{world.enrollment.id}"))
    assert "（允许 2 次）" in page and "(允许" not in page
