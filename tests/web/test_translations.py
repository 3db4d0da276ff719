"""Every page string has its Simplified Chinese translation, with the same placeholders, and the
committed .mo says what the .po says."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog():
    with PO.open("rb") as file:
        return read_po(file, locale="zh_Hans")


def _key(message_id):
    return message_id if isinstance(message_id, str) else message_id[0]


def test_every_string_in_the_pages_is_in_the_catalog():
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = {
        _key(message)
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }
    known = {_key(message.id) for message in _catalog() if message.id}
    assert sorted(found - known) == []


def test_every_entry_is_translated_with_the_same_placeholders():
    problems = []
    for message in _catalog():
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings) or message.fuzzy:
            problems.append(("untranslated", ids[0]))
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1])) - {"num"}
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - {"num"} != wanted:
                problems.append(("placeholders", ids[0]))
    assert problems == []


def test_the_compiled_catalog_matches_its_source():
    def strings(message):
        return [message.string] if isinstance(message.string, str) else list(message.string)

    with PO.with_suffix(".mo").open("rb") as file:
        compiled = {_key(m.id): strings(m) for m in read_mo(file) if m.id}
    source = {_key(m.id): strings(m) for m in _catalog() if m.id}
    assert compiled == source, "run: pybabel compile -d translations"
