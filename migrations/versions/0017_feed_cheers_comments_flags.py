"""the feed: cheers, comments (mentions, reports), flags, blocks, private photos, the feed's index

A check-in's photo may now be marked private (only its owner and the organizers see it); every
photo was private to them until now, so the photos already stored stay private: the new column
defaults to false, then the rows that hold a photo are set to true.

The feed reads a challenge's check-ins newest first by (checked_in_at, id), the keyset of its
cursor: ``ix_check_ins_feed``. Counting a check-in's cheers and asking whether the reader
cheered use the unique (check_in_id, member_id) index; comments are counted on
``ix_comments_check_in``.

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-15 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    # in place, never a batch copy: on SQLite a copy of check_ins would cascade to the tables
    # that refer to it (the referee log)
    op.add_column(
        "check_ins", sa.Column("photo_private", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index("ix_check_ins_feed", "check_ins", ["challenge_id", "checked_in_at", "id"], unique=False)
    # the photos stored so far were taken when every photo was private: they stay so
    op.execute(
        sa.text("UPDATE check_ins SET photo_private = :yes WHERE photo_path IS NOT NULL").bindparams(yes=True)
    )

    op.create_table(
        "cheers",
        sa.Column("id", ID, nullable=False),
        sa.Column("check_in_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        _fk("cheers", "check_in_id", "check_ins", "CASCADE"),
        _fk("cheers", "member_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cheers")),
        sa.UniqueConstraint("check_in_id", "member_id", name=op.f("uq_cheers_check_in_id_member_id")),
    )
    op.create_table(
        "comments",
        sa.Column("id", ID, nullable=False),
        sa.Column("check_in_id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        _fk("comments", "check_in_id", "check_ins", "CASCADE"),
        _fk("comments", "challenge_id", "challenges"),
        _fk("comments", "author_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_check_in", "comments", ["check_in_id", "id"], unique=False)
    op.create_table(
        "comment_mentions",
        sa.Column("comment_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        _fk("comment_mentions", "comment_id", "comments", "CASCADE"),
        _fk("comment_mentions", "member_id", "members"),
        sa.PrimaryKeyConstraint("comment_id", "member_id", name=op.f("pk_comment_mentions")),
    )
    op.create_table(
        "comment_reports",
        sa.Column("id", ID, nullable=False),
        sa.Column("comment_id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column("reporter_id", ID, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", NOW, nullable=False),
        _fk("comment_reports", "comment_id", "comments", "CASCADE"),
        _fk("comment_reports", "challenge_id", "challenges"),
        _fk("comment_reports", "reporter_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_reports")),
        sa.UniqueConstraint(
            "comment_id", "reporter_id", name=op.f("uq_comment_reports_comment_id_reporter_id")
        ),
    )
    op.create_index("ix_comment_reports_challenge", "comment_reports", ["challenge_id", "id"], unique=False)
    op.create_table(
        "check_in_flags",
        sa.Column("id", ID, nullable=False),
        sa.Column("check_in_id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column("flagger_id", ID, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", NOW, nullable=False),
        _fk("check_in_flags", "check_in_id", "check_ins", "CASCADE"),
        _fk("check_in_flags", "challenge_id", "challenges"),
        _fk("check_in_flags", "flagger_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_flags")),
        sa.UniqueConstraint(
            "check_in_id", "flagger_id", name=op.f("uq_check_in_flags_check_in_id_flagger_id")
        ),
    )
    op.create_index("ix_check_in_flags_challenge", "check_in_flags", ["challenge_id", "id"], unique=False)
    op.create_table(
        "member_blocks",
        sa.Column("blocker_id", ID, nullable=False),
        sa.Column("blocked_id", ID, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        _fk("member_blocks", "blocker_id", "members"),
        _fk("member_blocks", "blocked_id", "members"),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_member_blocks")),
    )


def downgrade():
    op.drop_table("member_blocks")
    op.drop_index("ix_check_in_flags_challenge", table_name="check_in_flags")
    op.drop_table("check_in_flags")
    op.drop_index("ix_comment_reports_challenge", table_name="comment_reports")
    op.drop_table("comment_reports")
    op.drop_table("comment_mentions")
    op.drop_index("ix_comments_check_in", table_name="comments")
    op.drop_table("comments")
    op.drop_table("cheers")
    op.drop_index("ix_check_ins_feed", table_name="check_ins")
    op.drop_column("check_ins", "photo_private")
