"""Reading the source rows a refresh needs (purchases with lines, tickets with their events, claims, overrides).

One query per kind of row, whatever the number of customers: for a set of customers (incremental), or for
everyone in one pass over each table (full refresh, where a table scan beats a million index look-ups).
Rows come through the driver as plain tuples: at a million rows, SQLAlchemy's per-value result processing cost
more than the queries (SQLite dates and times are parsed here with the standard library's C parsers instead).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from helpdesk.auth.models import Agent
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.reports.facts import ClaimRow, LineRow, PurchaseRow, TicketRow
from helpdesk.reports.models import TierOverride
from helpdesk.reports.store import raw_rows
from helpdesk.sales.models import PaymentStatus, Product, Purchase, PurchaseLine
from helpdesk.history.models import Interaction, InteractionKind
from helpdesk.tickets.models import Tag, Ticket, TicketTag

P, L, PR = Purchase.__table__, PurchaseLine.__table__, Product.__table__
T, I, TT, TG = Ticket.__table__, Interaction.__table__, TicketTag.__table__, Tag.__table__
C, W, O, A = Customer.__table__, WarrantyClaim.__table__, TierOverride.__table__, Agent.__table__

# The ticket service writes "Status: solved → open" when a solved ticket reopens; imported threads carry the
# change as "solved → open" in the summary. Either marks one reopen.
_REOPENED = or_(I.c.summary.like("%solved → open%"), I.c.body.like("Status: solved → open%"))
IN_CHUNK = 5_000


@dataclass(frozen=True)
class Customers:
    """Which customers to read: explicit ids, or everyone (ids=None)."""

    ids: tuple[int, ...] | None = None

    def on(self, column):
        return true() if self.ids is None else column.in_(self.ids)

    def chunks(self) -> Iterator[Customers]:
        if self.ids is None or len(self.ids) <= IN_CHUNK:
            yield self
            return
        for start in range(0, len(self.ids), IN_CHUNK):
            yield Customers(ids=self.ids[start:start + IN_CHUNK])


EVERYONE = Customers()


@dataclass
class CustomerSource:
    purchases: list[PurchaseRow] = field(default_factory=list)
    tickets: list[TicketRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    override: tuple | None = None  # (tier, reason, agent name, set at)
    current_tier: str = "standard"


def _to_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _to_moment(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # stored as UTC, as SQLModel's UTCDateTime does
    return value


def rows(session: Session, statement, converters: dict[int, object] | None = None) -> list[tuple]:
    """The statement's rows as tuples straight from the driver; `converters` fix dates and times by position."""
    result = raw_rows(session, statement)
    if not converters:
        return result
    fixed = []
    for row in result:
        row = list(row)
        for index, convert in converters.items():
            row[index] = convert(row[index])
        fixed.append(tuple(row))
    return fixed


def _lines_for(session: Session, condition) -> dict[int, list[LineRow]]:
    # The catalogue is small: look products up in a dict rather than joining every line to it.
    products = {id_: (category, brand) for id_, category, brand in rows(session, select(PR.c.id, PR.c.category, PR.c.brand))}
    lines: dict[int, list[LineRow]] = defaultdict(list)
    statement = select(L.c.purchase_id, L.c.product_id, L.c.quantity, L.c.unit_price_paise).order_by(L.c.id)
    if condition is not None:
        statement = statement.join(P, P.c.id == L.c.purchase_id).where(condition)
    for purchase_id, product_id, quantity, price in rows(session, statement):
        category, brand = products[product_id]
        lines[purchase_id].append(LineRow(category, brand, quantity, price))
    return lines


def purchases_where(session: Session, condition) -> list[PurchaseRow]:
    """Purchases (with their lines) matching a condition on the purchase table (None: every purchase)."""
    lines = _lines_for(session, condition)
    statement = select(P.c.id, P.c.customer_id, P.c.purchased_on, P.c.store, P.c.channel, P.c.payment_status,
                       P.c.amount_due_paise).order_by(P.c.id)
    if condition is not None:
        statement = statement.where(condition)
    refunded = PaymentStatus.REFUNDED
    return [PurchaseRow(id_, customer_id, day, store, channel, status == refunded, due, lines.get(id_, []))
            for id_, customer_id, day, store, channel, status, due in rows(session, statement, {2: _to_date})]


def purchases_in_months(session: Session, months: Iterable[date]) -> list[PurchaseRow]:
    """Every purchase in the given months (for rebuilding those months' sales cells)."""
    ranges = [and_(P.c.purchased_on >= month, P.c.purchased_on < _next_month(month)) for month in sorted(set(months))]
    return purchases_where(session, or_(*ranges)) if ranges else []


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _tickets(session: Session, who: Customers) -> list[TicketRow]:
    tags: dict[int, list[str]] = defaultdict(list)
    tag_rows = select(TT.c.ticket_id, TG.c.name).join(TG, TG.c.id == TT.c.tag_id).order_by(TT.c.ticket_id, TG.c.name)
    if who.ids is not None:
        tag_rows = tag_rows.join(T, T.c.id == TT.c.ticket_id).where(who.on(T.c.customer_id))
    for ticket_id, name in rows(session, tag_rows):
        tags[ticket_id].append(name)
    first_reply = func.min(case((I.c.kind == InteractionKind.REPLY, I.c.created_at)))
    reopens = func.sum(case((and_(I.c.kind == InteractionKind.STATUS_CHANGE, _REOPENED), 1), else_=0))
    events = {ticket_id: (replied, count) for ticket_id, replied, count in rows(
        session, select(I.c.ticket_id, first_reply, reopens)
        .where(who.on(I.c.customer_id), I.c.ticket_id.is_not(None)).group_by(I.c.ticket_id), {1: _to_moment})}
    statement = select(T.c.id, T.c.customer_id, T.c.created_at, T.c.solved_at, T.c.status, T.c.priority, T.c.channel,
                       T.c.assignee_id, T.c.first_response_due, T.c.resolution_due, T.c.first_responded_at,
                       T.c.satisfaction_score).where(who.on(T.c.customer_id)).order_by(T.c.id)
    moments = {2: _to_moment, 3: _to_moment, 8: _to_moment, 9: _to_moment, 10: _to_moment}
    tickets = []
    for row in rows(session, statement, moments):
        replied, count = events.get(row[0], (None, 0))
        tickets.append(TicketRow(*row, first_reply_at=replied, reopens=int(count or 0),
                                 tags=",".join(tags.get(row[0], ()))))
    return tickets


def _claims(session: Session, who: Customers) -> list[ClaimRow]:
    statement = (select(W.c.id, W.c.customer_id, W.c.filed_at, W.c.updated_at, W.c.status, W.c.remedy,
                        W.c.fault_category, L.c.unit_price_paise, PR.c.category, PR.c.model_number)
                 .join(L, L.c.id == W.c.purchase_line_id).join(PR, PR.c.id == L.c.product_id)
                 .where(who.on(W.c.customer_id)).order_by(W.c.id))
    return [ClaimRow(*row) for row in rows(session, statement, {2: _to_moment, 3: _to_moment})]


def load(session: Session, who: Customers) -> dict[int, CustomerSource]:
    """Every customer in `who` (also those with no activity) with all of their source rows."""
    found: dict[int, CustomerSource] = {}
    for part in who.chunks():
        for customer_id, tier in rows(session, select(C.c.id, C.c.tier).where(part.on(C.c.id))):
            found[customer_id] = CustomerSource(current_tier=tier)
        condition = None if part.ids is None else part.on(P.c.customer_id)
        for purchase in purchases_where(session, condition):
            found[purchase.customer_id].purchases.append(purchase)
        for ticket in _tickets(session, part):
            found[ticket.customer_id].tickets.append(ticket)
        for claim in _claims(session, part):
            found[claim.customer_id].claims.append(claim)
        for customer_id, tier, reason, name, created_at in rows(session, (
            select(O.c.customer_id, O.c.tier, O.c.reason, A.c.name, O.c.created_at)
            .join(A, A.c.id == O.c.agent_id).where(part.on(O.c.customer_id))
        ), {4: _to_moment}):
            found[customer_id].override = (tier, reason, name, created_at)
    return found


def categories(session: Session) -> set[str]:
    """Every product category in the catalogue (each gets a churn threshold, even before any repeat purchase)."""
    return {category for (category,) in rows(session, select(PR.c.category).distinct())}
