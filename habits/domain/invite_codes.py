"""Invite codes: generated, never chosen, long enough that guessing one is hopeless.

A code is ``LENGTH`` characters drawn with ``secrets`` from ``ALPHABET``: upper-case letters and
digits without the look-alikes (0/O, 1/I/L), so a code read aloud or copied from a photo is
typed right. 31 symbols to the 10th power is about 8 * 10^14 codes; with failed joins limited
per member and per address (RATELIMIT_JOIN_FAILURES), a guesser gets nowhere.

A code is shown in groups (``ABCDE-FGHJK``) and read back forgivingly: case, spaces and dashes
do not matter (``normalize``).

Migration 0006 carries a frozen copy of ``ALPHABET`` and ``LENGTH`` (a migration imports no
application code); tests/domain/test_invite_codes.py holds that the copy is this.
"""

from __future__ import annotations

import hmac
import secrets

#: no 0, O, 1, I or L: each symbol reads as only itself
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
#: shown as two groups of five
GROUP = 5


def new_code() -> str:
    """A fresh random code, ``LENGTH`` symbols of ``ALPHABET``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """``ABCDEFGHJK`` as ``ABCDE-FGHJK``, easier to read out and to type."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalize(typed: str | None) -> str:
    """What a member typed, as a code: upper case, without spaces and dashes."""
    return "".join(ch for ch in (typed or "").upper() if ch not in " -\t")


def matches(code: str | None, typed: str | None) -> bool:
    """True when ``typed`` is ``code`` (in constant time: the comparison leaks nothing)."""
    if not code:
        return True
    return hmac.compare_digest(normalize(typed).encode(), normalize(code).encode())
