"""the rank of the day: each check-in's arrival number, the holes, the voided check-ins' index

A check-in draws its arrival number in its challenge day when its row is written (on PostgreSQL
from a sequence of the day, made by ``check_in_arrival`` the first time the day draws:
habits/models/checkin.py holds the function and habits/services/checkins/standing.py the rules).
The check-ins already stored are numbered in the order of their instants, then enrollment ids;
a day's sequence, made later, starts after them.

Revision ID: 0025
Revises: 0016
Create Date: 2026-12-16 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None

VOIDED = sa.text("voided_at IS NOT NULL")
#: as habits/models/checkin.py ARRIVAL_FUNCTION was at this revision
ARRIVAL_FUNCTION = """
CREATE OR REPLACE FUNCTION check_in_arrival(challenge bigint, day integer, enrollment bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    seq text := format('check_in_arrivals_%s_%s', challenge, day);
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
            EXECUTE format('CREATE SEQUENCE %I', seq);
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


def upgrade():
    # in place, never a batch copy (see 0017)
    op.add_column("check_ins", sa.Column("arrival_no", sa.BigInteger(), nullable=True))
    op.execute(
        """
        UPDATE check_ins SET arrival_no = (
            SELECT count(*) FROM check_ins AS earlier
            WHERE earlier.challenge_id = check_ins.challenge_id
              AND earlier.day_index = check_ins.day_index
              AND (earlier.checked_in_at < check_ins.checked_in_at
                   OR (earlier.checked_in_at = check_ins.checked_in_at
                       AND earlier.enrollment_id <= check_ins.enrollment_id))
        )
        """
    )
    op.create_index(
        "ix_check_ins_voided_arrivals",
        "check_ins",
        ["challenge_id", "day_index", "arrival_no"],
        unique=False,
        sqlite_where=VOIDED,
        postgresql_where=VOIDED,
    )
    op.create_table(
        "check_in_arrival_holes",
        sa.Column("challenge_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day_index", sa.Integer(), nullable=False),
        sa.Column("arrival_no", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_check_in_arrival_holes_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "challenge_id", "day_index", "arrival_no", name=op.f("pk_check_in_arrival_holes")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ARRIVAL_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS check_in_arrival(bigint, integer, bigint)")
        op.execute(
            """
            DO $$ DECLARE seq text; BEGIN
                FOR seq IN SELECT relname FROM pg_class
                           WHERE relkind = 'S' AND relname LIKE 'check\\_in\\_arrivals\\_%' LOOP
                    EXECUTE format('DROP SEQUENCE %I', seq);
                END LOOP;
            END $$
            """
        )
    op.drop_table("check_in_arrival_holes")
    op.drop_index("ix_check_ins_voided_arrivals", table_name="check_ins")
    op.execute("ALTER TABLE check_ins DROP COLUMN arrival_no")
