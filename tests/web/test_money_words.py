"""Money people can read, in English and in Chinese: the challenge page's worked example and quit
costs are the rules' own figures (and hold when the day is really settled), "Members in" is the
dashboard's count, a finished or running challenge says what it is and what comes next, a member
who left before day 0 joins again, and a day's statement explains its seed and "unclaimed" and
lists the reader's own lines first. (Wallet lines: test_wallet_lines.py.)"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.split import split_random
from habits.domain.worked_example import EXAMPLE_SEED, quit_costs
from habits.models import Enrollment, Split
from habits.services import enrollments, receipts
from tests.factories import (
    add_to_community,
    at_local,
    make_challenge,
    make_checkin,
    make_enrollment,
    make_member,
)
from tests.settlement.helpers import sweep
from tests.timehelpers import travel
from tests.web.helpers import confirm, csrf_token, log_in, text_of

S = EnrollmentStatus
LOCALES = ("en", "zh_Hans")
#: how each locale writes CNY
YUAN = {"en": "CN¥", "zh_Hans": "¥"}


def speaking(session, member, locale: str):
    member.locale = locale
    session.commit()
    return member


def yuan(locale: str, minor: int) -> str:
    return f"{YUAN[locale]}{minor // 100:,}.{minor % 100:02d}"


def page_of(client, session, member, locale, url, instant):
    """``url`` as ``member`` reads it in ``locale`` at ``instant`` (signed in on a fresh client)."""
    speaking(session, member, locale)
    reader = client.application.test_client()
    with travel(instant):
        log_in(reader, member)
        return text_of(reader.get(url))


def figure(html: str, label: str) -> str | None:
    """The value of the figure called ``label`` (a <dt>/<dd> pair), or None."""
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", html)
    return found.group(1) if found else None


def before_start(challenge):
    return challenge.day_zero_opens_at - timedelta(days=1)


# -- the worked example ----------------------------------------------------------------------------


EQUAL_EXAMPLE = {
    "en": (
        "Say 10 members play and 2 of them miss day 1: the pot gets CN¥20.00.",
        "All of it is shared by the 8 who checked in.",
        "Each gets CN¥2.50 on top of their own stake.",
    ),
    "zh_Hans": (
        "假设有 10 人参加，其中 2 人第 1 天缺卡：奖池得到 ¥20.00。",
        "全部由打卡的 8 人分享。",
        "每人除了拿回自己的份额，还分得 ¥2.50。",
    ),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_worked_example_is_whole_sentences_of_the_challenges_own_numbers(client, session, world, locale):
    html = page_of(
        client,
        session,
        world.bystander,
        locale,
        f"/challenges/{world.challenge.id}",
        before_start(world.challenge),
    )
    for sentence in EQUAL_EXAMPLE[locale]:
        assert sentence in html, sentence
    assert "and each of the" not in html and "至少分得 ¥2.50" not in html


def test_an_equal_split_names_the_extra_cents_of_the_earliest_risers(client, session, world):
    odd = make_challenge(session, world.community, deposit_minor=7035, days=7, fee_bps=250)  # stake 1005
    html = page_of(client, session, world.bystander, "en", f"/challenges/{odd.id}", before_start(odd))
    # pot 2010, fee 50, 1960 among 8: 245 each, nobody gets more
    assert "The platform keeps CN¥0.50 of it; the other CN¥19.60 is shared by the 8 who checked in." in html
    assert "Each gets CN¥2.45 on top of their own stake." in html
    odd.fee_bps = 0
    session.commit()
    html = page_of(client, session, world.bystander, "en", f"/challenges/{odd.id}", before_start(odd))
    # 2010 among 8: 251 each, and the first 2 get a cent more
    assert (
        "Each gets CN¥2.51 on top of their own stake, and the first 2 to check in get CN¥0.01 more each."
        in html
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_a_first_miss_that_eliminates_is_said_so(client, session, world, locale):
    strict = make_challenge(session, world.community, max_misses=0)
    html = page_of(client, session, world.bystander, locale, f"/challenges/{strict.id}", before_start(strict))
    expected = {
        "en": "Say you miss day 1: you are out, and your whole deposit of CN¥70.00 goes to the pot.",
        "zh_Hans": "假设你第 1 天缺卡：你会被淘汰，¥70.00 押金全部进入奖池。",
    }
    assert expected[locale] in html


@pytest.mark.parametrize("locale", LOCALES)
def test_a_lucky_draw_promises_only_what_the_split_guarantees_and_a_real_day_keeps_it(
    client, session, world, locale
):
    lucky = make_challenge(
        session, world.community, title="Lucky", split=Split.RANDOM, fee_bps=1000, deposit_minor=700
    )
    html = page_of(client, session, world.bystander, locale, f"/challenges/{lucky.id}", before_start(lucky))
    # stake 100: the pot of two misses is 200, the fee 20, and 180 is drawn among 8
    promise = {
        "en": "A lucky draw decides each share: the shares add up to CN¥1.80 exactly, and each is at least "
        "CN¥0.01 on top of the winner's own stake.",
        "zh_Hans": "每人分得多少由拼手气决定：各人所得加起来正好是 ¥1.80，"
        "每人除了拿回自己的份额，至少分得 ¥0.01。",
    }
    assert promise[locale] in html
    draw = split_random(180, 8, EXAMPLE_SEED)
    assert all(yuan(locale, share) in html for share in draw)
    assert yuan(locale, 180 // 8) not in html  # the old promise of an equal share, which a draw breaks

    # the same numbers settled for real: every share keeps the page's promise, and no more
    players = [make_enrollment(session, lucky, status=S.ACTIVE) for _ in range(10)]
    for i, enrollment in enumerate(players[:8]):
        make_checkin(session, enrollment, 0, at=at_local(lucky, 0, f"05:{10 + i}"))
    sweep(session, at_local(lucky, 0, "07:10"))
    statement = receipts.day_statement(session, lucky.id, 0)
    shares = [line["amount_minor"] for line in statement["lines"] if line["kind"] == "won"]
    assert len(shares) == 8 and sum(shares) == 180 and min(shares) >= 1
    assert statement["fee_minor"] == 20


# -- what quitting costs ---------------------------------------------------------------------------


QUIT_ROW = {"en": "Day {day} is settled", "zh_Hans": "第 {day} 天结算"}


@pytest.mark.parametrize("locale", LOCALES)
def test_before_joining_the_page_says_what_quitting_costs_on_each_day(client, session, world, locale):
    html = page_of(
        client,
        session,
        world.bystander,
        locale,
        f"/challenges/{world.challenge.id}",
        before_start(world.challenge),
    )
    intro = {
        "en": "your whole deposit of CN¥70.00 comes back to your wallet.",
        "zh_Hans": "¥70.00 押金全额退回到你的钱包。",
    }
    assert intro[locale] in html and '<details id="quit-costs" open>' in html
    rows = re.findall(
        r'<tr><th scope="row">(.*?)<br>.*?<td class="num">(.*?)</td><td class="num">(.*?)</td>', html, re.S
    )
    costs = quit_costs(7000, 7)
    assert [(label, to_pot, before) for label, to_pot, before in rows] == [
        (QUIT_ROW[locale].format(day=c.day_index + 1), yuan(locale, c.to_pot), yuan(locale, c.settled_before))
        for c in costs
    ]


def test_quitting_costs_on_the_day_what_the_page_said(client, session, world):
    """Check in on day 1, quit during day 2: day 2's settlement sends what the page's row for day 2
    said to the pot, and nothing else."""
    challenge = world.challenge
    make_checkin(session, world.enrollment, 0, at=at_local(challenge, 0, "05:05"))
    sweep(session, at_local(challenge, 0, "07:10"))
    with travel(at_local(challenge, 1, "05:30")):
        enrollments.withdraw(session, world.enrollment, now=at_local(challenge, 1, "05:30"))
        session.commit()
    sweep(session, at_local(challenge, 1, "07:10"))
    day = receipts.day_statement(session, challenge.id, 1)
    lost = [line["amount_minor"] for line in day["lines"] if line["enrollment_id"] == world.enrollment.id]
    assert lost == [quit_costs(7000, 7)[1].to_pot] == [6000]
    assert receipts.enrollment_money(session, world.enrollment)["forfeited_minor"] == 6000


def test_a_long_challenge_lists_its_first_days_and_its_last(client, session, world):
    long = make_challenge(session, world.community, days=100, deposit_minor=10000)
    html = page_of(client, session, world.bystander, "en", f"/challenges/{long.id}", before_start(long))
    assert "Day 28 is settled" in html and "Day 29 is settled" not in html
    assert "Day 98 is settled" in html and "Day 100 is settled" in html
    assert "each day in between costs CN¥1.00 less than the day before" in html


# -- who is in ------------------------------------------------------------------------------------


@pytest.fixture
def crowd(session, world):
    """Day 1 settled, day 2 running: the member and Al play; Bo never paid (cancelled at day 0);
    Cy left before day 0 and joined again; Di quit during day 2. In: 3 of the 4 who started."""
    challenge = world.challenge
    al, bo, cy, di = (make_member(session, display_name=name) for name in ("Al", "Bo", "Cy", "Di"))
    for member in (al, bo, cy, di):
        add_to_community(session, world.community, member)
    with travel(before_start(challenge)):
        make_enrollment(session, challenge, al, status=S.ACTIVE)
        make_enrollment(session, challenge, bo)
        left = make_enrollment(session, challenge, cy, status=S.ACTIVE)
        enrollments.withdraw(session, left, now=before_start(challenge))
        session.commit()
        make_enrollment(session, challenge, cy, status=S.ACTIVE)
        quitter = make_enrollment(session, challenge, di, status=S.ACTIVE)
    sweep(session, at_local(challenge, 0, "07:10"))
    with travel(at_local(challenge, 1, "05:30")):
        enrollments.withdraw(session, quitter, now=at_local(challenge, 1, "05:30"))
        session.commit()
    return challenge


@pytest.mark.parametrize("locale", LOCALES)
def test_members_in_is_the_dashboards_count(client, session, world, crowd, locale):
    during_day_two = at_local(crowd, 1, "06:00")
    page = page_of(client, session, world.bystander, locale, f"/challenges/{crowd.id}", during_day_two)
    organizer = client.application.test_client()
    dashboard = page_of(
        organizer, session, world.organizer, locale, f"/challenges/{crowd.id}/organize", during_day_two
    )
    label = {"en": "Members in", "zh_Hans": "参赛人数"}[locale]
    expected = {"en": "3 of 4", "zh_Hans": "4 人中的 3 人"}[locale]
    assert figure(page, label) == figure(dashboard, label) == expected
    assert figure(dashboard, {"en": "Started", "zh_Hans": "开赛人数"}[locale]) == "4"
    assert (
        dashboard.count('<td class="name">Cy</td>') == 1
    )  # on the standings once, though Cy has two enrollments


@pytest.mark.parametrize("locale", LOCALES)
def test_a_finished_challenge_says_who_finished_not_members_in_zero(client, session, world, locale):
    short = make_challenge(session, world.community, days=2, max_misses=0, deposit_minor=200)
    finisher = make_enrollment(session, short, world.member, status=S.ACTIVE)
    make_enrollment(session, short, status=S.ACTIVE)  # misses day 1: out
    for k in (0, 1):
        make_checkin(session, finisher, k, at=at_local(short, k, "05:10"))
        sweep(session, at_local(short, k, "07:10"))
    html = page_of(
        client, session, world.bystander, locale, f"/challenges/{short.id}", at_local(short, 3, "09:00")
    )
    finished, members_in = {"en": ("Finished", "Members in"), "zh_Hans": ("完赛", "参赛人数")}[locale]
    assert figure(html, finished) == {"en": "1 of 2", "zh_Hans": "2 人中的 1 人"}[locale]
    assert figure(html, members_in) is None
    assert {"en": "This challenge has finished.", "zh_Hans": "这个挑战已结束。"}[locale] in html


@pytest.mark.parametrize("locale", LOCALES)
def test_a_running_challenge_tells_an_outsider_joining_closed_and_what_starts_next(
    client, session, world, locale
):
    during = at_local(world.challenge, 1, "06:00")
    sweep(session, at_local(world.challenge, 0, "07:10"))
    url = f"/challenges/{world.challenge.id}"
    html = page_of(client, session, world.bystander, locale, url, during)
    closed = {
        "en": "This challenge is running: joining closed when day 1's window opened",
        "zh_Hans": "这个挑战正在进行",
    }
    none = {
        "en": "No other challenge in Sunrise Club is open for joining yet.",
        "zh_Hans": "Sunrise Club 暂时没有其他可以报名的挑战。",
    }
    assert closed[locale] in html and none[locale] in html
    assert "Join and pay" not in html and "加入并支付" not in html

    later = make_challenge(
        session,
        world.community,
        title="Read more",
        start_date=world.challenge.start_date + timedelta(days=14),
    )
    html = page_of(client, session, world.bystander, locale, url, during)
    upcoming = {
        "en": "The next challenge in Sunrise Club, “Read more”, starts on",
        "zh_Hans": "Sunrise Club 的下一个挑战“Read more”于",
    }
    assert upcoming[locale] in html and f'href="/challenges/{later.id}"' in html


# -- joining again ---------------------------------------------------------------------------------


def _pay_with_demo_card(client, pay_url):
    page = client.get(pay_url)
    asked = client.post(pay_url, data={"csrf_token": csrf_token(page.data), "method": "card"})
    return confirm(client, pay_url, asked)


def test_a_member_who_left_before_day_zero_joins_again_with_a_new_deposit(client, session, world):
    challenge = world.challenge
    url = f"/challenges/{challenge.id}"
    with travel(before_start(challenge)):
        log_in(client, world.bystander)
        page = client.get(url)
        joined = client.post(f"{url}/join", data={"csrf_token": csrf_token(page.data)})
        _pay_with_demo_card(client, joined.headers["Location"])
        first = enrollments.enrollment_of(session, challenge.id, world.bystander.id)
        mine = client.get(f"/enrollments/{first.id}")
        quit_url = f"/enrollments/{first.id}/quit"
        asked = client.post(quit_url, data={"csrf_token": csrf_token(mine.data)})
        assert "You may join again while joining is open, with a new deposit." in text_of(asked)
        confirm(client, quit_url, asked)

        page = client.get(url)
        assert "Join again" in text_of(page) and "it takes a new deposit" in text_of(page)
        again = client.post(f"{url}/join", data={"csrf_token": csrf_token(page.data)})
        assert again.status_code == 302 and f"/enrollments/{first.id}/" not in again.headers["Location"]
        _pay_with_demo_card(client, again.headers["Location"])
        wallet = text_of(client.get("/wallet"))
        page = text_of(client.get(url))
    rows = session.scalars(
        select(Enrollment).where(Enrollment.member_id == world.bystander.id).order_by(Enrollment.id)
    ).all()
    assert [r.status for r in rows] == [S.WITHDRAWN, S.ACTIVE] and rows[1].payment_intent_id != rows[
        0
    ].payment_intent_id
    assert f"You quit “{challenge.title}” before day 1: your deposit came back" in wallet
    assert "You are in this challenge" in page and f"/enrollments/{rows[1].id}" in page


def test_joining_again_reads_in_chinese(client, session, world):
    left = make_enrollment(session, world.challenge, world.bystander, status=S.ACTIVE)
    enrollments.withdraw(session, left, now=before_start(world.challenge))
    session.commit()
    html = page_of(
        client,
        session,
        world.bystander,
        "zh_Hans",
        f"/challenges/{world.challenge.id}",
        before_start(world.challenge),
    )
    assert (
        "重新加入" in html
        and "你在开赛前退出了这个挑战。报名截止前你可以重新加入，需要另交一笔押金。" in html
    )


# -- the day's statement ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_a_statement_explains_its_seed_and_unclaimed_and_puts_the_readers_lines_first(
    client, session, world, locale
):
    lucky = make_challenge(session, world.community, days=1, split=Split.RANDOM, deposit_minor=300)
    others = [make_enrollment(session, lucky, status=S.ACTIVE) for _ in range(3)]
    mine = make_enrollment(session, lucky, world.member, status=S.ACTIVE)  # the highest number
    for enrollment in (others[0], mine):
        make_checkin(session, enrollment, 0, at=at_local(lucky, 0, "05:10"))
    sweep(session, at_local(lucky, 0, "07:10"))
    html = page_of(
        client, session, world.member, locale, f"/challenges/{lucky.id}/days/0", at_local(lucky, 0, "09:00")
    )
    seed = {
        "en": "The lucky draw's shares were computed from this seed, published once the day was settled",
        "zh_Hans": "拼手气的各份金额由这个种子算出，种子在当天结算后才公布",
    }
    unclaimed = {
        "en": "Unclaimed is the last pot when nobody finished the challenge to share it: "
        "it goes to the platform.",
        "zh_Hans": "无人领取：最后一天若没有人完赛来分最后的奖池，这笔钱归平台。",
    }
    assert seed[locale] in html and unclaimed[locale] in html
    table = html[html.index("<tbody>") :]
    numbers = re.findall(r"#(\d+)\)?</td>", table)
    assert numbers[0] == str(mine.id) and mine.id > max(e.id for e in others)
    assert numbers.count(str(mine.id)) == 2  # stake back, then the share
    assert sorted(set(numbers[2:]), key=int) == [str(e.id) for e in others]
