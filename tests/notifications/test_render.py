"""Each kind's text, in English and in Chinese, for a reader's zone: "Day k+1", money in the
reader's locale with the processor's exponent, instants in the reader's zone."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from habits.notify.render import render, words
from habits.services.notifications.kinds import KINDS

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CJK = re.compile(r"[\u4e00-\u9fff]")

#: params as the code that records each kind writes them
SAMPLES = {
    "health_alert": {"community_id": 1, "community": "Dawn", "threshold": "7.5", "since": "2026-03-01"},
    "health_alert_squad": {
        "community_id": 1,
        "community": "Dawn",
        "threshold": "7.5",
        "since": "2026-03-01",
        "squad_id": 4,
        "squad": 2,
        "challenge": "Early rising",
    },
    "checkin_voided": {
        "challenge_id": 1,
        "challenge": "Dawn",
        "day_index": 2,
        "by": "Mei",
        "reason": "the photo is from yesterday",
        "appeal_until_at": "2026-03-04T23:10:00Z",
    },
    **{
        kind: {
            "challenge_id": 1,
            "challenge": "Dawn",
            "day_index": 2,
            "currency": "CNY",
            "returned_minor": 1000,
            "won_minor": 35,
            "forfeited_minor": 1000,
        }
        for kind in ("day_won", "day_rested", "day_excused", "day_missed", "eliminated", "challenge_finished")
    },
    "last_chance": {"challenge_id": 1, "challenge": "Dawn", "day_index": 2},
    "challenge_starts_tomorrow": {"challenge_id": 1, "challenge": "Dawn", "opens_at": "2026-03-01T21:00:00Z"},
    "challenge_cancelled": {
        "challenge_id": 1,
        "challenge": "Dawn",
        "refunded_minor": 7000,
        "currency": "CNY",
    },
    "payment_failed": {"challenge_id": 1, "challenge": "Dawn", "reason": "Your card was declined."},
    "refund_completed": {"amount_minor": 7000, "currency": "CNY"},
    "payout_approved": {
        "payout_id": 1,
        "amount_minor": 7000,
        "currency": "CNY",
        "reason": "",
        "reference": "",
    },
    "payout_refused": {
        "payout_id": 1,
        "amount_minor": 7000,
        "currency": "CNY",
        "reason": "refund it to the card",
        "reference": "",
    },
    "payout_paid": {
        "payout_id": 1,
        "amount_minor": 7000,
        "currency": "CNY",
        "reason": "",
        "reference": "TX-9",
    },
    # as SQLite's own JSON writes an instant (the reminders are written by SQL)
    "reminder": {
        "challenge_id": 1,
        "challenge": "Dawn",
        "enrollment_id": 3,
        "day_index": 2,
        "closes_time": "2026-03-04 23:00:00.000000",
    },
    # the feed's (habits.services.notifications.events.cheered / commented)
    **{
        kind: {
            "challenge_id": 1,
            "challenge": "Dawn",
            "day_index": 2,
            "check_in_id": 5,
            "by": "Mei",
            **({"excerpt": "Up before the sun!"} if kind != "cheered" else {}),
        }
        for kind in ("cheered", "commented", "mentioned")
    },
    **{
        kind: {
            "challenge_id": 1,
            "challenge": "Dawn",
            "day_index": 2,
            "by": "Mei",
            "reason": "the alarm failed",
        }
        for kind in ("appeal_accepted", "appeal_refused")
    },
    # a day's settlement awards badges (habits.services.badges)
    "badges_earned": {"challenge_id": 1, "challenge": "Dawn", "day_index": 2, "badges": "top_three,streak_7"},
    **{
        f"badge_{badge}": {"challenge_id": 1, "challenge": "Dawn", "day_index": 2}
        for badge in (
            "streak_7",
            "streak_21",
            "streak_66",
            "earliest_riser",
            "top_three",
            "perfect_challenge",
            "comeback",
        )
    },  # fmt: skip
}


@pytest.fixture
def context(app):
    with app.app_context():
        yield


def test_every_kind_has_a_sample_here():
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_reads_in_english_and_chinese_with_every_placeholder_filled(context, kind):
    english = render(kind, SAMPLES[kind], locale="en", timezone="Asia/Shanghai")
    chinese = render(kind, SAMPLES[kind], locale="zh_Hans", timezone="Asia/Shanghai")
    for text in (english.title, english.body, chinese.title, chinese.body):
        assert text and "%(" not in text
    assert not CJK.search(english.title + english.body)
    assert CJK.search(chinese.title) and CJK.search(chinese.body)
    # every placeholder of the text has its param (a missing one would be shown as nothing)
    given = words(SAMPLES[kind], locale="en", zone=ZoneInfo("UTC"))
    for template in (KINDS[kind].title, KINDS[kind].body):
        assert set(PLACEHOLDER.findall(template)) <= set(given), kind


def test_a_settled_day_says_day_k_plus_one_and_money_in_the_readers_locale(context):
    english = render("day_won", SAMPLES["day_won"], locale="en", timezone="UTC")
    chinese = render("day_won", SAMPLES["day_won"], locale="zh_Hans", timezone="UTC")
    assert english.title == "Day 3 of Dawn settled"
    assert english.body == "Your stake of CN¥10.00 came back to your wallet, and you won CN¥0.35."
    assert chinese.title == "“Dawn”第 3 天已结算"
    assert chinese.body == "当天份额 ¥10.00 已退回你的钱包，你还赢得了 ¥0.35。"


def test_money_uses_the_processors_exponent(context):
    yen = render("refund_completed", {"amount_minor": 500, "currency": "JPY"}, locale="en", timezone="UTC")
    assert yen.body == "¥500 is back on your card."


def test_a_void_says_until_when_to_appeal_in_the_readers_own_zone(context):
    params = SAMPLES["checkin_voided"]  # due at 23:10Z
    in_berlin = render("checkin_voided", params, locale="en", timezone="Europe/Berlin")
    in_shanghai = render("checkin_voided", params, locale="zh_Hans", timezone="Asia/Shanghai")
    assert in_berlin.body == (
        "Mei voided your check-in for Day 3 of Dawn (reason: the photo is from yesterday). "
        "You can ask for an appeal until Mar 5, 2026, 12:10\u202fAM."
    )
    assert in_shanghai.body == (
        "Mei 作废了你在“Dawn”第 3 天的打卡（理由：the photo is from yesterday）。"
        "你可以在 2026年3月5日 07:10 之前申请申诉。"
    )


def test_a_reminder_says_the_closing_time_on_the_readers_clock(context):
    params = SAMPLES["reminder"]  # closes 23:00Z
    assert render("reminder", params, locale="en", timezone="America/Los_Angeles").body == (
        "Dawn: Day 3's window closes at 3:00\u202fPM."
    )
    assert render("reminder", params, locale="zh_Hans", timezone="Asia/Shanghai").body == (
        "“Dawn”第 3 天的打卡时间将在 07:00 截止。"
    )


def test_an_unknown_kind_or_a_missing_param_never_fails_a_list(context):
    assert render("from_a_newer_version", {}, locale="en", timezone="UTC").title == "from_a_newer_version"
    assert (
        render("day_won", {"day_index": 0}, locale="en", timezone="Nowhere/Atlantis").title
        == "Day 1 of  settled"
    )
