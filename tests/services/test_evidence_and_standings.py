"""Small rules with many cases: photo sniffing, code words, streaks."""

from __future__ import annotations

import pytest

from habits.domain.streaks import current_streak
from habits.services.codewords import WORDS, code_word, note_has_word
from habits.services.errors import InvalidInput
from habits.services.photos import PhotoStore, accept_photo, sniff
from tests import images


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"GIF89a", None),
        (b"\x89PNG\r\n", None),
        (b"<html><script>", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_photo_type_comes_from_magic_bytes_only(data, expected):
    assert sniff(data) == expected


def test_photo_size_limit_is_inclusive():
    data = images.jpeg()
    assert accept_photo(data, max_bytes=len(data)).content_type == "image/jpeg"
    with pytest.raises(InvalidInput) as refused:
        accept_photo(data, max_bytes=len(data) - 1)
    assert "photo" in refused.value.errors


def test_photo_store_never_leaves_its_folder(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    photo = accept_photo(images.png(), max_bytes=1000)
    saved = store.save(7, photo)
    assert store.path(saved).read_bytes() == photo.data
    for evil in ("../secret_key", "7/../../secret_key", "/etc/passwd"):
        with pytest.raises(ValueError):
            store.path(evil)


def test_code_words_are_fixed_per_day_and_secret():
    words = [code_word("secret-a", k) for k in range(30)]
    assert words == [code_word("secret-a", k) for k in range(30)]
    assert words != [code_word("secret-b", k) for k in range(30)]
    assert set(words) <= set(WORDS) and len(set(words)) > 10
    assert len(WORDS) == len(set(WORDS)) == 256


@pytest.mark.parametrize(
    ("note", "expected"),
    [("sunrise", True), ("Up! SUNRISE, 5:30", True), ("sun rise", False), ("sunrises", False), (None, False)],
)
def test_code_word_must_stand_as_a_word(note, expected):
    assert note_has_word(note, "sunrise") is expected


@pytest.mark.parametrize(
    ("days", "last", "is_open", "streak"),
    [
        ({0, 1, 2}, 2, False, 3),
        ({0, 1, 2}, 3, True, 3),  # today open, not yet checked in: the streak holds
        ({0, 1, 2}, 3, False, 0),  # today closed without a check-in: broken
        ({0, 2, 3}, 3, True, 2),
        (set(), 0, True, 0),
        ({0}, -1, False, 0),  # before day 0
    ],
)
def test_current_streak(days, last, is_open, streak):
    assert current_streak(days, last_opened=last, last_is_open=is_open) == streak
