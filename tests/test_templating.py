"""Display formats: Indian money grouping and shop-time dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk.templating import format_datetime, format_inr


@pytest.mark.parametrize(
    ("paise", "shown"),
    [(0, "₹0.00"), (5, "₹0.05"), (99_900, "₹999.00"), (100_000, "₹1,000.00"), (12_345_678, "₹1,23,456.78"),
     (1_000_000_000, "₹1,00,00,000.00"), (-250_050, "-₹2,500.50")],
)
def test_indian_grouping(paise, shown):
    assert format_inr(paise) == shown


def test_times_are_shown_in_india():
    assert format_datetime(datetime(2026, 11, 23, 20, 0, tzinfo=UTC)) == "24 Nov 2026, 01:30"
