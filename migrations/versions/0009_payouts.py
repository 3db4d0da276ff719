"""payouts: winnings paid out by the operator, the audit log of every decision, site administrators

``payouts`` holds what a member asked for and what became of it; ``payout_events`` one line per
action (who, when, what, why; one per action and payout); ``members.is_admin`` marks the site
administrators (``flask admin grant EMAIL``), false for every existing member.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:06:02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "payouts",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("destination", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested", "approved", "refused", "paid", name="payoutstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", ID, nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by_id", ID, nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payouts_amount_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["members.id"], name=op.f("fk_payouts_decided_by_id_members")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_payouts_member_id_members")),
        sa.ForeignKeyConstraint(["paid_by_id"], ["members.id"], name=op.f("fk_payouts_paid_by_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payouts_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_status"), ["status"], unique=False)

    op.create_table(
        "payout_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("payout_id", ID, nullable=False),
        sa.Column(
            "action",
            sa.Enum("request", "approve", "refuse", "pay", name="payoutaction", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("actor_id", ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("ledger_key", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], name=op.f("fk_payout_events_actor_id_members")),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_payout_events_payout_id_payouts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_events")),
        sa.UniqueConstraint("payout_id", "action", name=op.f("uq_payout_events_payout_id_action")),
    )
    with op.batch_alter_table("payout_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_events_payout_id"), ["payout_id"], unique=False)

    # a plain ALTER TABLE ADD COLUMN (also on SQLite): a batch would copy the members table,
    # which every other table references
    op.add_column("members", sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("is_admin")

    with op.batch_alter_table("payout_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_events_payout_id"))
    op.drop_table("payout_events")

    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payouts_status"))
        batch_op.drop_index(batch_op.f("ix_payouts_member_id"))
    op.drop_table("payouts")
