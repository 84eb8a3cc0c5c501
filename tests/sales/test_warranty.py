"""Warranty dates: month arithmetic at month ends and leap years, and the status on boundary days."""

from __future__ import annotations

from datetime import date

import pytest

from helpdesk.sales.service import add_months, warranty_last_day, warranty_status


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [(date(2024, 1, 31), 1, date(2024, 2, 29)), (date(2023, 1, 31), 1, date(2023, 2, 28)),
     (date(2024, 2, 29), 12, date(2025, 2, 28)), (date(2024, 2, 29), 48, date(2028, 2, 29)),
     (date(2025, 8, 31), 1, date(2025, 9, 30)), (date(2025, 11, 15), 2, date(2026, 1, 15)),
     (date(2025, 3, 10), 0, date(2025, 3, 10))],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_last_day_is_the_day_before_the_anniversary():
    assert warranty_last_day(date(2024, 3, 10), 12) == date(2025, 3, 9)
    assert warranty_last_day(date(2024, 2, 29), 12) == date(2025, 2, 27)


def test_status_on_the_boundary_days():
    bought = date(2024, 3, 10)
    assert warranty_status(bought, 12, on=date(2025, 3, 9)).in_warranty
    ended = warranty_status(bought, 12, on=date(2025, 3, 10))
    assert not ended.in_warranty
    assert ended.label == "Expired on 10 Mar 2025"
    assert warranty_status(bought, 12, on=date(2024, 3, 10)).label == "In warranty until 09 Mar 2025"
