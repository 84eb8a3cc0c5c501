"""Values as people read them: "in review", not "in_review"; "an open ticket", not "a open ticket"."""

from __future__ import annotations


def human(value: object) -> str:
    """A stored value (an enum's value) in words: in_review → in review."""
    return str(value or "").replace("_", " ")


def as_adjective(value: object) -> str:
    """A status in front of a noun: in_review → in-review."""
    return human(value).replace(" ", "-")


def with_article(phrase: str) -> str:
    """The phrase with "a" or "an" by how it sounds (vowel letters are close enough for our status words)."""
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def a_status(value: object, noun: str) -> str:
    """'An in-review claim', 'A new ticket': a sentence's opening words about something in a status."""
    text = with_article(f"{as_adjective(value)} {noun}")
    return text[:1].upper() + text[1:]


def options(values) -> str:
    """Statuses one may move to, in words: 'approved, rejected'; 'nothing' when there are none."""
    return ", ".join(human(value) for value in values)
