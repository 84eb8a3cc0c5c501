"""Time: stored as UTC (aware datetimes; SQLModel enforces it), shown in the shop's time zone (India)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

SHOP_TZ = timezone(timedelta(hours=5, minutes=30), "IST")


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def to_shop_time(value: datetime) -> datetime:
    """A stored datetime in the shop's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHOP_TZ)


def shop_today() -> date:
    """Today's date where the shop is, which decides warranty status."""
    return datetime.now(SHOP_TZ).date()
