"""Schemas every resource shares: problem documents, pagination, instants; and the strict input
fields (Text, StrictBoolean, StrictFloat, ChangesSchema) that make validation say exactly what
the OpenAPI document says. Integers in a body are ``fields.Integer(strict=True)``."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

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


#: what str.isspace() calls white space, spelled out: ``\s`` differs between regex engines
#: (Python's, the document's ECMA-262 and the fuzzers'), an explicit class does not
WHITE_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


class TextRule(validate.Regexp):
    """No NUL character (PostgreSQL cannot store one, nor look one up), and with ``blank=False``
    some character that is not white space. One pattern, so the document states the rule; the
    messages say which part failed."""

    def __init__(self, *, blank: bool = True):
        self.blank = blank
        pattern = r"^[^\x00]*$" if blank else rf"^[^\x00]*[^\x00{WHITE_SPACE}][^\x00]*$"
        super().__init__(pattern)

    def __call__(self, value: str) -> str:
        if "\x00" in value:
            raise ValidationError("Must not contain the NUL character.")
        if not self.blank and not value.strip():
            raise ValidationError("Must not be blank.")
        return value


class Text(fields.String):
    """Every text an API body stores or looks up: ``TextRule`` first, then ``validate``."""

    def __init__(self, *, blank: bool = True, validate=None, **kwargs):
        rules = [TextRule(blank=blank)]
        if validate is not None:
            rules += validate if isinstance(validate, list | tuple) else [validate]
        super().__init__(validate=rules, **kwargs)


class StrictBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` and nothing else (marshmallow's Boolean also takes 0, 1, "yes",
    "on"...: the document says boolean, so the validation does too)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class StrictFloat(fields.Float):
    """A JSON number (marshmallow's Float also takes the string "1.5")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class ChangesSchema(Schema):
    """A PATCH body: at least one field to change (the document says so with ``minProperties``)."""

    @validates_schema
    def _changes_something(self, data, **kwargs):
        if not data:
            raise ValidationError("Send at least one field to change.")


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
