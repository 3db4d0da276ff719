"""Schemas every resource shares: problem documents, pagination, instants."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.domain import currencies
from habits.domain.instants import rfc3339_utc

MAX_PER_PAGE = 100


class ProblemSchema(Schema):
    """RFC 9457 problem document, the shape of every error."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    #: a refused action's stable name (e.g. ``check_in_closed``), the same in every language
    code = fields.String()
    #: field name -> messages (422) or location -> messages (400)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())
    #: when a check-in was refused outside the window: the next window's open (UTC)
    next_window_opens_at = fields.String()

    class Meta:
        # Problems may carry further members (RFC 9457 extension members).
        unknown = "include"


def currency_field(**kwargs) -> fields.String:
    """A currency of ``habits.domain.currencies``, exactly: ``"USD\\n"``, ``"usd"`` and ``"ZZZ"``
    are 422s (the document lists the codes as the field's enum)."""
    message = "Not a currency we take: use a code from the list, e.g. CNY."
    return fields.String(validate=validate.OneOf(currencies.CODES, error=message), **kwargs)


class UTCInstant(fields.DateTime):
    """An aware instant rendered by ``rfc3339_utc``."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return rfc3339_utc(value)


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """``{items: [...], total, page, per_page}`` around ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        },
        name=name,
    )
