"""Sales rules: warranty dates and status."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def warranty_last_day(purchased_on: date, warranty_months: int) -> date:
    """The last day the warranty covers: the day before the same date `warranty_months` later."""
    return add_months(purchased_on, warranty_months) - timedelta(days=1)


@dataclass(frozen=True)
class WarrantyStatus:
    """Whether a purchased item is still covered, and until / since when."""

    in_warranty: bool
    last_day: date

    @property
    def expired_on(self) -> date:
        return self.last_day + timedelta(days=1)

    @property
    def label(self) -> str:
        if self.in_warranty:
            return f"In warranty until {self.last_day:%d %b %Y}"
        return f"Expired on {self.expired_on:%d %b %Y}"


def warranty_status(purchased_on: date, warranty_months: int, *, on: date) -> WarrantyStatus:
    """Warranty status of an item bought on `purchased_on`, as of the date `on`."""
    last_day = warranty_last_day(purchased_on, warranty_months)
    return WarrantyStatus(in_warranty=on <= last_day, last_day=last_day)
