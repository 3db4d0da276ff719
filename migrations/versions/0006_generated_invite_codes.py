"""invite codes are generated: every code an organizer chose is replaced, and the organizers told

Before this revision an organizer typed the invite code (4 characters were enough) and wrong
guesses were never limited. Every existing code was chosen by a person, so every one is
replaced with a generated code (10 symbols of an alphabet without look-alikes, from
``secrets``), and ``invite_code_replaced_at`` is set: the community's page shows its organizers
the new code and why, until one of them dismisses the notice. Members who joined keep their
membership; only people still holding the old code need the new one.

ALPHABET and LENGTH are a frozen copy of habits.domain.invite_codes as it stood (a migration
imports no application code); tests/domain/test_invite_codes.py holds that they agree.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00

"""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def upgrade():
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invite_code_replaced_at", sa.DateTime(timezone=True), nullable=True))

    communities = sa.table(
        "communities",
        sa.column("id", sa.BigInteger),
        sa.column("invite_code", sa.String),
        sa.column("invite_code_replaced_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    now = datetime.now(UTC)
    # an empty code meant "open to anyone" (the pages and the join treated it as no code): it stays open
    chosen = connection.execute(
        sa.select(communities.c.id)
        .where(communities.c.invite_code.is_not(None), communities.c.invite_code != "")
        .order_by(communities.c.id)
    ).scalars()
    for community_id in list(chosen):
        connection.execute(
            communities.update()
            .where(communities.c.id == community_id)
            .values(invite_code=new_code(), invite_code_replaced_at=now)
        )


def downgrade():
    # the chosen codes are gone for good (that is the point); only the notice column goes
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("invite_code_replaced_at")
