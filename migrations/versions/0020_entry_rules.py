"""entry rules: quiz, registration form (answers become tags), personal invitations, approval

A community's ``join_questions`` become form fields of kind text (required, as every join
question was), keyed from their label by the frozen ``key_for`` below (habits.domain.entry's
``key_for`` at this revision; tests/test_entry_migration.py holds that they agree);
``requires_approval`` becomes ``approval``. Each membership's answers, a list in the questions'
order, becomes ``{key: answer}``, and each answer a tag ``key:answer``.

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-16 09:00:00

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0024"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.DateTime(timezone=True)
#: habits.domain.entry.MAX_TAG_VALUE at this revision
MAX_TAG_VALUE = 64


def key_for(label: str, taken: set, position: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    slug = re.sub(r"^[0-9_]+", "", slug)[:28].rstrip("_") or f"q{position}"
    key, n = slug, 2
    while key in taken:
        key, n = f"{slug}_{n}", n + 1
    return key


def tag(key: str, value: str) -> str:
    return f"{key}:{' '.join(str(value).split())[:MAX_TAG_VALUE]}"


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _tables():
    meta = sa.MetaData()
    communities = sa.Table(
        "communities",
        meta,
        sa.Column("id", ID),
        sa.Column("join_questions", sa.JSON()),
        sa.Column("requires_approval", sa.Boolean()),
        sa.Column("approval", sa.Boolean()),
        sa.Column("entry_form", sa.JSON()),
    )
    memberships = sa.Table(
        "community_memberships",
        meta,
        sa.Column("id", ID),
        sa.Column("community_id", ID),
        sa.Column("member_id", ID),
        sa.Column("answers", sa.JSON()),
    )
    tags = sa.Table(
        "member_tags",
        meta,
        sa.Column("community_id", ID),
        sa.Column("member_id", ID),
        sa.Column("tag", sa.String),
    )
    return communities, memberships, tags


def upgrade():
    op.add_column(
        "communities", sa.Column("approval", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("communities", sa.Column("entry_quiz", sa.JSON(), nullable=True))
    op.add_column("communities", sa.Column("entry_form", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("communities", sa.Column("invite_quota", sa.Integer(), server_default="10", nullable=False))
    op.add_column("challenges", sa.Column("entry_quiz", sa.JSON(), nullable=True))
    op.add_column("challenges", sa.Column("entry_form", sa.JSON(), nullable=True))
    op.create_table(
        "member_tags",
        sa.Column("community_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        _fk("member_tags", "community_id", "communities", "CASCADE"),
        _fk("member_tags", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("community_id", "member_id", "tag", name=op.f("pk_member_tags")),
    )
    op.create_index("ix_member_tags_community_tag", "member_tags", ["community_id", "tag"], unique=False)
    op.create_table(
        "invitations",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        _fk("invitations", "community_id", "communities", "CASCADE"),
        _fk("invitations", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code", name=op.f("uq_invitations_code")),
        sa.UniqueConstraint("community_id", "member_id", name=op.f("uq_invitations_community_id_member_id")),
    )
    op.create_index(op.f("ix_invitations_member_id"), "invitations", ["member_id"], unique=False)
    op.create_table(
        "invitation_uses",
        sa.Column("id", ID, nullable=False),
        sa.Column("invitation_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("used_at", NOW, nullable=False),
        _fk("invitation_uses", "invitation_id", "invitations", "CASCADE"),
        _fk("invitation_uses", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_uses")),
        sa.UniqueConstraint(
            "invitation_id", "member_id", name=op.f("uq_invitation_uses_invitation_id_member_id")
        ),
    )
    op.create_index(op.f("ix_invitation_uses_member_id"), "invitation_uses", ["member_id"], unique=False)
    op.create_table(
        "quiz_attempts",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=True),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", NOW, nullable=False),
        _fk("quiz_attempts", "community_id", "communities", "CASCADE"),
        _fk("quiz_attempts", "challenge_id", "challenges", "CASCADE"),
        _fk("quiz_attempts", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
    )
    op.create_index(
        "ix_quiz_attempts_who", "quiz_attempts", ["community_id", "member_id", "attempted_at"], unique=False
    )
    _convert_up()
    op.drop_column("communities", "join_questions")
    op.drop_column("communities", "requires_approval")


def _convert_up():
    communities, memberships, tags = _tables()
    conn = op.get_bind()
    for community_id, questions, requires_approval in conn.execute(
        sa.select(communities.c.id, communities.c.join_questions, communities.c.requires_approval)
    ).all():
        keys: list[str] = []
        for position, label in enumerate(questions or [], start=1):
            keys.append(key_for(label, set(keys), position))
        form = [
            {"key": key, "label": label, "kind": "text", "required": True}
            for key, label in zip(keys, questions or [], strict=True)
        ]
        conn.execute(
            sa.update(communities)
            .where(communities.c.id == community_id)
            .values(entry_form=form, approval=bool(requires_approval))
        )
        for membership_id, member_id, answers in conn.execute(
            sa.select(memberships.c.id, memberships.c.member_id, memberships.c.answers).where(
                memberships.c.community_id == community_id
            )
        ).all():
            answers = answers if isinstance(answers, list) else []
            kept = {key: str(a).strip() for key, a in zip(keys, answers, strict=False) if str(a).strip()}
            conn.execute(sa.update(memberships).where(memberships.c.id == membership_id).values(answers=kept))
            for made in dict.fromkeys(tag(key, value) for key, value in kept.items()):
                conn.execute(sa.insert(tags).values(community_id=community_id, member_id=member_id, tag=made))


def downgrade():
    op.add_column("communities", sa.Column("join_questions", sa.JSON(), nullable=True))
    op.add_column(
        "communities", sa.Column("requires_approval", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    communities, memberships, _tags = _tables()
    conn = op.get_bind()
    for community_id, form, approval in conn.execute(
        sa.select(communities.c.id, communities.c.entry_form, communities.c.approval)
    ).all():
        fields = [field for field in form or [] if field.get("kind") == "text"]
        conn.execute(
            sa.update(communities)
            .where(communities.c.id == community_id)
            .values(join_questions=[field["label"] for field in fields], requires_approval=bool(approval))
        )
        for membership_id, answers in conn.execute(
            sa.select(memberships.c.id, memberships.c.answers).where(
                memberships.c.community_id == community_id
            )
        ).all():
            answers = answers if isinstance(answers, dict) else {}
            listed = [answers.get(field["key"], "") for field in fields]
            conn.execute(
                sa.update(memberships).where(memberships.c.id == membership_id).values(answers=listed)
            )
    op.drop_table("quiz_attempts")
    op.drop_table("invitation_uses")
    op.drop_table("invitations")
    op.drop_table("member_tags")
    op.drop_column("challenges", "entry_form")
    op.drop_column("challenges", "entry_quiz")
    op.drop_column("communities", "invite_quota")
    op.drop_column("communities", "entry_form")
    op.drop_column("communities", "entry_quiz")
    op.drop_column("communities", "approval")
