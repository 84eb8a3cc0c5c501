"""Which language a customer's page is in: their own choice (a cookie), else their browser's preference."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from helpdesk.i18n.catalogs import DEFAULT_LANGUAGE, LANGUAGES

# Browsers send a handful of tags; anything much longer is not a browser, and is not worth parsing.
ACCEPT_LANGUAGE_MAX = 500


def _by_preference(accept_language: str) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 means "not this one")."""
    weighted = []
    for position, part in enumerate(accept_language[:ACCEPT_LANGUAGE_MAX].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def from_browser(accept_language: str | None) -> str:
    """Hindi when the browser prefers it to English, else English."""
    preferred = _by_preference(accept_language or "")
    # Babel matches "hi-IN" to "hi" and "en-GB" to "en"; the first of our languages in the list wins.
    try:
        found = Locale.negotiate(preferred, list(LANGUAGES), sep="-")
    except (UnknownLocaleError, ValueError):
        return DEFAULT_LANGUAGE
    return found.language if found else DEFAULT_LANGUAGE


def page_language(chosen: str | None, accept_language: str | None) -> str:
    """The customer's remembered choice when it is one of ours, else what their browser asks for."""
    if chosen in LANGUAGES:
        return chosen
    return from_browser(accept_language)
