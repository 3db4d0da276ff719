"""settled days drop their arrival sequences: check_in_arrivals_done(challenge, day)

A challenge day's arrival numbers come from a sequence of its own (0025's check_in_arrival); a
settled day draws no more, and its settlement now drops the sequence through this function, so a
long-running server does not keep one sequence per challenge day forever. The sequences of days
settled before this revision are dropped here. PostgreSQL only.

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-06 11:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None

# frozen: the name 0025's function gives a day's sequence
FUNCTION = """
CREATE OR REPLACE FUNCTION check_in_arrivals_done(challenge bigint, day integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP SEQUENCE IF EXISTS %I', format('check_in_arrivals_%s_%s', challenge, day));
END
$$
"""

SETTLED = """
DO $$ DECLARE c record; BEGIN
    FOR c IN SELECT id, settled_days FROM challenges WHERE settled_days > 0 LOOP
        FOR d IN 0 .. c.settled_days - 1 LOOP
            PERFORM check_in_arrivals_done(c.id, d);
        END LOOP;
    END LOOP;
END $$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(SETTLED)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS check_in_arrivals_done(bigint, integer)")
