"""Text written in English by a service that a customer's page can still show in Hindi."""

from __future__ import annotations

from datetime import date
from typing import Any, Self

# How a date reads inside an English sentence (the agents' pages use the same form: 23 Nov 2026).
ENGLISH_DATE = "%d %b %Y"


def _english(value: Any) -> Any:
    return value.strftime(ENGLISH_DATE) if isinstance(value, date) else value


class Translatable(str):
    """The English sentence, keeping its message id and values so it can be translated when a page is rendered.

    It is a str, so the agents' pages, the JSON API and the logs use the English text as before; only the
    customer-facing templates look past it (the `tr` filter). Values go in with `{name}` placeholders (str.format),
    and may be dates (written in the page's language) or other Translatables (translated too).
    """

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Self:
        english = msgid.format(**{name: _english(value) for name, value in values.items()}) if values else msgid
        text = super().__new__(cls, english)
        text.msgid = msgid
        text.values = values
        return text

    def __reduce__(self):
        # Keep the message id across pickling (exceptions cross threads and processes with their arguments).
        return _rebuild, (self.msgid, self.values)


def _rebuild(msgid: str, values: dict[str, Any]) -> Translatable:
    return Translatable(msgid, **values)


def N_(text: str) -> str:  # the gettext convention's name for "extract this, translate it later"
    """Mark fixed words (statuses, fault categories) for the catalogue; they stay plain English here.

    A customer's page shows them through the `tr` filter, which looks the English words up in its catalogue.
    """
    return text
