"""Bounds on what the app reads from a request: JSON nesting depth and the digits of a number in
a body, and no NUL character in a query or form value.

RFC 8259 lets a parser limit both, and Python's ``json`` does so badly: 1,000 levels of nesting
raise RecursionError and an integer of more than 4,300 digits a plain ValueError, both of which
went past every JSON reader (webargs, the webhook, the check-in route) as a 500.

``BoundedRequest`` is the app's request class: every body read whole (``get_data``, which
webargs, ``get_json``, the webhook and the check-in route all go through) is checked here
first, so no reader can meet such a body. Form bodies are Werkzeug's form parser's and are not
checked. The check is a few C-speed passes over the bytes, never a Python loop per character.

PostgreSQL can neither store nor look up text with a NUL character (a 500 on the login form,
registration, any lookup). Query and form values are refused with a 400 when they hold one,
where Werkzeug builds them (``parameter_storage_class``); JSON text fields refuse it with a
field message (``habits.api.schemas.common.Text``).
"""

from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest

#: deeper than any body of ours (3 levels) or any Stripe event (under 10)
MAX_DEPTH = 64
#: more digits in one number than any id, amount or measure could need
MAX_NUMBER_DIGITS = 100

#: a string, or what is left of the body after an unterminated one: the closing quote is
#: optional so that every match succeeds where it starts (linear, never a retry per quote)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
_AS_PARENTHESES = bytes.maketrans(b"[{]}", b"(())")
_LONG_NUMBER = re.compile(rb"[0-9]{%d}" % (MAX_NUMBER_DIGITS + 1))
FORM_MIMETYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _nested_at_most(depth: int) -> re.Pattern:
    """Balanced parentheses nested at most ``depth`` deep: a regular language, so one regular
    expression; possessive (no backtracking), so linear in the body's length."""
    pattern = ""
    for _ in range(depth):
        pattern = rf"(?:\({pattern}\))*+"
    return re.compile(pattern.encode())


_SHALLOW = _nested_at_most(MAX_DEPTH)


def beyond_bounds(body: bytes) -> str | None:
    """Why ``body`` is beyond what we parse, or None. Text inside strings never counts; a body
    that is not JSON at all is left for the parser to refuse (unless it looks too deep)."""
    brackets = body.translate(None, _NOT_A_BRACKET)
    # Fast path (every ordinary body): too few brackets to nest deeply, no long digit run.
    if len(brackets) <= MAX_DEPTH and not _LONG_NUMBER.search(body):
        return None
    bare = _STRING.sub(b'""', body)
    if _LONG_NUMBER.search(bare):
        return f"A number has more than {MAX_NUMBER_DIGITS} digits."
    brackets = bare.translate(_AS_PARENTHESES, _NOT_A_BRACKET)
    if _SHALLOW.fullmatch(brackets):
        return None
    if brackets.count(b"(") != brackets.count(b")"):
        return "The brackets do not match."
    return f"Nested deeper than {MAX_DEPTH} levels, or brackets out of order."


class BodyBeyondBounds(BadRequest):
    """400, as a problem document whose ``errors.json`` says which bound."""

    problem_detail = "The request body is JSON beyond what this server reads."

    def __init__(self, reason: str):
        super().__init__(reason)
        self.data = {"messages": {"json": [reason]}}


class NulInParameter(BadRequest):
    def __init__(self):
        reason = "A parameter holds the NUL character."
        super().__init__(reason)
        self.data = {"messages": {"parameters": [reason]}}


class NulFreeParameters(ImmutableMultiDict):
    """Query and form values (and names) as Werkzeug parses them; none may hold a NUL."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        for name, values in self.lists():
            if "\x00" in name or any(isinstance(value, str) and "\x00" in value for value in values):
                raise NulInParameter()


class BoundedRequest(Request):
    parameter_storage_class = NulFreeParameters

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False):
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        if data and self.mimetype not in FORM_MIMETYPES:
            reason = beyond_bounds(data)
            if reason:
                raise BodyBeyondBounds(reason)
        return data.decode(errors="replace") if as_text else data
