"""Day settlements: one row per settled (challenge, day), the unit of exactly-once settlement.

The row is inserted in the same transaction as the day's ledger postings and status changes, so
either all of a day is there or none of it is. Its figures summarise the day for statements; the
per-enrollment lines are read from the ledger (never copied here), and ``habits.services.audit``
checks these figures against the ledger so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.challenge import Split
from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class DaySettlementStatus(StrEnum):
    SETTLED = "settled"
    #: excused by an organizer or by our own outage: every stake came back, the pot carried
    EXCUSED = "excused"


class DaySettlement(Base):
    __tablename__ = "day_settlements"
    __table_args__ = (
        # THE guard of exactly-once: a second settler of the same day fails on this key
        UniqueConstraint("challenge_id", "day_index"),
        CheckConstraint("carried_in_minor + forfeited_minor = pot_minor", name="pot_is_carry_plus_forfeits"),
        CheckConstraint(
            "pot_minor = fee_minor + split_minor + carried_minor + final_split_minor + unclaimed_minor",
            name="pot_fully_accounted",
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    day_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[DaySettlementStatus] = mapped_column(enum_column(DaySettlementStatus))
    #: why the day was excused ("organizer: ..." or "service outage: N minutes ...")
    excuse_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    #: the day's stake s_k
    stake_minor: Mapped[int] = mapped_column(BigInteger)
    #: what the previous day carried into the pot
    carried_in_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: forfeits into the pot on this day (misses, eliminations, quitters)
    forfeited_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: SPEC's P: the pot after the forfeits (carried in + forfeited)
    pot_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: SPEC's F: the platform fee (0 when there were no winners)
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: SPEC's R as paid out to the day's winners
    split_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the pot carried to the next day (no winners)
    carried_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: last day only: the leftover pot shared among the completed enrollments
    final_split_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: last day only: the leftover pot when nobody completed (platform's unclaimed revenue)
    unclaimed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: stakes that came back to wallets (successes, rest days, excused) plus last-day leftovers
    returned_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    split: Mapped[Split] = mapped_column(enum_column(Split))
    #: random split only: with the ordered winners (check-in instant, then enrollment id) it
    #: recomputes every share (docs/settlement.md, "The random split, step by step")
    seed: Mapped[str | None] = mapped_column(String(64), nullable=True)
    winners: Mapped[int] = mapped_column(Integer, default=0)
    rest_days: Mapped[int] = mapped_column(Integer, default=0)
    misses: Mapped[int] = mapped_column(Integer, default=0)
    eliminated: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    #: last day only: enrollments that completed the challenge
    completed: Mapped[int] = mapped_column(Integer, default=0)
    #: minutes of the day's window with no heartbeat (our own downtime), as judged at settlement
    outage_minutes: Mapped[int] = mapped_column(Integer, default=0)
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime())
