"""Migration 0020: join questions become text fields of the registration form, answers a
``{key: answer}`` with a tag each, ``requires_approval`` becomes ``approval``; and back."""

from __future__ import annotations

import importlib.util
import os
from datetime import UTC, datetime

from sqlalchemy import MetaData, Table, create_engine, insert, select

from habits.domain import entry
from habits.models import Member
from tests.migration_tables import COMMUNITIES_BEFORE_0020, MEMBERSHIPS_BEFORE_0020
from tests.test_migrations import flask_db

NOW = datetime(2026, 12, 1, tzinfo=UTC)
MIGRATION = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), "migrations", "versions", "0020_entry_rules.py"
)


def _migration():
    spec = importlib.util.spec_from_file_location("rev0020", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: the revision 0020 follows (the chain's order is not the ids' order)
BEFORE_0020 = _migration().down_revision


def test_the_migrations_frozen_key_and_tag_are_the_domains():
    rev = _migration()
    for labels in (["Your city?", "Your city?", "你的目标？"], ["2 goals", "age band", "___"], ["A" * 60]):
        theirs, ours = [], []
        for position, label in enumerate(labels, start=1):
            theirs.append(rev.key_for(label, set(theirs), position))
            ours.append(entry.key_for(label, set(ours), position))
        assert theirs == ours
    assert rev.tag("city", "  Ber   lin ") == entry.tag("city", "  Ber   lin ") == "city:Ber lin"
    assert rev.MAX_TAG_VALUE == entry.MAX_TAG_VALUE


def test_0020_converts_join_questions_answers_and_approval(app, empty_database_url):
    flask_db(empty_database_url, "upgrade", BEFORE_0020)
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            for member_id in (1, 2, 3):
                conn.execute(
                    insert(Member.__table__).values(
                        id=member_id,
                        email=f"m{member_id}@x.test",
                        password_hash="x",
                        display_name=f"M{member_id}",
                        timezone="UTC",
                        locale="en",
                        created_at=NOW,
                    )
                )
            conn.execute(
                insert(COMMUNITIES_BEFORE_0020),
                [
                    {
                        "id": 1,
                        "name": "Readers",
                        "theme": "reading",
                        "description": "",
                        "rules_text": "",
                        "join_questions": ["Your city?", "你的目标？", "Your city?"],
                        "requires_approval": True,
                        "organizer_id": 1,
                        "created_at": NOW,
                    },
                    {
                        "id": 2,
                        "name": "Open",
                        "theme": "running",
                        "description": "",
                        "rules_text": "",
                        "join_questions": [],
                        "requires_approval": False,
                        "organizer_id": 1,
                        "created_at": NOW,
                    },
                ],
            )
            conn.execute(
                insert(MEMBERSHIPS_BEFORE_0020),
                [
                    {"id": 1, "community_id": 1, "member_id": 1, "role": "organizer", "status": "active",
                     "answers": [], "joined_at": NOW},
                    {"id": 2, "community_id": 1, "member_id": 2, "role": "member", "status": "pending",
                     "answers": ["Berlin", "读完三本书", "Berlin"], "joined_at": NOW},
                    {"id": 3, "community_id": 2, "member_id": 3, "role": "member", "status": "active",
                     "answers": [], "joined_at": NOW},
                ],
            )  # fmt: skip
        flask_db(empty_database_url, "upgrade")
        meta = MetaData()
        communities = Table("communities", meta, autoload_with=engine)
        memberships = Table("community_memberships", meta, autoload_with=engine)
        tags = Table("member_tags", meta, autoload_with=engine)
        with engine.connect() as conn:
            after = {row.id: row for row in conn.execute(select(communities))}
            answers = {row.id: row.answers for row in conn.execute(select(memberships))}
            tagged = conn.execute(select(tags.c.member_id, tags.c.tag).order_by(tags.c.tag)).all()
        assert after[1].entry_form == [
            {"key": "your_city", "label": "Your city?", "kind": "text", "required": True},
            {"key": "q2", "label": "你的目标？", "kind": "text", "required": True},
            {"key": "your_city_2", "label": "Your city?", "kind": "text", "required": True},
        ]
        assert (after[1].approval, after[1].entry_quiz, after[1].invite_quota) == (True, None, 10)
        assert (after[2].entry_form, after[2].approval) == ([], False)
        assert "join_questions" not in communities.c and "requires_approval" not in communities.c
        assert answers == {
            1: {},
            2: {"your_city": "Berlin", "q2": "读完三本书", "your_city_2": "Berlin"},
            3: {},
        }
        assert tagged == [(2, "q2:读完三本书"), (2, "your_city:Berlin"), (2, "your_city_2:Berlin")]

        flask_db(empty_database_url, "downgrade", BEFORE_0020)
        meta = MetaData()
        communities = Table("communities", meta, autoload_with=engine)
        memberships = Table("community_memberships", meta, autoload_with=engine)
        with engine.connect() as conn:
            back = {row.id: row for row in conn.execute(select(communities))}
            answers = {row.id: row.answers for row in conn.execute(select(memberships))}
        assert (
            back[1].join_questions == ["Your city?", "你的目标？", "Your city?"] and back[1].requires_approval
        )
        assert answers[2] == ["Berlin", "读完三本书", "Berlin"]
    finally:
        engine.dispose()
