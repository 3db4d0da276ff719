"""The threshold at the door, pure: an entry quiz and a registration form, checked; tags from answers.

A quiz is ``{"questions": [{"text", "choices": [...], "answer": index}], "pass_mark": n}``: a
member answers each question with the index of a choice, and passes with at least ``pass_mark``
right. A form is a list of fields ``{"key", "label", "kind": text|choice|number, "choices"?,
"required", "min"?, "max"?}``; its answers are ``{key: value}``.

Answers become the member's tags, ``key:value`` (``tag``: the one home of the format), which the
organizers filter members by. Checks return field errors by name (``problems``), never raise: the
service turns them into its refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

KINDS = ("text", "choice", "number")
MAX_QUESTIONS = 20
MAX_CHOICES = 10
MAX_FIELDS = 20
#: a text answer (and a tag's value) is at most this long
MAX_TEXT = 200
MAX_TAG_VALUE = 64
#: a number field without bounds accepts this range
NUMBER_BOUND = 10**9
KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class Problem:
    """One field's refusal: a stable code, the English message, the values it was built from."""

    code: str
    message: str
    params: dict


def _problem(code: str, message: str, **params) -> Problem:
    return Problem(code, message % params if params else message, params)


# -- the organizer's definitions ----------------------------------------------------------------


def quiz_problems(quiz: dict | None) -> dict[str, list[Problem]]:
    """What is wrong with a quiz definition (structure already checked by the edge's schema)."""
    if not quiz:
        return {}
    errors: dict[str, list[Problem]] = {}
    questions = quiz.get("questions") or []
    if not questions:
        errors["quiz.questions"] = [_problem("quiz_empty", "A quiz needs at least one question.")]
    for i, question in enumerate(questions):
        choices = question.get("choices") or []
        if len(choices) < 2:
            errors.setdefault(f"quiz.questions.{i}.choices", []).append(
                _problem("quiz_choices", "A question needs at least two choices.")
            )
        if len(set(choices)) != len(choices):
            errors.setdefault(f"quiz.questions.{i}.choices", []).append(
                _problem("quiz_choices_repeated", "Each choice must differ from the others.")
            )
        answer = question.get("answer")
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(choices):
            errors[f"quiz.questions.{i}.answer"] = [
                _problem(
                    "quiz_answer",
                    "The right answer is the number of one of the choices, counted from 0.",
                    choices=len(choices),
                )
            ]
    pass_mark = quiz.get("pass_mark")
    if not isinstance(pass_mark, int) or not 1 <= pass_mark <= max(1, len(questions)):
        errors["quiz.pass_mark"] = [
            _problem(
                "quiz_pass_mark",
                "The pass mark is between 1 and the number of questions.",
                questions=len(questions),
            )
        ]
    return errors


def form_problems(form: list | None) -> dict[str, list[Problem]]:
    """What is wrong with a form definition: keys unique, choices for a choice field, bounds."""
    errors: dict[str, list[Problem]] = {}
    seen: set[str] = set()
    for i, field in enumerate(form or []):
        key = field.get("key", "")
        if not KEY.match(key):
            errors[f"form.{i}.key"] = [
                _problem("form_key", "A key is a lower-case letter, then letters, digits or _ (32 at most).")
            ]
        elif key in seen:
            errors[f"form.{i}.key"] = [_problem("form_key_repeated", "Each field needs its own key.")]
        seen.add(key)
        choices = field.get("choices") or []
        if field.get("kind") == "choice" and (len(choices) < 2 or len(set(choices)) != len(choices)):
            errors[f"form.{i}.choices"] = [
                _problem("form_choices", "A choice field needs at least two different choices.")
            ]
        low, high = field.get("min"), field.get("max")
        if low is not None and high is not None and low > high:
            errors[f"form.{i}.max"] = [_problem("form_bounds", "The largest number is below the smallest.")]
    return errors


def key_for(label: str, taken: set[str], position: int) -> str:
    """A stable key for a field from its label (``Your city?`` -> ``your_city``), ``q<position>``
    when the label has no latin letters, made unique against ``taken``."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    slug = re.sub(r"^[0-9_]+", "", slug)[:28].rstrip("_") or f"q{position}"
    key, n = slug, 2
    while key in taken:
        key, n = f"{slug}_{n}", n + 1
    return key


# -- a member's answers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    right: int
    pass_mark: int

    @property
    def passed(self) -> bool:
        return self.right >= self.pass_mark


def quiz_answer_problems(quiz: dict, answers: list | None) -> dict[str, list[Problem]]:
    """The answers' shape: one choice index per question."""
    questions = quiz["questions"]
    if answers is None or len(answers) != len(questions):
        return {
            "quiz_answers": [
                _problem(
                    "quiz_answers_missing",
                    "Answer each of the quiz's questions, in order.",
                    questions=len(questions),
                )
            ]
        }
    errors = {}
    for i, (question, answer) in enumerate(zip(questions, answers, strict=True)):
        if (
            not isinstance(answer, int)
            or isinstance(answer, bool)
            or not 0 <= answer < len(question["choices"])
        ):
            errors[f"quiz_answers.{i}"] = [
                _problem("quiz_answer_choice", "Pick one of the question's choices.", question=i + 1)
            ]
    return errors


def grade(quiz: dict, answers: list[int]) -> Graded:
    """How many answers are right, against the pass mark (shape checked before)."""
    right = sum(
        1 for question, answer in zip(quiz["questions"], answers, strict=True) if answer == question["answer"]
    )
    return Graded(right, quiz["pass_mark"])


def _number(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def clean_form_answers(form: list, answers: dict | None) -> tuple[dict, dict[str, list[Problem]]]:
    """The answers kept (``{key: value}``, text stripped, numbers as strings as typed cleanly) and
    the problems, by ``form_answers.<key>``. Keys the form does not have are refused."""
    answers = answers or {}
    kept: dict[str, str] = {}
    errors: dict[str, list[Problem]] = {}
    keys = {field["key"] for field in form}
    for key in answers:
        if key not in keys:
            errors[f"form_answers.{key}"] = [_problem("form_unknown_field", "This form has no such field.")]
    for field in form:
        key, name = field["key"], f"form_answers.{field['key']}"
        raw = answers.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.get("required"):
                errors[name] = [_problem("form_required", "This field is required.", label=field["label"])]
            continue
        kind = field["kind"]
        if kind == "number":
            number = _number(raw)
            low = field.get("min") if field.get("min") is not None else -NUMBER_BOUND
            high = field.get("max") if field.get("max") is not None else NUMBER_BOUND
            if number is None:
                errors[name] = [_problem("form_number", "Enter a number.", label=field["label"])]
            elif not low <= number <= high:
                errors[name] = [
                    _problem(
                        "form_number_range", "Enter a number from %(min)s to %(max)s.", min=low, max=high
                    )
                ]
            else:
                kept[key] = format(number.normalize(), "f")
            continue
        if not isinstance(raw, str):
            errors[name] = [_problem("form_text", "Enter some text.", label=field["label"])]
            continue
        value = " ".join(raw.split())
        if kind == "choice":
            if value not in field.get("choices", []):
                errors[name] = [_problem("form_choice", "Pick one of the choices.", label=field["label"])]
                continue
        elif len(value) > MAX_TEXT:
            errors[name] = [_problem("form_too_long", "At most %(max)d characters.", max=MAX_TEXT)]
            continue
        kept[key] = value
    return kept, errors


def tag(key: str, value: str) -> str:
    """A member's tag from one answer: ``city:Berlin`` (the one home of the format)."""
    return f"{key}:{' '.join(str(value).split())[:MAX_TAG_VALUE]}"


def tags_for(answers: dict) -> list[str]:
    """Every answer's tag, in the form's order of the answers."""
    return [tag(key, value) for key, value in answers.items()]
