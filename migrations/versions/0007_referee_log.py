"""referee_log: every void, appeal and excuse, with who did it, when and why

SPEC: "Every void, appeal and excuse is visible to the challenge's participants, with who did
it, when and why." The check-in and excused-day rows hold what is true now (an appeal that
reinstates a voided check-in clears the void on its row), so the history gets its own table.

Existing decisions are copied in from those rows: voids (check_ins.voided_at), accepted appeals
(check_ins with source 'appeal', stamped when recorded) and excused days. A void already undone
by an appeal left no instant behind and cannot be recovered.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "referee_log",
        sa.Column("id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column(
            "kind",
            sa.Enum("void", "appeal", "excuse", name="refereekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("day_index", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", ID, nullable=True),
        sa.Column("check_in_id", ID, nullable=True),
        sa.Column("referee_id", ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_referee_log_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_referee_log_check_in_id_check_ins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_referee_log_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referee_id"], ["members.id"], name=op.f("fk_referee_log_referee_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referee_log")),
    )
    with op.batch_alter_table("referee_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referee_log_challenge_acted", ["challenge_id", "acted_at", "id"], unique=False
        )

    columns = "challenge_id, kind, day_index, enrollment_id, check_in_id, referee_id, reason, acted_at"
    op.execute(
        f"INSERT INTO referee_log ({columns}) "
        "SELECT challenge_id, 'void', day_index, enrollment_id, id, voided_by_id, "
        "COALESCE(void_reason, ''), voided_at FROM check_ins WHERE voided_at IS NOT NULL"
    )
    op.execute(
        f"INSERT INTO referee_log ({columns}) "
        "SELECT challenge_id, 'appeal', day_index, enrollment_id, id, recorded_by_id, "
        "COALESCE(appeal_reason, ''), checked_in_at FROM check_ins WHERE source = 'appeal'"
    )
    op.execute(
        f"INSERT INTO referee_log ({columns}) "
        "SELECT challenge_id, 'excuse', day_index, NULL, NULL, excused_by_id, reason, created_at "
        "FROM excused_days"
    )


def downgrade():
    with op.batch_alter_table("referee_log", schema=None) as batch_op:
        batch_op.drop_index("ix_referee_log_challenge_acted")

    op.drop_table("referee_log")
