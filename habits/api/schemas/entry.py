"""The entry rules of a community or a challenge: quiz and registration form (habits.domain.entry)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import StrictBoolean, Text, UTCInstant
from habits.domain import entry as rules

_label = validate.Length(min=1, max=200)
_choice = Text(blank=False, validate=validate.Length(min=1, max=120))
_choices = validate.Length(min=2, max=rules.MAX_CHOICES)


class QuizQuestionSchema(Schema):
    text = Text(required=True, blank=False, validate=validate.Length(min=1, max=300))
    choices = fields.List(_choice, required=True, validate=_choices)
    #: the right choice, counted from 0 (shown to the organizers only)
    answer = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=rules.MAX_CHOICES - 1)
    )


class QuizSchema(Schema):
    questions = fields.List(
        fields.Nested(QuizQuestionSchema),
        required=True,
        validate=validate.Length(min=1, max=rules.MAX_QUESTIONS),
    )
    #: how many right answers pass
    pass_mark = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=rules.MAX_QUESTIONS)
    )


class FormFieldSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(rules.KEY))
    label = Text(required=True, blank=False, validate=_label)
    kind = fields.String(required=True, validate=validate.OneOf(rules.KINDS))
    #: a choice field's choices
    choices = fields.List(_choice, validate=_choices)
    required = StrictBoolean(load_default=False)
    #: a number field's bounds
    min = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(-rules.NUMBER_BOUND, rules.NUMBER_BOUND)
    )
    max = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(-rules.NUMBER_BOUND, rules.NUMBER_BOUND)
    )


class EntryChallengeSchema(Schema):
    """A challenge's own quiz and form, in place of its community's for whoever enrolls."""

    quiz = fields.Nested(QuizSchema, allow_none=True)
    form = fields.List(
        fields.Nested(FormFieldSchema), allow_none=True, validate=validate.Length(max=rules.MAX_FIELDS)
    )


class EntryInputSchema(EntryChallengeSchema):
    #: true: joining needs the community's invite code (generated) or a member's personal invitation
    invite_only = StrictBoolean()
    #: joining waits for an organizer's approval
    approval = StrictBoolean()
    #: how many people one member's personal invitation may bring in
    invite_quota = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    #: PATCH: true replaces the invite code with a new generated one (the old one stops working)
    new_invite_code = StrictBoolean()


class QuizQuestionViewSchema(Schema):
    text = fields.String(required=True)
    choices = fields.List(fields.String(), required=True)
    #: organizers only (absent for everyone else)
    answer = fields.Integer()


class QuizViewSchema(Schema):
    questions = fields.List(fields.Nested(QuizQuestionViewSchema), required=True)
    pass_mark = fields.Integer(required=True)


class FormFieldViewSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(rules.KINDS))
    choices = fields.List(fields.String())
    required = fields.Boolean(required=True)
    min = fields.Integer(allow_none=True)
    max = fields.Integer(allow_none=True)


class EntryViewSchema(Schema):
    #: organizers only (null for everyone else)
    invite_code = fields.String(required=True, allow_none=True)
    #: organizers only: when the server replaced a code an organizer had chosen (for security)
    invite_code_replaced_at = UTCInstant(required=True, allow_none=True)
    invite_only = fields.Boolean(required=True)
    approval = fields.Boolean(required=True)
    quiz = fields.Nested(QuizViewSchema, required=True, allow_none=True)
    form = fields.List(fields.Nested(FormFieldViewSchema), required=True)
    invite_quota = fields.Integer(required=True)


class ChallengeEntryViewSchema(Schema):
    quiz = fields.Nested(QuizViewSchema, required=True, allow_none=True)
    form = fields.List(fields.Nested(FormFieldViewSchema), required=True, allow_none=True)


class EntryAnswersSchema(Schema):
    #: the index of the chosen choice for each quiz question, in order
    quiz_answers = fields.List(
        fields.Integer(strict=True),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=rules.MAX_QUESTIONS),
    )
    #: ``{key: value}`` for the registration form (text, a choice, a number)
    form_answers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=32)),
        values=fields.Raw(allow_none=True),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=rules.MAX_FIELDS * 2),
    )


def quiz_view(quiz: dict | None, *, organizing: bool) -> dict | None:
    """The quiz as a reader sees it: the right answers for the organizers only."""
    if not quiz:
        return None
    questions = [
        {"text": q["text"], "choices": q["choices"], **({"answer": q["answer"]} if organizing else {})}
        for q in quiz["questions"]
    ]
    return {"questions": questions, "pass_mark": quiz["pass_mark"]}
