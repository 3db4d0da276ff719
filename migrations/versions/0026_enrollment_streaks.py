"""enrollment streaks: each enrollment's current and best streak, kept by the day's settlement

Existing enrollments are filled from their history as of their challenge's last settled day
(SPEC, "Streaks, rank and levels", as habits/domain/streaks.py computes it): the days covered by
a valid check-in, a rest day or an excused day form islands (day - its number among them is
constant); an island's run is its check-ins (rest and excused days bridge, never add); the
current streak is the run of the island that holds the last settled day, the best the longest.

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-06 11:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0020"
branch_labels = None
depends_on = None

BACKFILL = """
CREATE TEMPORARY TABLE streak_backfill AS
WITH covered AS (
    SELECT c.enrollment_id, c.day_index, 1 AS checked
      FROM check_ins c JOIN challenges ch ON ch.id = c.challenge_id
     WHERE c.voided_at IS NULL AND c.day_index < ch.settled_days
    UNION ALL
    SELECT r.enrollment_id, r.day_index, 0
      FROM rest_days r JOIN challenges ch ON ch.id = r.challenge_id
     WHERE r.day_index < ch.settled_days
    UNION ALL
    SELECT e.id, x.day_index, 0
      FROM enrollments e JOIN challenges ch ON ch.id = e.challenge_id
      JOIN excused_days x ON x.challenge_id = e.challenge_id
     WHERE x.day_index < ch.settled_days
), days AS (
    SELECT enrollment_id, day_index, max(checked) AS checked
      FROM covered GROUP BY enrollment_id, day_index
), islands AS (
    SELECT enrollment_id, day_index, checked,
           day_index - row_number() OVER (PARTITION BY enrollment_id ORDER BY day_index) AS island
      FROM days
), runs AS (
    SELECT enrollment_id, sum(checked) AS run, max(day_index) AS last_day
      FROM islands GROUP BY enrollment_id, island
)
SELECT runs.enrollment_id,
       sum(CASE WHEN runs.last_day = ch.settled_days - 1 THEN runs.run ELSE 0 END) AS streak,
       max(runs.run) AS best_streak
  FROM runs
  JOIN enrollments e ON e.id = runs.enrollment_id
  JOIN challenges ch ON ch.id = e.challenge_id
 GROUP BY runs.enrollment_id
"""


FILL = """
UPDATE enrollments SET
    streak = (SELECT b.streak FROM streak_backfill b WHERE b.enrollment_id = enrollments.id),
    best_streak = (SELECT b.best_streak FROM streak_backfill b WHERE b.enrollment_id = enrollments.id)
WHERE id IN (SELECT enrollment_id FROM streak_backfill)
"""
#: the backfill, statement by statement (tests/progress/test_streak_counter.py runs it too)
BACKFILL_STEPS = (BACKFILL, FILL, "DROP TABLE streak_backfill")


def upgrade():
    # in place, never a batch copy (see 0017)
    for name in ("streak", "best_streak"):
        op.add_column(
            "enrollments", sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    for statement in BACKFILL_STEPS:
        op.execute(statement)


def downgrade():
    op.execute("ALTER TABLE enrollments DROP COLUMN best_streak")
    op.execute("ALTER TABLE enrollments DROP COLUMN streak")
