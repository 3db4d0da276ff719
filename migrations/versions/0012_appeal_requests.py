"""appeal_requests: a member's appeal of a day, and the organizer's decision on it

A member asks (a reason, optionally a photo) until the day is due; an organizer who does not play
in the challenge accepts it (the check-in is recorded) or refuses it with a reason. At most one
request per enrollment and day waits for a decision: a partial unique index (PostgreSQL and
SQLite both have them). The referee log's ``kind`` gains ``appeal_refused``: it is a plain string
column (no native enum, no CHECK), so no change to it is needed here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_table(
        "appeal_requests",
        sa.Column("id", ID, nullable=False),
        sa.Column("enrollment_id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column("day_index", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("photo_path", sa.String(length=255), nullable=True),
        sa.Column("photo_content_type", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "accepted", "refused", name="appealstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", ID, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("check_in_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_appeal_requests_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_appeal_requests_check_in_id_check_ins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["members.id"], name=op.f("fk_appeal_requests_decided_by_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_appeal_requests_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_requests")),
    )
    with op.batch_alter_table("appeal_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appeal_requests_challenge_status",
            ["challenge_id", "status", "asked_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_appeal_requests_one_pending",
            ["enrollment_id", "day_index"],
            unique=True,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )


def downgrade():
    with op.batch_alter_table("appeal_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_appeal_requests_one_pending")
        batch_op.drop_index("ix_appeal_requests_challenge_status")
    op.drop_table("appeal_requests")
