"""Check-ins and rest days: what each enrollment did on each challenge day."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class CheckInSource(StrEnum):
    MEMBER = "member"  # the member tapped within the window
    APPEAL = "appeal"  # an organizer accepted an appeal and recorded it


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (
        # exactly one check-in per enrollment and day, whatever races happen
        UniqueConstraint("enrollment_id", "day_index"),
        # settlement reads a (challenge, day) at once
        Index("ix_check_ins_challenge_day", "challenge_id", "day_index"),
        # the feed's keyset: newest first within a challenge, (checked_in_at, id) as the cursor
        Index("ix_check_ins_feed", "challenge_id", "checked_in_at", "id"),
        # the rank of the day subtracts the voided check-ins that arrived before (usually none)
        Index(
            "ix_check_ins_voided_arrivals",
            "challenge_id",
            "day_index",
            "arrival_no",
            postgresql_where=text("voided_at IS NOT NULL"),
            sqlite_where=text("voided_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    #: denormalised from the enrollment so a day is read without a join
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    day_index: Mapped[int] = mapped_column(Integer)
    #: the server's clock when it was recorded; the client's clock is never trusted
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: km, pages, minutes... as the challenge's value_label says
    value: Mapped[float | None] = mapped_column(Numeric(12, 3, asdecimal=False), nullable=True)
    #: path under instance/photos (never served with a guessed type)
    photo_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    photo_content_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: only its owner and the organizers see a private photo (the challenge's participants see others)
    photo_private: Mapped[bool] = mapped_column(Boolean, server_default=false())
    source: Mapped[CheckInSource] = mapped_column(enum_column(CheckInSource), default=CheckInSource.MEMBER)
    #: False for eliminated or withdrawn members: counts for streaks and the feed, never for money
    counts_for_money: Mapped[bool] = mapped_column(Boolean, default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    appeal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: its place in the arrival order of its challenge day (1, 2, ...), drawn when the row is
    #: written (services/checkins/standing.py); the rank of the day is computed from it
    arrival_no: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class CheckInArrivalHole(Base):
    """An arrival number drawn for no valid check-in: a tap that lost the race of a double tap
    (its number was drawn before the unique key refused it), or the number a reinstated check-in
    left when it drew a new one. The rank of the day subtracts the holes before it."""

    __tablename__ = "check_in_arrival_holes"
    __table_args__ = (PrimaryKeyConstraint("challenge_id", "day_index", "arrival_no"),)

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    day_index: Mapped[int] = mapped_column(Integer)
    arrival_no: Mapped[int] = mapped_column(BigInteger)


#: PostgreSQL: the next arrival number of a challenge day (services/checkins/standing.py), from one
#: sequence per challenge day, made the first time the day draws (it starts after the numbers of
#: rows older than it) and named here only. A sequence takes no row lock and is not transactional,
#: so the wake-up spike's taps do not queue on a counter row; the only lock is the member's own.
#: Given ``enrollment``, NULL (nothing drawn) when that enrollment already has the day's check-in.
# (DDL formats its text with the table's names: a percent sign is written twice)
#: the name of a challenge day's sequence, as format() writes it in SQL (challenge, day)
ARRIVAL_SEQUENCE = "check_in_arrivals_%%s_%%s"
ARRIVAL_FUNCTION = DDL(
    f"""
CREATE OR REPLACE FUNCTION check_in_arrival(challenge bigint, day integer, enrollment bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    seq text := format('{ARRIVAL_SEQUENCE}', challenge, day);
    taken bigint;
BEGIN
    IF enrollment IS NOT NULL THEN
        -- a member's own taps one at a time: a second one waits for the first to commit, then
        -- (a volatile function's query sees what was committed meanwhile) draws nothing, so a
        -- number is never drawn for a row the unique key then refuses
        PERFORM pg_advisory_xact_lock(enrollment);
        IF EXISTS (SELECT 1 FROM check_ins WHERE enrollment_id = enrollment AND day_index = day) THEN
            RETURN NULL;
        END IF;
    END IF;
    IF to_regclass(seq) IS NULL THEN
        -- the day's first taps: one creates the sequence, the others wait for it and find it
        PERFORM pg_advisory_xact_lock(1, hashtext(seq));  -- apart from the one-key locks
        BEGIN
            EXECUTE format('CREATE SEQUENCE %%I', seq);
            SELECT max(arrival_no) INTO taken FROM check_ins
             WHERE challenge_id = challenge AND day_index = day;
            IF taken IS NOT NULL THEN
                PERFORM setval(seq, taken);
            END IF;
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            NULL;
        END;
    END IF;
    RETURN nextval(seq::regclass);
END
$$
"""
)
event.listen(CheckIn.__table__, "after_create", ARRIVAL_FUNCTION.execute_if(dialect="postgresql"))

#: PostgreSQL: a settled day draws no more numbers (its windows closed, its appeals are over), so
#: its settlement drops the day's sequence; a draw after it would make it again from the day's
#: highest number, as the day's first draw does
ARRIVALS_DONE_FUNCTION = DDL(
    f"""
CREATE OR REPLACE FUNCTION check_in_arrivals_done(challenge bigint, day integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP SEQUENCE IF EXISTS %%I', format('{ARRIVAL_SEQUENCE}', challenge, day));
END
$$
"""
)
event.listen(CheckIn.__table__, "after_create", ARRIVALS_DONE_FUNCTION.execute_if(dialect="postgresql"))


class RestDay(Base):
    """A day an active member declared, before its window opened, as a rest day."""

    __tablename__ = "rest_days"
    __table_args__ = (UniqueConstraint("enrollment_id", "day_index"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    day_index: Mapped[int] = mapped_column(Integer)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())


#: every day's sequence dropped (a database emptied for reuse, where challenge ids start again)
DROP_ARRIVAL_SEQUENCES = """
DO $$ DECLARE seq text; BEGIN
    FOR seq IN SELECT relname FROM pg_class
               WHERE relkind = 'S' AND relname LIKE 'check\\_in\\_arrivals\\_%' LOOP
        EXECUTE format('DROP SEQUENCE %I', seq);
    END LOOP;
END $$
"""
