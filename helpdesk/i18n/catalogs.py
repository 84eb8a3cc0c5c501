"""The message catalogues: compiled from the .po files when missing or out of date, loaded once per language."""

from __future__ import annotations

import gettext
import logging
import os
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from helpdesk.i18n.text import ENGLISH_DATE, Translatable
from helpdesk.timeutil import to_shop_time

log = logging.getLogger("helpdesk.i18n")

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
# The pages are written in English; Hindi comes from its catalogue. The first is the default.
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "hi")
# Each language named in itself, for the switch.
LANGUAGE_NAMES = {"en": "English", "hi": "हिन्दी"}
# A date in a sentence: "23 Nov 2026" / "23 नव॰ 2026" (CLDR month names from Babel).
DATE_PATTERN = "d MMM y"


def compiled(po_path: Path) -> bytes:
    """The .mo bytes for a .po file (fuzzy entries left out, as pybabel compile does)."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=po_path.parent.parent.name, domain=DOMAIN)
    out = BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> dict[str, bytes]:
    """Compile every catalogue whose .mo is missing or differs from its .po; returns each language's .mo bytes.

    Compared by content, not by file times: a fresh clone gives every file the same time. On a read-only install
    the compiled catalogue is used from memory and the log says so.
    """
    catalogues = {}
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        data = compiled(po_path)
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.read_bytes() != data:
            try:
                # Written beside it and renamed: several workers starting at once never leave half a file.
                partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
                partial.write_bytes(data)
                os.replace(partial, mo_path)
                log.info("compiled the message catalogue %s", mo_path)
            except OSError as exc:
                log.warning("cannot write %s (%s): using the catalogue compiled in memory", mo_path, exc)
        catalogues[po_path.parent.parent.name] = data
    return catalogues


@cache
def _all_translations() -> dict[str, gettext.NullTranslations]:
    loaded: dict[str, gettext.NullTranslations] = {DEFAULT_LANGUAGE: gettext.NullTranslations()}
    for language, data in compile_catalogs().items():
        loaded[language] = Translations(BytesIO(data), domain=DOMAIN)
    return loaded


def translations(language: str | None) -> gettext.NullTranslations:
    """The catalogue for a language (English, the source text, for anything else)."""
    return _all_translations().get(language or DEFAULT_LANGUAGE) or _all_translations()[DEFAULT_LANGUAGE]


def format_date(value: date | datetime, language: str | None) -> str:
    """A date in a sentence, in the page's language (datetimes in shop time)."""
    if isinstance(value, datetime):
        value = to_shop_time(value).date()
    if (language or DEFAULT_LANGUAGE) == DEFAULT_LANGUAGE:
        return value.strftime(ENGLISH_DATE)
    return babel_format_date(value, DATE_PATTERN, locale=language)


def translate(text: Any, language: str | None) -> str:
    """Text from a service in the page's language: a Translatable by its message id, plain text by itself."""
    if text is None or text == "":
        return ""
    catalogue = translations(language)
    if isinstance(text, Translatable):
        values = {name: _localized(value, language) for name, value in text.values.items()}
        return catalogue.gettext(text.msgid).format(**values) if values else catalogue.gettext(text.msgid)
    return catalogue.gettext(str(text))


def _localized(value: Any, language: str | None) -> Any:
    if isinstance(value, Translatable):
        return translate(value, language)
    if isinstance(value, date):
        return format_date(value, language)
    return value
