"""Which language a customer's page is in: their cookie, else Hindi only when the browser prefers it to English."""

from __future__ import annotations

import pytest

from helpdesk.i18n.choice import page_language


@pytest.mark.parametrize(("header", "expected"), [
    ("hi-IN,hi;q=0.9,en;q=0.8", "hi"),
    ("en-IN,en;q=0.9,hi;q=0.8", "en"),
    ("en;q=0.5,hi;q=0.9", "hi"),
    ("mr-IN,hi;q=0.7", "hi"),
    ("hi;q=0,en", "en"),
    ("fr-FR", "en"),
    ("", "en"),
    ("*;q=bad,,;;", "en"),
    ("x" * 5000, "en"),
])
def test_the_browsers_preference_picks_hindi_only_when_it_comes_before_english(header, expected):
    assert page_language(None, header) == expected
    assert page_language("en", "hi") == "en" and page_language("hi", "en") == "hi"
    assert page_language("de", header) == expected  # a cookie we never set counts for nothing
