"""Shared pieces of a demo load: the clock, primary-key counters, row buffers and facts about purchase lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from helpdesk.demo.fixtures import CatalogueItem

DAY = 86_400
TABLES = ("customer", "purchase", "purchase_line", "loyalty_entry", "ticket", "ticket_tag", "interaction", "warranty_claim")


def in_shop_hours(moment: int, horizon_s: int) -> int:
    """Agents work 9:00-21:00 shop time: move a moment outside those hours to the next opening, before the horizon."""
    second = moment % DAY
    if 9 * 3600 <= second < 21 * 3600:
        snapped = moment
    else:
        opening = moment - second + (DAY if second >= 21 * 3600 else 0) + 9 * 3600
        snapped = opening + second % 1800
    return min(snapped if snapped < horizon_s else moment, horizon_s - 1)


@dataclass
class IdCounters:
    """Next primary key per table, continuing after what the database already holds."""

    customer: int = 1
    purchase: int = 1
    purchase_line: int = 1
    ticket: int = 1
    interaction: int = 1
    warranty_claim: int = 1
    # Human-facing numbers: T-000123 runs on across years, W-2026-000123 starts again each year.
    ticket_number: int = 1
    claim_numbers: dict[int, int] = field(default_factory=dict)  # the last number used, per year


@dataclass(frozen=True, slots=True)
class StockedProduct:
    id: int
    item: CatalogueItem
    serial_prefix: str


@dataclass(slots=True)
class LineFacts:
    """What a ticket or claim about one purchase line needs to know."""

    line_id: int
    product: StockedProduct
    day: int
    order_number: str
    serial: str
    store: str
    warranty_end_day: int
    price_paise: int


@dataclass
class Clock:
    """Days and seconds counted from midnight (shop time) at the start of the history window."""

    start: date
    start_utc: datetime
    horizon_day: int

    def at(self, seconds: int) -> datetime:
        return self.start_utc + timedelta(seconds=seconds)

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)

    def index(self, day: date) -> int:
        return (day - self.start).days


@dataclass
class Rows:
    """Rows waiting to be written, per table, in insertion (foreign-key) order."""

    tables: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in TABLES})
    personal: list[dict] = field(default_factory=list)
