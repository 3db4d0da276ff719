"""chat webhooks: a community's chat group (one incoming webhook) and its queued messages

``chat_webhooks`` holds each community's hook (kind, URL, Telegram chat id, DingTalk secret,
summary time and language, and whether posts are failing); ``chat_deliveries`` the messages
the chat relay claims and posts, unique per (community, summary date) so a summary is posted once.

Revision ID: 0023
Revises: 0016
Create Date: 2026-12-06 10:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = ("wecom", "dingtalk", "feishu", "slack", "discord", "telegram")


def upgrade():
    op.create_table(
        "chat_webhooks",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="chatkind", native_enum=False, length=16, create_constraint=False),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("secret", sa.String(length=128), nullable=True),
        sa.Column("summary_minute", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_chat_webhooks_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_webhooks")),
        sa.UniqueConstraint("community_id", name=op.f("uq_chat_webhooks_community_id")),
    )
    op.create_table(
        "chat_deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "summary", "test", name="chatpurpose", native_enum=False, length=16, create_constraint=False
            ),
            nullable=False,
        ),
        sa.Column("summary_date", sa.Date(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "failed",
                name="chatdeliverystatus",
                native_enum=False,
                length=16,
                create_constraint=False,
            ),  # fmt: skip
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_chat_deliveries_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_deliveries")),
        sa.UniqueConstraint(
            "community_id", "summary_date", name=op.f("uq_chat_deliveries_community_id_summary_date")
        ),
    )
    with op.batch_alter_table("chat_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_deliveries_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("chat_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_deliveries_status_next_attempt_at")
    op.drop_table("chat_deliveries")
    op.drop_table("chat_webhooks")
