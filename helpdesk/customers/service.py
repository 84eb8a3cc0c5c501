"""Customer rules: lookup by ID or phone, and assembling the single customer view in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import case, func, or_, tuple_
from sqlmodel import Session, col, select

from helpdesk import ids, phones
from helpdesk.auth.models import Agent
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
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
from helpdesk.sales.models import PaymentStatus, Product, Purchase, PurchaseLine
from helpdesk.sales.service import warranty_status
from helpdesk.tickets.models import OPEN_STATUSES, Interaction, Ticket

MAX_LOOKUP_LENGTH = 64
PURCHASES_PER_PAGE = 10
CLAIMS_PER_PAGE = 10
PAST_TICKETS_PER_PAGE = 10
OPEN_TICKETS_SHOWN = 50
TIMELINE_PER_PAGE = 20


class CustomerNotFound(LookupError):
    """A well-formed customer ID that no customer has."""

    def __init__(self, code: str) -> None:
        super().__init__(f"No customer has the ID {ids.format_grouped(code)}.")
        self.code = code


class InvalidCursor(ValueError):
    """A paging cursor that we did not issue."""


# --- lookup -------------------------------------------------------------------------------------


@dataclass
class LookupChoice:
    customer_id: str
    name: str | None
    phone_masked: str
    city: str | None


@dataclass
class LookupResult:
    """What the lookup box found: one customer to open, several to choose from, or a message."""

    query: str
    customer_id: str | None = None
    choices: list[LookupChoice] = field(default_factory=list)
    message: str | None = None
    kind: str = "none"  # "id", "phone", "invalid", "empty", "not_found"

    @property
    def found(self) -> bool:
        return self.customer_id is not None


def lookup(session: Session, text: str) -> LookupResult:
    """Resolve what the agent typed: a customer ID (any spacing) or a phone number."""
    query = text.strip()
    if not query:
        return LookupResult(query=text, kind="empty", message="Type the customer ID the caller reads out, or a phone number.")
    if len(query) > MAX_LOOKUP_LENGTH:
        return LookupResult(
            query=text[:MAX_LOOKUP_LENGTH],
            kind="invalid",
            message=f"That is too long for a customer ID or phone number (at most {MAX_LOOKUP_LENGTH} characters).",
        )
    if ids.looks_like_id(query):
        try:
            code = ids.parse(query)
        except ids.InvalidCustomerId as exc:
            return LookupResult(query=text, kind="invalid", message=_invalid_id_message(exc.reason))
        if session.exec(select(Customer.id).where(Customer.code == code)).first() is None:
            return LookupResult(
                query=text, kind="not_found", message=f"No customer has the ID {ids.format_grouped(code)}. Check it with the caller."
            )
        return LookupResult(query=text, kind="id", customer_id=code)
    if phones.is_phone(query):
        return _lookup_phone(session, text, phones.normalise(query))
    try:
        ids.parse(query)
    except ids.InvalidCustomerId as exc:
        return LookupResult(query=text, kind="invalid", message=_invalid_id_message(exc.reason))
    raise AssertionError("unreachable: a valid ID always looks like one")  # pragma: no cover


def _invalid_id_message(reason: str) -> str:
    return f"That is not a valid customer ID. {reason} Ask the caller to repeat it."


def customers_by_phone(session: Session, phone: str) -> list[LookupChoice]:
    """Customers whose main or second number is this (normalised) phone."""
    records = session.exec(
        select(PersonalRecord)
        .where(or_(PersonalRecord.phone == phone, PersonalRecord.alt_phone == phone))
        .order_by(PersonalRecord.full_name)
        .limit(20)
    ).all()
    if not records:
        return []
    # The personal store may name customers the main store no longer has (or not yet): keep only real ones.
    known = set(session.exec(select(Customer.code).where(col(Customer.code).in_([r.customer_code for r in records]))).all())
    return [
        LookupChoice(customer_id=r.customer_code, name=r.full_name, phone_masked=phones.mask(r.phone), city=r.city)
        for r in records
        if r.customer_code in known
    ]


def _lookup_phone(session: Session, text: str, phone: str) -> LookupResult:
    choices = customers_by_phone(session, phone)
    if not choices:
        return LookupResult(query=text, kind="not_found", message=f"No customer has the number {phones.mask(phone)} on file.")
    if len(choices) == 1:
        return LookupResult(query=text, kind="phone", customer_id=choices[0].customer_id, choices=choices)
    return LookupResult(
        query=text, kind="phone", choices=choices, message=f"{len(choices)} customers share this number: choose one."
    )


# --- the single view ----------------------------------------------------------------------------


def get_customer(session: Session, code: str) -> Customer:
    """The customer with this (validated) ID, or CustomerNotFound."""
    customer = session.exec(select(Customer).where(Customer.code == code)).first()
    if customer is None:
        raise CustomerNotFound(code)
    return customer


def customer_view(session: Session, code: str, *, today: date) -> CustomerView:
    """Everything the customer page shows, in a fixed number of queries whatever the history's length."""
    customer = get_customer(session, code)
    return CustomerView(
        profile=_profile(session, customer),
        purchases=purchases_page(session, customer, today=today),
        claims=claims_page(session, customer),
        open_tickets=open_tickets(session, customer),
        past_tickets=past_tickets_page(session, customer),
        timeline=timeline_page(session, customer),
    )


def _profile(session: Session, customer: Customer) -> Profile:
    spend = session.exec(
        select(
            func.coalesce(
                func.sum(case((Purchase.payment_status != PaymentStatus.REFUNDED, Purchase.total_paise), else_=0)), 0
            ),
            func.coalesce(func.sum(Purchase.amount_due_paise), 0),
            func.count(Purchase.id),
        ).where(Purchase.customer_id == customer.id)
    ).one()
    record = session.get(PersonalRecord, customer.code)
    satisfaction_avg, satisfaction_count = session.exec(
        select(func.avg(Ticket.satisfaction_score), func.count(Ticket.satisfaction_score))
        .where(Ticket.customer_id == customer.id)
    ).one()
    return Profile(
        customer_id=customer.code,
        customer_id_grouped=ids.format_grouped(customer.code),
        name=record.full_name if record else None,
        phone_masked=phones.mask(record.phone) if record else "",
        email_masked=phones.mask_email(record.email) if record else "",
        city=record.city if record else None,
        tier=customer.tier,
        loyalty_points=customer.loyalty_points,
        customer_since=customer.created_at,
        lifetime_spend_paise=int(spend[0]),
        outstanding_paise=int(spend[1]),
        purchase_count=int(spend[2]),
        has_personal_record=record is not None,
        satisfaction_avg=float(satisfaction_avg) if satisfaction_avg is not None else None,
        satisfaction_count=int(satisfaction_count),
    )


def _offset_cursor(offset: int, page_size: int, fetched: int) -> str | None:
    return str(offset + page_size) if fetched > page_size else None


def parse_offset(cursor: str | None) -> int:
    """An offset cursor from a 'show more' link."""
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 7:
        raise InvalidCursor(cursor)
    return int(cursor)


def purchases_page(session: Session, customer: Customer, *, today: date, cursor: str | None = None) -> Page[PurchaseView]:
    """Newest purchases first with their lines and warranty status: two queries per page."""
    offset = parse_offset(cursor)
    purchases = session.exec(
        select(Purchase)
        .where(Purchase.customer_id == customer.id)
        .order_by(col(Purchase.purchased_on).desc(), col(Purchase.id).desc())
        .offset(offset)
        .limit(PURCHASES_PER_PAGE + 1)
    ).all()
    shown = purchases[:PURCHASES_PER_PAGE]
    lines_by_purchase: dict[int, list[PurchaseLineView]] = defaultdict(list)
    if shown:
        purchased_on = {p.id: p.purchased_on for p in shown}
        rows = session.exec(
            select(PurchaseLine, Product)
            .join(Product, col(Product.id) == PurchaseLine.product_id)
            .where(col(PurchaseLine.purchase_id).in_(list(purchased_on)))
            .order_by(col(PurchaseLine.id))
        ).all()
        for line, product in rows:
            status = warranty_status(purchased_on[line.purchase_id], product.warranty_months, on=today)
            lines_by_purchase[line.purchase_id].append(
                PurchaseLineView(
                    line_id=line.id,
                    product_name=product.name,
                    category=product.category,
                    model_number=product.model_number,
                    serial_number=line.serial_number,
                    quantity=line.quantity,
                    unit_price_paise=line.unit_price_paise,
                    warranty_months=product.warranty_months,
                    in_warranty=status.in_warranty,
                    warranty_last_day=status.last_day,
                    warranty_label=status.label,
                )
            )
    items = [
        PurchaseView(
            order_number=p.order_number,
            purchased_on=p.purchased_on,
            store=p.store,
            channel=p.channel,
            payment_status=p.payment_status,
            total_paise=p.total_paise,
            amount_due_paise=p.amount_due_paise,
            lines=lines_by_purchase[p.id],
        )
        for p in shown
    ]
    return Page(items=items, next_cursor=_offset_cursor(offset, PURCHASES_PER_PAGE, len(purchases)))


def claims_page(session: Session, customer: Customer, *, cursor: str | None = None) -> Page[ClaimView]:
    """Warranty claims, newest first, with the claimed product."""
    offset = parse_offset(cursor)
    rows = session.exec(
        select(WarrantyClaim, Product)
        .join(PurchaseLine, col(PurchaseLine.id) == WarrantyClaim.purchase_line_id)
        .join(Product, col(Product.id) == PurchaseLine.product_id)
        .where(WarrantyClaim.customer_id == customer.id)
        .order_by(col(WarrantyClaim.filed_at).desc(), col(WarrantyClaim.id).desc())
        .offset(offset)
        .limit(CLAIMS_PER_PAGE + 1)
    ).all()
    items = [
        ClaimView(
            number=claim.number,
            product_name=product.name,
            model_number=product.model_number,
            status=claim.status,
            eligibility=claim.eligibility,
            filed_at=claim.filed_at,
        )
        for claim, product in rows[:CLAIMS_PER_PAGE]
    ]
    return Page(items=items, next_cursor=_offset_cursor(offset, CLAIMS_PER_PAGE, len(rows)))


def _ticket_view(ticket: Ticket) -> TicketView:
    return TicketView(
        number=ticket.number,
        subject=ticket.subject,
        status=ticket.status,
        priority=ticket.priority,
        channel=ticket.channel,
        is_open=ticket.status in OPEN_STATUSES,
        last_activity=ticket.updated_at,
    )


def open_tickets(session: Session, customer: Customer) -> list[TicketView]:
    """The customer's open tickets, most recent activity first."""
    tickets = session.exec(
        select(Ticket)
        .where(Ticket.customer_id == customer.id, col(Ticket.status).in_(OPEN_STATUSES))
        .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
        .limit(OPEN_TICKETS_SHOWN)
    ).all()
    return [_ticket_view(t) for t in tickets]


def past_tickets_page(session: Session, customer: Customer, *, cursor: str | None = None) -> Page[TicketView]:
    """Solved and closed tickets, most recent activity first."""
    offset = parse_offset(cursor)
    tickets = session.exec(
        select(Ticket)
        .where(Ticket.customer_id == customer.id, col(Ticket.status).not_in(OPEN_STATUSES))
        .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
        .offset(offset)
        .limit(PAST_TICKETS_PER_PAGE + 1)
    ).all()
    return Page(
        items=[_ticket_view(t) for t in tickets[:PAST_TICKETS_PER_PAGE]],
        next_cursor=_offset_cursor(offset, PAST_TICKETS_PER_PAGE, len(tickets)),
    )


def _encode_time_cursor(created_at: datetime, row_id: int) -> str:
    micros = int(created_at.replace(tzinfo=created_at.tzinfo or UTC).timestamp() * 1_000_000)
    return f"{micros}-{row_id}"


def _decode_time_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        micros, row_id = cursor.split("-", 1)
        created_at = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
        return created_at, int(row_id)
    except (ValueError, OverflowError, OSError):
        raise InvalidCursor(cursor) from None


def _timeline_select():
    return (
        select(Interaction, Agent.name, Ticket.number)
        .join(Agent, col(Agent.id) == Interaction.author_id, isouter=True)
        .join(Ticket, col(Ticket.id) == Interaction.ticket_id, isouter=True)
    )


def _interaction_view(interaction: Interaction, author_name: str | None, ticket_number: str | None) -> InteractionView:
    return InteractionView(
        id=interaction.id,
        kind=interaction.kind,
        channel=interaction.channel,
        summary=interaction.summary,
        body=interaction.body,
        outcome=interaction.outcome,
        created_at=interaction.created_at,
        author_name=author_name,
        ticket_number=ticket_number,
    )


def timeline_entry(session: Session, interaction_id: int) -> InteractionView:
    """One entry of the history, as the timeline shows it (for prepending a just-logged call)."""
    return _interaction_view(*session.exec(_timeline_select().where(Interaction.id == interaction_id)).one())


def timeline_page(session: Session, customer: Customer, *, cursor: str | None = None) -> Page[InteractionView]:
    """The interaction history, newest first, paged by (time, id) so a page costs the same at any depth."""
    statement = _timeline_select().where(Interaction.customer_id == customer.id)
    if cursor:
        created_at, row_id = _decode_time_cursor(cursor)
        statement = statement.where(tuple_(Interaction.created_at, Interaction.id) < tuple_(created_at, row_id))
    rows = session.exec(
        statement.order_by(col(Interaction.created_at).desc(), col(Interaction.id).desc()).limit(TIMELINE_PER_PAGE + 1)
    ).all()
    shown = rows[:TIMELINE_PER_PAGE]
    items = [_interaction_view(*row) for row in shown]
    next_cursor = None
    if len(rows) > TIMELINE_PER_PAGE:
        last = shown[-1][0]
        next_cursor = _encode_time_cursor(last.created_at, last.id)
    return Page(items=items, next_cursor=next_cursor)


@dataclass
class PurchasedItem:
    """One purchased item, for choosing it in a form."""

    line_id: int
    product_name: str
    model_number: str
    serial_number: str | None
    purchased_on: date
    order_number: str


def purchased_items(session: Session, customer: Customer, *, limit: int = 200) -> list[PurchasedItem]:
    """The customer's purchased items, newest first."""
    rows = session.exec(
        select(PurchaseLine.id, Product.name, Product.model_number, PurchaseLine.serial_number,
               Purchase.purchased_on, Purchase.order_number)
        .join(Purchase, col(Purchase.id) == PurchaseLine.purchase_id)
        .join(Product, col(Product.id) == PurchaseLine.product_id)
        .where(Purchase.customer_id == customer.id)
        .order_by(col(Purchase.purchased_on).desc(), col(PurchaseLine.id).desc())
        .limit(limit)
    ).all()
    return [PurchasedItem(*row) for row in rows]
