"""Invite codes are generated: long, random, from an alphabet without look-alikes."""

from __future__ import annotations

import importlib.util
import os

from habits.domain import invite_codes

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "migrations")


def test_codes_are_at_least_eight_symbols_of_the_alphabet_and_differ():
    codes = {invite_codes.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) >= 8 and set(code) <= set(invite_codes.ALPHABET)


def test_the_alphabet_has_no_look_alikes():
    assert not set("0O1IL") & set(invite_codes.ALPHABET)
    assert len(set(invite_codes.ALPHABET)) == len(invite_codes.ALPHABET)


def test_a_code_is_read_back_whatever_its_case_spaces_and_dashes():
    code = "ABCDE23456"
    assert invite_codes.display(code) == "ABCDE-23456"
    assert invite_codes.matches(code, " abcde-23456 ")
    assert not invite_codes.matches(code, "ABCDE2345")
    assert not invite_codes.matches(code, None)
    assert invite_codes.matches(None, None)  # no code: anyone may join


def test_migration_0006_generates_codes_as_the_domain_does():
    """0006 carries a frozen copy of the alphabet and the length (it imports no app code)."""
    spec = importlib.util.spec_from_file_location(
        "rev0006", os.path.join(MIGRATIONS, "versions", "0006_generated_invite_codes.py")
    )
    rev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rev)
    assert (rev.ALPHABET, rev.LENGTH) == (invite_codes.ALPHABET, invite_codes.LENGTH)
    assert set(rev.new_code()) <= set(invite_codes.ALPHABET)
