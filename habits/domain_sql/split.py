"""SQL expressions of ``habits.domain.split``: the winners' ranking and the equal split by rank."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import BigInteger, ColumnElement, case, func, literal

from habits.domain import split


def rank(columns: Mapping[str, ColumnElement], order: tuple[str, ...], *, partition_by=None):
    """1-based position in ``order`` (the domain's field names, mapped to columns), as a window
    function; ``partition_by`` ranks each partition on its own."""
    return func.row_number().over(partition_by=partition_by, order_by=[columns[name] for name in order])


def winner_rank(*, checked_in_at, enrollment_id, partition_by=None):
    """A winner's position in SPEC order (``split.WINNER_ORDER``)."""
    columns = {"checked_in_at": checked_in_at, "enrollment_id": enrollment_id}
    return rank(columns, split.WINNER_ORDER, partition_by=partition_by)


def finisher_rank(*, enrollment_id):
    """A finisher's position among those sharing the last pot (``split.FINISHER_ORDER``)."""
    return rank({"enrollment_id": enrollment_id}, split.FINISHER_ORDER)


def equal_share(amount_minor: int, count: int, position) -> ColumnElement:
    """The equal split's amount for the one at 1-based ``position`` (``split.split_equal``)."""
    each, extra = split.equal_parts(amount_minor, count)
    return literal(each, BigInteger) + case((position <= extra, 1), else_=0)
