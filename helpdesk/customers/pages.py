"""The queries behind the customer page: prebuilt statements, one round trip each, none per row.

The page is opened while a caller waits, so its statements are built once at import and run with
bound parameters: SQLAlchemy then skips rebuilding and re-keying them on every request, which was
most of the page's cost.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import and_, bindparam, case, func, select, tuple_
from sqlmodel import Session, col

from helpdesk import ids, phones
from helpdesk.auth.models import Agent
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.customers.service import CustomerNotFound, InvalidCursor
from helpdesk.customers.single_view import (
    ClaimView,
    CustomerView,
    InteractionView,
    Page,
    Profile,
    PurchaseLineView,
    PurchaseView,
    TicketView,
)
from helpdesk.privacy.models import PersonalRecord
from helpdesk.reports.models import StatsCustomer, TierOverride
from helpdesk.sales.models import PaymentStatus, Product, Purchase, PurchaseLine
from helpdesk.sales.service import warranty_status
from helpdesk.tickets.models import OPEN_STATUSES, Interaction, Ticket

PURCHASES_PER_PAGE = 10
CLAIMS_PER_PAGE = 10
PAST_TICKETS_PER_PAGE = 10
OPEN_TICKETS_PER_PAGE = 10
TIMELINE_PER_PAGE = 20

_customer_id = bindparam("customer_id")
_limit = bindparam("limit")
_offset = bindparam("offset")


_HEADER = select(
    Customer.id,
    Customer.code,
    Customer.created_at,
    Customer.tier,
    Customer.loyalty_points,
    select(func.coalesce(func.sum(case((Purchase.payment_status != PaymentStatus.REFUNDED, Purchase.total_paise), else_=0)), 0))
    .where(Purchase.customer_id == Customer.id).scalar_subquery(),
    select(func.coalesce(func.sum(Purchase.amount_due_paise), 0)).where(Purchase.customer_id == Customer.id).scalar_subquery(),
    select(func.count(Purchase.id)).where(Purchase.customer_id == Customer.id).scalar_subquery(),
    select(func.avg(Ticket.satisfaction_score)).where(Ticket.customer_id == Customer.id).scalar_subquery(),
    select(func.count(Ticket.satisfaction_score)).where(Ticket.customer_id == Customer.id).scalar_subquery(),
    select(func.count(Ticket.id)).where(Ticket.customer_id == Customer.id, col(Ticket.status).in_(OPEN_STATUSES))
    .scalar_subquery(),
    # Why the customer has their tier (reports' tier rule, or a supervisor's override).
    select(StatsCustomer.tier_reason).where(StatsCustomer.customer_id == Customer.id).scalar_subquery(),
    select(StatsCustomer.derived_tier).where(StatsCustomer.customer_id == Customer.id).scalar_subquery(),
    select(TierOverride.summary).where(TierOverride.customer_id == Customer.id).scalar_subquery(),
).where(Customer.code == bindparam("code"))

_PERSONAL = select(PersonalRecord.full_name, PersonalRecord.phone, PersonalRecord.email, PersonalRecord.city).where(
    PersonalRecord.customer_code == bindparam("code")
)

_PURCHASES = (
    select(Purchase.id, Purchase.order_number, Purchase.purchased_on, Purchase.store, Purchase.channel,
           Purchase.payment_status, Purchase.total_paise, Purchase.amount_due_paise)
    .where(Purchase.customer_id == _customer_id)
    .order_by(col(Purchase.purchased_on).desc(), col(Purchase.id).desc())
    .limit(_limit).offset(_offset)
)

_LINES = (
    select(PurchaseLine.id, PurchaseLine.purchase_id, PurchaseLine.serial_number, PurchaseLine.quantity,
           PurchaseLine.unit_price_paise, Product.name, Product.category, Product.model_number, Product.warranty_months)
    .join(Product, col(Product.id) == PurchaseLine.product_id)
    .where(col(PurchaseLine.purchase_id).in_(bindparam("purchase_ids", expanding=True)))
    .order_by(col(PurchaseLine.id))
)

_CLAIMS = (
    select(WarrantyClaim.number, Product.name, Product.model_number, WarrantyClaim.status, WarrantyClaim.eligibility,
           WarrantyClaim.filed_at)
    .join(PurchaseLine, col(PurchaseLine.id) == WarrantyClaim.purchase_line_id)
    .join(Product, col(Product.id) == PurchaseLine.product_id)
    .where(WarrantyClaim.customer_id == _customer_id)
    .order_by(col(WarrantyClaim.filed_at).desc(), col(WarrantyClaim.id).desc())
    .limit(_limit).offset(_offset)
)

_TICKET_COLUMNS = (Ticket.number, Ticket.subject, Ticket.status, Ticket.priority, Ticket.channel, Ticket.updated_at)

_OPEN_TICKETS = (
    select(*_TICKET_COLUMNS)
    .where(Ticket.customer_id == _customer_id, col(Ticket.status).in_(OPEN_STATUSES))
    .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
    .limit(_limit).offset(_offset)
)

_OPEN_TICKET_COUNT = select(func.count(Ticket.id)).where(
    Ticket.customer_id == _customer_id, col(Ticket.status).in_(OPEN_STATUSES)
)

_PAST_TICKETS = (
    select(*_TICKET_COLUMNS)
    .where(Ticket.customer_id == _customer_id, col(Ticket.status).not_in(OPEN_STATUSES))
    .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
    .limit(_limit).offset(_offset)
)

_TIMELINE_BASE = (
    select(Interaction.id, Interaction.kind, Interaction.channel, Interaction.summary, Interaction.body,
           Interaction.outcome, Interaction.created_at, Agent.name, Ticket.number)
    .join(Agent, col(Agent.id) == Interaction.author_id, isouter=True)
    .join(Ticket, col(Ticket.id) == Interaction.ticket_id, isouter=True)
)
_TIMELINE_ORDER = (col(Interaction.created_at).desc(), col(Interaction.id).desc())
_TIMELINE_FIRST = (
    _TIMELINE_BASE.where(Interaction.customer_id == _customer_id).order_by(*_TIMELINE_ORDER).limit(TIMELINE_PER_PAGE + 1)
)
_TIMELINE_AFTER = (
    _TIMELINE_BASE.where(
        and_(Interaction.customer_id == _customer_id,
             tuple_(Interaction.created_at, Interaction.id) < tuple_(bindparam("before_at", type_=Interaction.__table__.c.created_at.type), bindparam("before_id")))
    )
    .order_by(*_TIMELINE_ORDER).limit(TIMELINE_PER_PAGE + 1)
)
_TIMELINE_ONE = _TIMELINE_BASE.where(Interaction.id == bindparam("interaction_id"))


# --- the whole page -------------------------------------------------------------------------------


def customer_view(session: Session, code: str, *, today: date) -> CustomerView:
    """Everything the customer page shows: eight queries whatever the history's length."""
    profile, customer_id = _profile(session, code)
    return CustomerView(
        profile=profile,
        purchases=purchases_page(session, customer_id, today=today),
        claims=claims_page(session, customer_id),
        open_tickets=open_tickets_page(session, customer_id, total=profile.open_ticket_count),
        past_tickets=past_tickets_page(session, customer_id),
        timeline=timeline_page(session, customer_id),
    )


def _profile(session: Session, code: str) -> tuple[Profile, int]:
    header = session.execute(_HEADER, {"code": code}).first()
    if header is None:
        raise CustomerNotFound(code)
    (customer_id, code, since, tier, points, spend, due, purchases, sat_avg, sat_count, open_count, tier_reason,
     tier_derived, tier_override) = header
    record = session.execute(_PERSONAL, {"code": code}).first()
    name, phone, email, city = record if record else (None, None, None, None)
    return Profile(
        customer_id=code,
        customer_id_grouped=ids.format_grouped(code),
        name=name,
        phone_masked=phones.mask(phone),
        email_masked=phones.mask_email(email),
        city=city,
        tier=tier,
        loyalty_points=points,
        customer_since=since,
        lifetime_spend_paise=int(spend),
        outstanding_paise=int(due),
        purchase_count=int(purchases),
        has_personal_record=record is not None,
        satisfaction_avg=float(sat_avg) if sat_avg is not None else None,
        satisfaction_count=int(sat_count),
        open_ticket_count=int(open_count),
        tier_reason=tier_reason or None,
        tier_derived=tier_derived,
        tier_override=tier_override,
    ), customer_id


# --- the page's lists -----------------------------------------------------------------------------


def _offset_cursor(offset: int, page_size: int, fetched: int) -> str | None:
    return str(offset + page_size) if fetched > page_size else None


def parse_offset(cursor: str | None) -> int:
    """An offset cursor from a 'show more' link."""
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 7:
        raise InvalidCursor(cursor)
    return int(cursor)


def purchases_page(session: Session, customer_id: int, *, today: date, cursor: str | None = None) -> Page[PurchaseView]:
    """Newest purchases first with their lines and warranty status: two queries per page."""
    offset = parse_offset(cursor)
    rows = session.execute(_PURCHASES, {"customer_id": customer_id, "limit": PURCHASES_PER_PAGE + 1, "offset": offset}).all()
    shown = rows[:PURCHASES_PER_PAGE]
    lines: dict[int, list[PurchaseLineView]] = defaultdict(list)
    if shown:
        bought_on = {row.id: row.purchased_on for row in shown}
        for line_id, purchase_id, serial, quantity, price, name, category, model, months in session.execute(
            _LINES, {"purchase_ids": list(bought_on)}
        ):
            status = warranty_status(bought_on[purchase_id], months, on=today)
            lines[purchase_id].append(PurchaseLineView(
                line_id=line_id, product_name=name, category=category, model_number=model, serial_number=serial,
                quantity=quantity, unit_price_paise=price, warranty_months=months, in_warranty=status.in_warranty,
                warranty_last_day=status.last_day, warranty_label=status.label,
            ))
    items = [
        PurchaseView(order_number=row.order_number, purchased_on=row.purchased_on, store=row.store, channel=row.channel,
                     payment_status=row.payment_status, total_paise=row.total_paise, amount_due_paise=row.amount_due_paise,
                     lines=lines[row.id])
        for row in shown
    ]
    return Page(items=items, next_cursor=_offset_cursor(offset, PURCHASES_PER_PAGE, len(rows)))


def claims_page(session: Session, customer_id: int, *, cursor: str | None = None) -> Page[ClaimView]:
    """Warranty claims, newest first, with the claimed product."""
    offset = parse_offset(cursor)
    rows = session.execute(_CLAIMS, {"customer_id": customer_id, "limit": CLAIMS_PER_PAGE + 1, "offset": offset}).all()
    items = [ClaimView(*row) for row in rows[:CLAIMS_PER_PAGE]]
    return Page(items=items, next_cursor=_offset_cursor(offset, CLAIMS_PER_PAGE, len(rows)))


def _ticket_view(row) -> TicketView:
    number, subject, status, priority, channel, updated_at = row
    return TicketView(number=number, subject=subject, status=status, priority=priority, channel=channel,
                      is_open=status in OPEN_STATUSES, last_activity=updated_at)


def open_tickets_page(
    session: Session, customer_id: int, *, cursor: str | None = None, total: int | None = None
) -> Page[TicketView]:
    """The customer's open tickets, most recent activity first, with their count."""
    offset = parse_offset(cursor)
    rows = session.execute(
        _OPEN_TICKETS, {"customer_id": customer_id, "limit": OPEN_TICKETS_PER_PAGE + 1, "offset": offset}
    ).all()
    if total is None:
        total = session.execute(_OPEN_TICKET_COUNT, {"customer_id": customer_id}).scalar_one()
    return Page(items=[_ticket_view(row) for row in rows[:OPEN_TICKETS_PER_PAGE]],
                next_cursor=_offset_cursor(offset, OPEN_TICKETS_PER_PAGE, len(rows)), total=total)


def past_tickets_page(session: Session, customer_id: int, *, cursor: str | None = None) -> Page[TicketView]:
    """Solved and closed tickets, most recent activity first."""
    offset = parse_offset(cursor)
    rows = session.execute(
        _PAST_TICKETS, {"customer_id": customer_id, "limit": PAST_TICKETS_PER_PAGE + 1, "offset": offset}
    ).all()
    return Page(items=[_ticket_view(row) for row in rows[:PAST_TICKETS_PER_PAGE]],
                next_cursor=_offset_cursor(offset, PAST_TICKETS_PER_PAGE, len(rows)))


def _encode_time_cursor(created_at: datetime, row_id: int) -> str:
    micros = int(created_at.replace(tzinfo=created_at.tzinfo or UTC).timestamp() * 1_000_000)
    return f"{micros}-{row_id}"


def _decode_time_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        micros, row_id = cursor.split("-", 1)
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(row_id)
    except (ValueError, OverflowError, OSError):
        raise InvalidCursor(cursor) from None


def _interaction_view(row) -> InteractionView:
    id_, kind, channel, summary, body, outcome, created_at, author, ticket_number = row
    return InteractionView(id=id_, kind=kind, channel=channel, summary=summary, body=body, outcome=outcome,
                           created_at=created_at, author_name=author, ticket_number=ticket_number)


def timeline_page(session: Session, customer_id: int, *, cursor: str | None = None) -> Page[InteractionView]:
    """The interaction history, newest first, paged by (time, id) so a page costs the same at any depth."""
    if cursor:
        before_at, before_id = _decode_time_cursor(cursor)
        rows = session.execute(_TIMELINE_AFTER, {"customer_id": customer_id, "before_at": before_at, "before_id": before_id}).all()
    else:
        rows = session.execute(_TIMELINE_FIRST, {"customer_id": customer_id}).all()
    shown = rows[:TIMELINE_PER_PAGE]
    next_cursor = None
    if len(rows) > TIMELINE_PER_PAGE:
        next_cursor = _encode_time_cursor(shown[-1].created_at, shown[-1].id)
    return Page(items=[_interaction_view(row) for row in shown], next_cursor=next_cursor)


def timeline_entry(session: Session, interaction_id: int) -> InteractionView:
    """One entry of the history, as the timeline shows it (for prepending a just-logged call)."""
    return _interaction_view(session.execute(_TIMELINE_ONE, {"interaction_id": interaction_id}).one())
