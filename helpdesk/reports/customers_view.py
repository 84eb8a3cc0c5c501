"""Customer lists: the most valuable customers (by 12-month value, with their tier and why) and the customers of
an RFM segment. One query for the page's rows, one for their names in the personal store, one for the count."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk import ids, phones
from helpdesk.customers.models import Customer
from helpdesk.privacy import store as personal
from helpdesk.reports.models import StatsCustomer, StatsGroup, StatsState
from helpdesk.reports.rules import SEGMENT_LABELS, TIERS
from helpdesk.reports.tables import Column, ReportTable

PAGE_SIZE = 50
EXPORT_BATCH = 1_000
SC, CU = StatsCustomer.__table__, Customer.__table__

LIST_COLUMNS = [
    Column("rank", "#", "int"), Column("customer", "Customer ID", "link"), Column("name", "Name"),
    Column("tier", "Tier", "text", "tier_rule"), Column("value_12m", "12-month value", "money", "value_12m"),
    Column("net_12m", "Net spend, 12 months", "money", "revenue"), Column("orders_12m", "Orders, 12 months", "int"),
    Column("tickets_12m", "Tickets, 12 months", "int"), Column("outstanding", "Outstanding", "money", "late_payment"),
    Column("late", "Late payments", "int", "late_payment"), Column("segment", "Segment", "text", "segments"),
    Column("why", "Why this tier", "text", "tier_rule"),
]
_COLUMNS = (CU.c.code, SC.c.tier, SC.c.value_12m_paise, SC.c.net_12m_paise, SC.c.orders_12m, SC.c.tickets_12m,
            SC.c.outstanding_paise, SC.c.late_payments, SC.c.segment, SC.c.tier_reason)


@dataclass
class CustomerList:
    table: ReportTable
    page: int
    pages: int
    total: int


def _statement(*, tier: str | None = None, segment: str | None = None):
    statement = select(*_COLUMNS).join(CU, CU.c.id == SC.c.customer_id)
    if segment:
        statement = statement.where(SC.c.segment == segment)
    else:
        statement = statement.where(SC.c.value_12m_paise > 0)
    if tier:
        statement = statement.where(SC.c.tier == tier)
    # Ranked by the value index; the customer id settles ties so pages never overlap.
    return statement.order_by(SC.c.value_12m_paise.desc(), SC.c.customer_id.desc())


def _count(session: Session, *, tier: str | None, segment: str | None) -> int:
    statement = select(func.count()).select_from(SC)
    statement = statement.where(SC.c.segment == segment) if segment else statement.where(SC.c.value_12m_paise > 0)
    if tier:
        statement = statement.where(SC.c.tier == tier)
    return session.execute(statement).scalar_one()


def _names(session: Session, codes: list[str]) -> dict[str, tuple[str | None, str | None, str | None]]:
    # Through the personal store, which decrypts (one query for the batch).
    return {code: (details.full_name, details.phone, details.email)
            for code, details in personal.read_many(session, codes).items()}


def _row(rank: int, row, person, *, masked: bool) -> tuple:
    code, tier, value, net, orders, tickets, outstanding, late, segment, why = row
    name = person[0] if person else None
    if masked:
        name = mask_name(name)
    return (rank, ids.format_grouped(code), name, tier, value, net, orders, tickets, outstanding, late,
            SEGMENT_LABELS.get(segment, "—") if segment else "—", why)


def mask_name(name: str | None) -> str | None:
    """Initials only: "Asha Verma" -> "A••• V•••"."""
    if not name:
        return name
    return " ".join(word[0] + "•••" for word in name.split() if word)


def customer_list(session: Session, *, page: int = 1, tier: str | None = None, segment: str | None = None,
                  title: str) -> CustomerList:
    """One page of the ranked list (optionally one tier's, or one segment's)."""
    total = _count(session, tier=tier, segment=segment)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.execute(_statement(tier=tier, segment=segment).limit(PAGE_SIZE)
                           .offset((page - 1) * PAGE_SIZE)).all()
    names = _names(session, [row[0] for row in rows])
    offset = (page - 1) * PAGE_SIZE
    table_rows = [_row(offset + index + 1, row, names.get(row[0]), masked=False) for index, row in enumerate(rows)]
    links = {index: f"/customers/{row[0]}" for index, row in enumerate(rows)}
    table = ReportTable("customers", title, LIST_COLUMNS, table_rows, definition="value_12m", links=links,
                        empty="No customers here yet.")
    return CustomerList(table, page, pages, total)


EXPORT_COLUMNS = [*LIST_COLUMNS[:3], Column("phone", "Phone"), Column("email", "E-mail"), *LIST_COLUMNS[3:]]


def export_rows(session: Session, *, tier: str | None = None, segment: str | None = None,
                reveal: bool = False) -> Iterator[tuple]:
    """Every customer of the list, in batches (bounded memory): personal data masked unless `reveal`."""
    rank = 0
    result = session.execute(_statement(tier=tier, segment=segment).execution_options(yield_per=EXPORT_BATCH))
    for batch in result.partitions(EXPORT_BATCH):
        names = _names(session, [row[0] for row in batch])
        for row in batch:
            rank += 1
            person = names.get(row[0])
            base = _row(rank, row, person, masked=not reveal)
            phone, email = (person[1], person[2]) if person else (None, None)
            if not reveal:
                phone, email = phones.mask(phone) or None, phones.mask_email(email) or None
            yield (*base[:3], phone, email, *base[3:])


@dataclass
class TierOverview:
    as_of: object
    cutoffs: list[tuple[str, float, int | None, int]]  # tier, top %, cut-off value, customers in the tier


def tier_overview(session: Session, top_percent: tuple[float, float, float]) -> TierOverview:
    """The cut-offs of the last refresh and how many customers each tier holds."""
    state = session.get(StatsState, 1)
    counts = dict(session.execute(select(StatsGroup.key, StatsGroup.customers).where(StatsGroup.kind == "tier")).all())
    cutoffs = [state.cutoff_platinum, state.cutoff_gold, state.cutoff_silver] if state else [None] * 3
    rows = [(tier, percent, cutoff, counts.get(tier, 0))
            for tier, percent, cutoff in zip(TIERS, (*top_percent, 100.0), (*cutoffs, None))]
    return TierOverview(state.as_of if state else None, rows)
