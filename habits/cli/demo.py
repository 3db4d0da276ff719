"""`flask seed-demo`: a demo community with challenges, members, check-ins and settled days.

Idempotent: it fills an EMPTY database and does nothing when members exist. Everything goes
through the services, as a real history would have (the past in ``demo_history``):

- members register, an organizer creates two communities and launches three challenges;
- a finished challenge (USD, random split) and a running one (CNY, window 00:00-24:00 in this
  machine's zone, so a visitor can check in whenever they try) began in the past: their members
  joined and paid before day 0 (each deposit recorded as the verified ``payment_intent.succeeded``
  it would have been: the inbox row plus the webhook handler), check-ins of past days are written
  with past timestamps, and the real settlement sweep (``settle_due_days``) settles every due day;
- an upcoming challenge is open for joining; some members pay through the offline gateway's
  signed-webhook path right now. demo@streakpot.test has not joined it: that is for the visitor.

The setup is one transaction, so a scheduler sweeping in the background (the demo runs one in
process) never sees half of it; the sweep and the payments made "now" commit on their own.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from habits.cli import demo_history
from habits.extensions import db
from habits.models import Challenge, Member
from habits.services import challenges, checkins, communities, enrollments, members, wallets, withdrawals
from habits.services.settlement import settle_due_days

PASSWORD = "demo-password"
ORGANIZER_EMAIL = "demo-organizer@streakpot.test"
MEMBER_EMAIL = "demo@streakpot.test"
GATEWAY = "streakpot.gateway"

OTHERS = [
    ("Li Wei", "zh_Hans"), ("Wang Fang", "zh_Hans"), ("Zhang Min", "zh_Hans"), ("Liu Yang", "zh_Hans"),
    ("Chen Jing", "zh_Hans"), ("Yang Lei", "zh_Hans"), ("Zhao Xin", "zh_Hans"), ("Huang Ying", "zh_Hans"),
    ("Zhou Tao", "zh_Hans"), ("Wu Hui", "zh_Hans"), ("Sofia Rossi", "en"), ("Liam Walker", "en"),
    ("Amara Okafor", "en"), ("Mateo García", "en"), ("Hana Sato", "en"), ("Noah Fischer", "en"),
    ("Priya Nair", "en"), ("Lucas Martin", "en"), ("Emma Novak", "en"), ("Omar Haddad", "en"),
]  # fmt: skip
#: the seed writes to all of these (a schema without them needs `flask db upgrade` first)
NEEDED_TABLES = (
    "members",
    "communities",
    "challenges",
    "enrollments",
    "check_ins",
    "day_settlements",
    "payments",
    "stripe_events",
    "ledger_accounts",
    "ledger_transactions",
    "ledger_postings",
)


def machine_zone() -> str:
    """The IANA zone of this machine (TZ, /etc/localtime, /etc/timezone), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return "UTC"


@dataclass
class Seeded:
    organizer: Member
    demo: Member
    others: list[Member] = field(default_factory=list)
    challenges: dict[str, Challenge] = field(default_factory=dict)
    settled_days: int = 0


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Fill an empty database with demo data (does nothing when members exist)."""
    session = db.session
    missing = [name for name in NEEDED_TABLES if not inspect(db.engine).has_table(name)]
    if missing:
        raise click.ClickException(
            f"The database lacks tables ({', '.join(missing)}): run `flask db upgrade` first."
        )
    if session.scalar(select(Member.id).limit(1)) is not None:
        click.echo("The database already has members: nothing seeded.")
        _print_logins()
        return
    started = time.monotonic()
    seeded = seed(
        session,
        now=datetime.now(UTC),
        gateway=current_app.extensions.get(GATEWAY),
        password_method=current_app.config.get("PASSWORD_HASH_METHOD") or members.DEFAULT_PASSWORD_METHOD,
    )
    click.echo(
        f"Demo data ready in {time.monotonic() - started:.1f} s: {len(seeded.others) + 2} members, "
        f"{len(seeded.challenges)} challenges, {seeded.settled_days} settled days."
    )
    _print_logins()


def _print_logins() -> None:
    click.echo(f"  member:    {MEMBER_EMAIL} / {PASSWORD}")
    click.echo(f"  organizer: {ORGANIZER_EMAIL} / {PASSWORD}")


def seed(session: Session, *, now: datetime, gateway, password_method: str) -> Seeded:
    zone = machine_zone()
    today = now.astimezone(ZoneInfo(zone)).date()
    rng = random.Random(2026)
    long_ago = now - timedelta(days=40)

    def register(email: str, name: str, locale: str) -> Member:
        return members.register_member(
            session,
            email=email,
            password=PASSWORD,
            display_name=name,
            timezone=zone,
            locale=locale,
            now=long_ago,
            password_method=password_method,
        )

    seeded = Seeded(
        organizer=register(ORGANIZER_EMAIL, "Olivia (organizer)", "en"),
        demo=register(MEMBER_EMAIL, "Demo Member", "en"),
    )
    # Every demo account has the same (public) password: hash it once, not twenty more times
    # (a real hash costs ~0.3 s here and would make the demo slow to start for nothing).
    seeded.others = []
    for i, (name, locale) in enumerate(OTHERS):
        member = members.register_member(
            session,
            email=f"member{i + 1}@streakpot.test",
            password=PASSWORD,
            display_name=name,
            timezone=zone,
            locale=locale,
            now=long_ago,
            password_method="pbkdf2:sha256:1",
        )
        member.password_hash = seeded.demo.password_hash
        seeded.others.append(member)
    everyone = [seeded.demo, *seeded.others]

    club = communities.create_community(
        session,
        seeded.organizer,
        name="Sunrise Club · 早起俱乐部",
        theme="early-rise",
        description="Small daily promises, kept together. 每天一点点，一起坚持。",
        rules_text="Check in inside the window. Be kind in the notes. Fake check-ins are voided.",
        now=long_ago,
    )
    readers = communities.create_community(
        session,
        seeded.organizer,
        name="Bookworms · 读书会",
        theme="reading",
        description="By invitation: ask the organizer for the code.",
        entry={
            "invite_only": True,
            "approval": False,
            "quiz": {
                "questions": [
                    {
                        "text": "When may you check in?",
                        "choices": ["Any time", "Inside the day's window"],
                        "answer": 1,
                    }
                ],
                "pass_mark": 1,
            },
            "form": [
                {"key": "city", "label": "Which city are you in?", "kind": "text", "required": True},
                {
                    "key": "pace",
                    "label": "Books a month",
                    "kind": "choice",
                    "choices": ["1", "2-3", "4+"],
                    "required": True,
                },
                {"key": "reading", "label": "What are you reading now?", "kind": "text", "required": False},
            ],
        },
        now=long_ago,
    )
    for member in everyone:
        communities.join_community(session, club, member, now=long_ago)
    for member in seeded.others[:8]:
        communities.join_community(
            session,
            readers,
            member,
            invite_code=readers.invite_code,
            quiz_answers=[1],
            form_answers={"city": "Shanghai", "pace": "2-3", "reading": "三体"},
            now=long_ago,
        )

    finished = demo_history.past_challenge(
        session,
        club,
        seeded.organizer,
        gateway,
        rng,
        rules={
            "title": "Run 3 km · spring week",
            "description": "Seven mornings, three kilometres each. Lucky-draw split of the pot.",
            "timezone": zone,
            "start_date": today - timedelta(days=20),
            "days": 7,
            "window_open": "05:00",
            "window_close": "10:00",
            "deposit_minor": 1400,
            "currency": "USD",
            "max_misses": 1,
            "min_participants": 3,
            "fee_bps": 0,
            "split": "random",
            "value_label": "km",
        },
        players=[seeded.demo, *seeded.others[:11]],
        always=seeded.demo,
        hit_rate=0.82,
        now=now,
    )
    running = demo_history.past_challenge(
        session,
        club,
        seeded.organizer,
        gateway,
        rng,
        rules={
            "title": "Read 20 pages a day",
            "description": "Any time of the day: read twenty pages and tell us how many you read.",
            "timezone": zone,
            "start_date": today - timedelta(days=3),
            "days": 14,
            "window_open": "00:00",
            "window_close": "24:00",
            "deposit_minor": 7000,
            "currency": "CNY",
            "max_misses": 2,
            "min_participants": 3,
            "fee_bps": 500,
            "split": "equal",
            "rest_days": 1,
            "value_label": "pages",
        },
        players=[seeded.demo, *seeded.others[:17]],
        always=seeded.demo,
        hit_rate=0.8,
        now=now,
        never=seeded.others[16],
    )
    upcoming = challenges.launch_challenge(
        session,
        club,
        seeded.organizer,
        rules={
            "title": "Rise by 06:30 · three weeks",
            "description": "Up before half past six, every day for three weeks. Write the day's code word.",
            "timezone": "Asia/Shanghai",
            "start_date": today + timedelta(days=3),
            "days": 21,
            "window_open": "05:00",
            "window_close": "06:30",
            "deposit_minor": 10000,
            "currency": "CNY",
            "max_misses": 2,
            "min_participants": 2,
            "fee_bps": 300,
            "requires_code_word": True,
        },
        now=now - timedelta(days=1),
    )
    seeded.challenges = {"finished": finished, "running": running, "upcoming": upcoming}
    session.commit()

    # The sweep the scheduler runs every minute: opens each day 0 and settles every due day.
    result = settle_due_days(session, now=now, commit=session.commit)
    seeded.settled_days = len(result.settled)

    _checkins_today(session, running, seeded.others[:17], rng, now=now)
    _join_and_pay_now(session, upcoming, seeded.others[:6], gateway, now=now)
    _withdraw_a_little(session, seeded.demo, gateway, now=now)
    return seeded


def _checkins_today(
    session: Session, challenge: Challenge, players: list[Member], rng, *, now: datetime
) -> None:
    """A few members already checked in today (through the check-in service, at the real now)."""
    for member in players[:7]:
        enrollment = enrollments.enrollment_of(session, challenge.id, member.id)
        if enrollment is None or rng.random() < 0.3:
            continue
        try:
            checkins.check_in(
                session,
                enrollment,
                evidence=checkins.Evidence(
                    note=rng.choice(demo_history.NOTES), value=float(rng.randrange(18, 41))
                ),
                now=now,
            )
        except Exception:  # eliminated members and closed windows are fine to skip in a demo
            session.rollback()
            continue
    session.commit()


def _join_and_pay_now(session: Session, challenge: Challenge, players: list[Member], gateway, *, now) -> None:
    """Members join the upcoming challenge and pay with the demo card: the offline gateway signs a
    ``payment_intent.succeeded`` and runs it through the webhook path (which commits)."""
    for member in players:
        joined = enrollments.enroll(
            session, challenge, member, gateway=gateway, pay_from_wallet=False, now=now
        )
        session.commit()
        if gateway is not None and hasattr(gateway, "confirm_payment"):
            gateway.confirm_payment(session, joined.enrollment, card=demo_history.DEMO_CARD, now=now)


def _withdraw_a_little(session: Session, member: Member, gateway, *, now: datetime) -> None:
    """The demo member took a little of their winnings back to the card (some stays: see why)."""
    available = wallets.available_minor(session, member.id, "CNY")
    if available < 1000 or gateway is None:
        session.rollback()
        return
    withdrawal = withdrawals.request_withdrawal(session, member, amount_minor=1000, currency="CNY", now=now)
    session.commit()
    withdrawals.send_withdrawal_refunds(session, withdrawal.id, gateway=gateway, now=now)
    session.commit()
    gateway.after_commit(session, now=now)
    session.commit()
