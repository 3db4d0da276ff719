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


def _extracted() -> list:
    """Every message of the pages and mails: a msgid, or (singular, plural) for ngettext."""
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    return [
        message
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords, directory_filter=_not_hidden
        )
    ]


def _not_hidden(path: str) -> bool:
    # Babel's default filter also skips folders named "_...": templates/_macros/ went unchecked
    return not Path(path).name.startswith(".")


def test_every_string_in_the_pages_is_in_the_catalog():
    found = {_key(message) for message in _extracted()}
    known = {_key(message.id) for message in _catalog() if message.id}
    assert sorted(found - known) == []


def test_every_plural_has_each_form_chinese_needs():
    """An ngettext msgid kept in the catalog as a singular entry (or with a missing form) is never
    found by ngettext: the page falls back to English ("22 pages.")."""
    catalog = _catalog()
    problems = []
    for message in _extracted():
        if isinstance(message, str):
            continue
        entry = catalog.get(message[0])
        if entry is None:
            continue  # test_every_string_in_the_pages_is_in_the_catalog says so
        strings = list(entry.string) if entry.pluralizable else []
        if not entry.pluralizable or len(strings) != catalog.num_plurals or not all(strings):
            problems.append(message[0])
        elif _key(entry.id) != message[0] or entry.id[1] != message[1]:
            problems.append(f"{message[0]} (the plural differs: {entry.id[1]!r})")
    assert problems == []


#: CJK ideographs and CJK/fullwidth punctuation; a placeholder (or a URL) counts as Chinese text
#: around it, since it stands in the sentence
CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\x01]"
HALF_WIDTH_BY_CJK = re.compile(rf"{CJK}\s*[,.:;?!()]|[,.:;?!()]\s*{CJK}")
#: a Markdown link written out for the reader to copy ([text](https://…)) keeps its ASCII
SET_ASIDE = re.compile(r"%\(\w+\)[sd]|\[[^\]]*\]\([^)]*\)|https?://\S+")


def test_chinese_uses_fullwidth_punctuation():
    """No ASCII , . : ; ? ! ( ) next to Chinese text in a translation (，。：；？！（）instead);
    "e.g. 06:30", "HH:MM" and decimals between Latin letters or digits are left alone."""
    problems = []
    for message in _catalog():
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in strings:
            match = HALF_WIDTH_BY_CJK.search(SET_ASIDE.sub("\x01", text))
            if match:
                problems.append(f"{text!r} at {match.group(0).replace(chr(1), '%(…)s')!r}")
    assert problems == []


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
