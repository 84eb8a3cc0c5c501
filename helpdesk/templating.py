"""Jinja filters and globals: Indian money format, shop-time dates, grouped customer IDs."""

from __future__ import annotations

from datetime import date, datetime

from jinja2 import Environment

from helpdesk import ids
from helpdesk.timeutil import to_shop_time


def group_indian(digits: str) -> str:
    """1,23,45,678: the last three digits, then groups of two (lakh, crore)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ",".join([*groups, tail])


def format_inr(paise: int | None, *, with_paise: bool = True) -> str:
    """₹1,23,456.78 (or ₹1,23,456 without paise)."""
    if paise is None:
        return ""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    return f"{sign}₹{group_indian(str(rupees))}" + (f".{rest:02d}" if with_paise else "")


def format_date(value: date | datetime | None) -> str:
    """23 Nov 2026 (datetimes in shop time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_shop_time(value)
    return value.strftime("%d %b %Y")


def format_datetime(value: datetime | None) -> str:
    """23 Nov 2026, 14:05 in shop time."""
    if value is None:
        return ""
    return to_shop_time(value).strftime("%d %b %Y, %H:%M")


def iso(value: date | datetime | None) -> str:
    """ISO 8601 for machine-readable attributes."""
    return "" if value is None else value.isoformat()


def register(env: Environment) -> None:
    """Add our filters to the template environment."""
    env.filters.update(
        inr=format_inr,
        date=format_date,
        datetime=format_datetime,
        iso=iso,
        customer_id=ids.format_grouped,
        label=lambda value: str(value or "").replace("_", " ").capitalize(),
    )
