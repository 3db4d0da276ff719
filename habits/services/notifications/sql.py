"""The few SQL expressions notifications need that SQLite and PostgreSQL spell differently.

Set-based notifications (a settled day, the reminders of a minute) build each row's params and
dedupe key in SQL, so that a hundred thousand rows are one INSERT ... SELECT and never Python
objects. Values from Python are cast to a type here: PostgreSQL cannot guess the type of a
bare parameter given to an operator or function that takes "any".
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Integer,
    Interval,
    String,
    Text,
    cast,
    func,
    literal,
    literal_column,
)
from sqlalchemy.orm import Session

from habits.domain.instants import rfc3339_utc


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def value(item) -> ColumnElement:
    """A Python value (or a column, left as it is) as a typed SQL expression."""
    if isinstance(item, ColumnElement):
        return item
    if isinstance(item, bool):
        raise TypeError("booleans differ between the databases' JSON: pass 0 or 1")
    if isinstance(item, int):
        return cast(literal(item), BigInteger)
    if isinstance(item, datetime):
        item = rfc3339_utc(item)
    return cast(literal(item), String)


def json_object(session: Session, **pairs) -> ColumnElement:
    """``{"name": value, ...}`` built by the database; keys are our own names (no user text).

    On PostgreSQL the object is written as text and cast once (``json_build_object`` costs two
    to three times as much for each row: bench/settle_notices.py): what is known in Python is
    written here, JSON-encoded; an integer column is its text; any other column is ``to_json``.
    """
    for name in pairs:
        if not name.isidentifier():
            raise ValueError(f"not a param name: {name!r}")
    if dialect(session) != "postgresql":
        arguments = []
        for name, item in pairs.items():
            arguments += [literal_column(f"'{name}'"), value(item)]
        return func.json_object(*arguments)
    pieces: list[ColumnElement] = []
    written = "{"
    for index, (name, item) in enumerate(pairs.items()):
        written += (", " if index else "") + json.dumps(name) + ": "
        if not isinstance(item, ColumnElement):
            written += json.dumps(rfc3339_utc(item) if isinstance(item, datetime) else item)
            continue
        as_text = cast(item if isinstance(item.type, Integer) else func.to_json(item), Text)
        pieces += [literal(written, Text), func.coalesce(as_text, literal("null", Text))]
        written = ""
    pieces.append(literal(written + "}", Text))
    text = pieces[0]
    for piece in pieces[1:]:
        text = text.op("||")(piece)
    return cast(text, JSON)


def text_key(*parts) -> ColumnElement:
    """A dedupe key: the parts (text or integer columns, or Python values) joined by ':'."""
    pieces = []
    for index, part in enumerate(parts):
        if index:
            pieces.append(value(":"))
        pieces.append(cast(part, String) if isinstance(part, ColumnElement) else value(str(part)))
    key = pieces[0]
    for piece in pieces[1:]:
        key = key.op("||")(piece)
    return key


def within_minutes(session: Session, instant, now: datetime, minutes) -> ColumnElement:
    """``instant <= now + minutes`` (a column of instants, an integer column of minutes)."""
    if dialect(session) == "postgresql":
        return instant <= literal(now) + func.make_interval(0, 0, 0, 0, 0, minutes, type_=Interval)
    # SQLite keeps instants as text: compare whole seconds since the epoch
    seconds = cast(func.strftime("%s", instant), Integer)
    return seconds - int(now.timestamp()) <= minutes * 60


def joined(session: Session, column) -> ColumnElement:
    """The aggregate of a text column's values joined by ',' (a group's badges, say)."""
    if dialect(session) == "postgresql":
        return func.string_agg(column, literal(",", Text))
    return func.group_concat(column, ",")
