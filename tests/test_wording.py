"""Values in words, with the right article (issue 13: "A in_review claim", "A open ticket")."""

from __future__ import annotations

import pytest

from helpdesk import wording


@pytest.mark.parametrize(("value", "noun", "expected"), [
    ("in_review", "claim", "An in-review claim"), ("open", "ticket", "An open ticket"),
    ("new", "ticket", "A new ticket"), ("approved", "claim", "An approved claim"),
    ("submitted", "claim", "A submitted claim"), ("in_repair", "claim", "An in-repair claim"),
])
def test_a_status_opens_a_sentence(value, noun, expected):
    assert wording.a_status(value, noun) == expected


def test_options_are_in_words():
    assert wording.options(["in_repair", "replaced"]) == "in repair, replaced"
    assert wording.options([]) == ""
