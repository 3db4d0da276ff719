"""What a new password must not be: blank, or one of the passwords tried first by anyone guessing.

One home for the rule: registration (page and API) and a password change (page and API) call
``check_new_password``; its refusal is an InvalidInput whose field error carries a code the pages
translate (``habits.web.refusals.FIELD_MESSAGES``). The edges check the length (8 to 128 on the
pages, 256 in the API) before the service runs.

The list is shipped with the project (common_passwords.txt, provenance and licence in
common_passwords.LICENSE): lower-cased, so a password is compared lower-cased and trimmed
("Password1 " is as common as "password1").
"""

from __future__ import annotations

import functools
from pathlib import Path

from habits.services.errors import FieldError, InvalidInput

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

BLANK = "password_blank"
TOO_COMMON = "password_too_common"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, read once per process (about 20,000 entries)."""
    text = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def password_problem(password: str) -> FieldError | None:
    """Why ``password`` may not be chosen, or None when it may."""
    trimmed = password.strip()
    if not trimmed:
        return FieldError(BLANK, "A password cannot be only spaces.")
    if trimmed.lower() in common_passwords():
        return FieldError(
            TOO_COMMON,
            "This password is one of the most common ones, which are guessed first: choose another.",
        )
    return None


def check_new_password(password: str, *, field: str = "password") -> None:
    """Refuse a password that may not be chosen: InvalidInput (422) with the reason on ``field``."""
    problem = password_problem(password)
    if problem is not None:
        raise InvalidInput(str(problem), errors={field: [problem]})
