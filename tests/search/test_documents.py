"""What gets indexed for each kind of document."""

from __future__ import annotations

import pytest

from helpdesk.search.documents import event_text


@pytest.mark.parametrize(
    ("kind", "summary", "body", "expected"),
    [
        ("status_change", "open → solved", "Status changed from open to solved: customer confirmed on call",
         (None, "customer confirmed on call")),
        ("status_change", None, "Status changed from new to open.", (None, "")),
        ("status_change", None, "Status: open → solved", (None, "")),
        ("event", None, "Priority: normal → high", (None, "")),
        ("event", None, "Assignee: Priya Sharma → nobody", (None, "")),
        ("event", None, "Satisfaction 4/5: thik hai", (None, "Satisfaction 4/5: thik hai")),
        ("note", "Status changed", "Status changed from open to solved: typed by hand", ("Status changed",
                                                                                         "Status changed from open to solved: typed by hand")),
    ],
)
def test_ticket_events_are_indexed_without_their_machine_written_prefix(kind, summary, body, expected):
    assert event_text(kind, summary, body) == expected
