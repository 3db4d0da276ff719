"""What a check-in brings (a note, a value, a photo) and whether it is what the challenge asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from habits.services.codewords import code_word, note_has_word
from habits.services.errors import HabitsError, InvalidInput
from habits.services.photos import Photo, PhotoStorage

#: a check-in's number typed as text is read only when it is this short...
MAX_VALUE_CHARS = 32
#: ...and plain: digits with one decimal point or comma, so no exponent ("1e600000"), sign,
#: "NaN" or "Infinity" ever reaches a conversion
PLAIN_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+", re.ASCII)


def value_text_problem(text: str) -> str | None:
    """Why ``text`` (surrounding spaces aside) cannot be read as a check-in's number, or None.
    Looks at nothing longer than MAX_VALUE_CHARS."""
    if len(text) > MAX_VALUE_CHARS or not PLAIN_NUMBER.fullmatch(text.strip()):
        return f"Write the number plainly, e.g. 5 or 5.2, in at most {MAX_VALUE_CHARS} characters."
    return None


@dataclass(frozen=True)
class Evidence:
    note: str | None = None
    #: km, pages, minutes... as the challenge's value_label says
    value: float | None = None
    photo: Photo | None = None


def check_evidence(
    evidence: Evidence,
    *,
    day_index: int,
    requires_photo: bool,
    requires_code_word: bool,
    code_word_secret: str,
) -> None:
    """Raise InvalidInput (422, by field) when the evidence lacks what the challenge asks for."""
    errors: dict[str, list[str]] = {}
    if requires_photo and evidence.photo is None:
        errors["photo"] = ["This challenge asks for a photo with each check-in."]
    if (
        requires_code_word
        and evidence.photo is None
        and not note_has_word(evidence.note, code_word(code_word_secret, day_index))
    ):
        errors["note"] = ["Write today's code word in the note (or attach a photo that shows it)."]
    if errors:
        raise InvalidInput("The check-in lacks the evidence this challenge asks for.", errors=errors)


def store_photo(evidence: Evidence, photo_store: PhotoStorage | None, challenge_id: int) -> str | None:
    """Save the evidence's photo, if any; its stored path."""
    if evidence.photo is None:
        return None
    if photo_store is None:
        raise HabitsError("This server does not store photos.")
    return photo_store.save(challenge_id, evidence.photo)
