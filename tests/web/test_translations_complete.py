"""Every message the interface shows exists in Italian, English, French and Arabic.

A msgid of translations/messages.pot with an empty translation (or an empty plural form, or a fuzzy one) in
any catalogue fails here, and so does a string marked for translation in the code or the templates that is
missing from the .pot (someone forgot `make messages`). The failure lists the counts and the first msgids.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("it", "en", "fr", "ar")
#: The keywords `make messages` passes to pybabel extract, besides babel's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
SHOWN = 15


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def template_ids() -> set:
    return {message.id for message in read(TRANSLATIONS / "messages.pot") if message.id}


def untranslated(language: str) -> tuple[list, list]:
    """The .pot msgids without a complete translation in `language`, and the fuzzy ones."""
    catalogue = read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    missing, fuzzy = [], []
    for msgid in sorted(template_ids(), key=str):
        message = catalogue.get(msgid)
        if message is None:
            missing.append(msgid)
            continue
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not forms or not all(form and form.strip() for form in forms):
            missing.append(msgid)
        elif message.fuzzy:
            fuzzy.append(msgid)
    return missing, fuzzy


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    missing, fuzzy = untranslated(language)
    total = len(template_ids())
    shown = "\n".join(f"  {msgid!r}" for msgid in (missing + fuzzy)[:SHOWN])
    assert not missing + fuzzy, (
        f"{language}: {len(missing)} of {total} messages untranslated or empty, {len(fuzzy)} fuzzy "
        f"(first {SHOWN}):\n{shown}"
    )


def test_every_marked_string_is_in_the_template() -> None:
    """What `make messages` would extract today is all in messages.pot (cheap: no files are written)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    extracted = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if isinstance(message, tuple | list):
            message = tuple(part for part in message if part) if len(message) > 1 else message[0]
            message = message[0] if isinstance(message, tuple) and len(message) == 1 else message
        if message:
            extracted.add(message)
    missing = sorted(extracted - template_ids(), key=str)
    assert not missing, (
        f"{len(missing)} marked strings are not in messages.pot (run `make messages`): "
        + ", ".join(repr(m) for m in missing[:SHOWN])
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_keeps_the_placeholders_of_its_msgid(language: str) -> None:
    """The checks `pybabel compile` runs (the build stops on them): a translation's %(name)s placeholders
    match its msgid's, and a python-format msgid holds no stray "%" a formatter would misread."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    problems = [f"{message.id!r}: {error}" for message, errors in catalogue.check() for error in errors]
    assert not problems, f"{len(problems)} in {language}: " + "; ".join(problems[:SHOWN])
