"""Report periods from what a URL says: day ranges, month ranges, a month or a year, with their comparisons.

Bad input never fails a page: an unreadable date, an impossible range or a span too long is replaced by a
sensible period and a note that says what happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

EARLIEST = date(2000, 1, 1)
MAX_DAYS = 3 * 366  # a day-by-day report over more than three years is not a page anyone reads
MAX_MONTHS = 120
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")


def add_months(month: date, count: int) -> date:
    """The first of the month `count` months after `month` (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from first to last, inclusive (both firsts of months)."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _parse_day(text: str | None) -> date | None:
    if not text or not _DAY.match(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _parse_month(text: str | None) -> date | None:
    if not text or not _MONTH.match(text.strip()):
        return None
    year, month = (int(part) for part in text.strip().split("-"))
    return date(year, month, 1) if 1 <= month <= 12 and year >= 1 else None


@dataclass
class DayRange:
    first: date
    last: date
    notes: list[str] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> DayRange:
        return DayRange(self.first - timedelta(days=self.days), self.first - timedelta(days=1))


def day_range(from_text: str | None, to_text: str | None, *, today: date, default_days: int = 30) -> DayRange:
    """A range of days; by default the `default_days` days ending today."""
    notes = []
    last = _parse_day(to_text)
    first = _parse_day(from_text)
    if to_text and last is None:
        notes.append(f"“{to_text[:20]}” is not a date (YYYY-MM-DD); showing up to {today:%d %b %Y}.")
    if from_text and first is None:
        notes.append(f"“{from_text[:20]}” is not a date (YYYY-MM-DD); showing {default_days} days.")
    last = last or today
    first = first or last - timedelta(days=default_days - 1)
    if first > last:
        first, last = last, first
        notes.append("The start was after the end; they have been swapped.")
    if first < EARLIEST or last > today + timedelta(days=366):
        first, last = max(first, EARLIEST), min(last, today + timedelta(days=366))
        notes.append("Dates outside 2000 to next year are not reported; the period was cut to fit.")
        if first > last:
            first, last = today - timedelta(days=default_days - 1), today
    if (last - first).days + 1 > MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
        notes.append(f"At most {MAX_DAYS:,} days at a time: showing the last {MAX_DAYS:,} days of the range.")
    return DayRange(first, last, notes)


@dataclass
class MonthRange:
    first: date  # first of the first month
    last: date  # first of the last month
    notes: list[str] = field(default_factory=list)

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)

    @property
    def count(self) -> int:
        return len(self.months)

    def previous(self) -> MonthRange:
        """The same number of months just before."""
        return MonthRange(add_months(self.first, -self.count), add_months(self.first, -1))

    def year_before(self) -> MonthRange:
        return MonthRange(add_months(self.first, -12), add_months(self.last, -12))

    def label(self) -> str:
        if self.first == self.last:
            return self.first.strftime("%b %Y")
        return f"{self.first:%b %Y} – {self.last:%b %Y}"


def month_range(from_text: str | None, to_text: str | None, *, today: date) -> MonthRange:
    """A range of whole months; by default this year up to this month."""
    notes = []
    this_month = today.replace(day=1)
    last, first = _parse_month(to_text), _parse_month(from_text)
    if to_text and last is None:
        notes.append(f"“{to_text[:20]}” is not a month (YYYY-MM); showing up to {this_month:%b %Y}.")
    if from_text and first is None:
        notes.append(f"“{from_text[:20]}” is not a month (YYYY-MM); showing from January.")
    last = last or this_month
    first = first or last.replace(month=1)
    if first > last:
        first, last = last, first
        notes.append("The start was after the end; they have been swapped.")
    latest = add_months(this_month, 12)
    if first < EARLIEST or last > latest:
        first, last = max(first, EARLIEST), min(last, latest)
        notes.append("Months outside 2000 to next year are not reported; the period was cut to fit.")
        if first > last:
            first, last = this_month.replace(month=1), this_month
    if len(months_between(first, last)) > MAX_MONTHS:
        first = add_months(last, -(MAX_MONTHS - 1))
        notes.append(f"At most {MAX_MONTHS} months at a time: showing the last {MAX_MONTHS}.")
    return MonthRange(first, last, notes)


def one_month(text: str | None, *, today: date) -> tuple[date | None, str | None]:
    """A month from YYYY-MM, or (None, why not)."""
    month = _parse_month(text)
    if month is None:
        return None, f"“{(text or '')[:20]}” is not a month: use YYYY-MM, e.g. {today:%Y-%m}."
    if month < EARLIEST or month > add_months(today.replace(day=1), 12):
        return None, "There is no report for that month."
    return month, None


def one_year(text: str | None, *, today: date) -> tuple[int | None, str | None]:
    """A year from YYYY, or (None, why not)."""
    if not text or not _YEAR.match(text.strip()):
        return None, f"“{(text or '')[:20]}” is not a year: use YYYY, e.g. {today.year}."
    year = int(text)
    if year < EARLIEST.year or year > today.year + 1:
        return None, "There is no report for that year."
    return year, None


def period_of_year_or_month(text: str | None, *, today: date) -> tuple[str, date, list[str]]:
    """('year' or 'month', its first day, notes) for the retention page's period; by default this year."""
    if text and _YEAR.match(text.strip()):
        year, problem = one_year(text, today=today)
        if year is not None:
            return "year", date(year, 1, 1), []
        return "year", date(today.year, 1, 1), [problem]
    if text and _MONTH.match(text.strip()):
        month, problem = one_month(text, today=today)
        if month is not None:
            return "month", month, []
        return "year", date(today.year, 1, 1), [problem]
    notes = [f"“{text[:20]}” is neither a year (YYYY) nor a month (YYYY-MM); showing {today.year}."] if text else []
    return "year", date(today.year, 1, 1), notes
