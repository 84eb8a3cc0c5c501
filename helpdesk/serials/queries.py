"""The service record of one unit: every purchase line with its serial number, and the claims, tickets and
entries about it, whoever owned it at the time. A fixed number of queries, whatever the unit's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, func, or_, select

from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.history.models import Interaction
from helpdesk.privacy import store as personal
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.tickets.models import Ticket

SERIAL_MAX = 60
# A unit with more entries than this is read a page at a time from its tickets; the record shows the newest.
ENTRIES_SHOWN = 200


@dataclass
class Ownership:
    line_id: int
    customer_id: str
    owner_name: str | None
    order_number: str
    purchased_on: date
    store: str
    product_name: str
    model_number: str


@dataclass
class ClaimRow:
    number: str
    status: str
    fault_category: str
    filed_at: datetime
    customer_id: str
    ticket_number: str | None


@dataclass
class TicketRow:
    number: str
    subject: str
    status: str
    created_at: datetime
    customer_id: str


@dataclass
class EntryRow:
    created_at: datetime
    kind: str
    ticket_number: str
    customer_id: str
    body: str


@dataclass
class SerialRecord:
    serial: str
    owners: list[Ownership] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    tickets: list[TicketRow] = field(default_factory=list)
    entries: list[EntryRow] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.owners)


def serial_variants(text: str) -> list[str]:
    """What a typed serial may be stored as: as typed, and in capitals (the POS sends them in capitals)."""
    serial = text.strip()
    return sorted({serial, serial.upper()}) if serial else []


def line_ids_for(session: Session, serial: str) -> list[int]:
    """The purchase lines that carry this serial number (one per time the unit was sold)."""
    variants = serial_variants(serial)
    if not variants:
        return []
    return list(session.exec(select(PurchaseLine.id).where(col(PurchaseLine.serial_number).in_(variants))).all())


def claim_count(session: Session, serial: str | None) -> int:
    """How many claims were ever filed on this unit, across all its owners."""
    if not serial:
        return 0
    lines = line_ids_for(session, serial)
    if not lines:
        return 0
    return session.exec(select(func.count(WarrantyClaim.id)).where(col(WarrantyClaim.purchase_line_id).in_(lines))).one()


def serial_record(session: Session, serial: str) -> SerialRecord:
    """Owners, claims, tickets and entries about one unit, oldest owner first and newest activity first."""
    variants = serial_variants(serial)
    record = SerialRecord(serial=serial.strip())
    if not variants:
        return record
    owners = session.exec(
        select(PurchaseLine.id, Customer.code, Purchase.order_number, Purchase.purchased_on, Purchase.store,
               Product.name, Product.model_number)
        .select_from(PurchaseLine).join(Purchase, col(Purchase.id) == PurchaseLine.purchase_id)
        .join(Product, col(Product.id) == PurchaseLine.product_id).join(Customer, col(Customer.id) == Purchase.customer_id)
        .where(col(PurchaseLine.serial_number).in_(variants))
        .order_by(col(Purchase.purchased_on), col(PurchaseLine.id))
    ).all()
    if not owners:
        return record
    line_ids = [row[0] for row in owners]
    claims = session.exec(
        select(WarrantyClaim.number, WarrantyClaim.status, WarrantyClaim.fault_category, WarrantyClaim.filed_at,
               Customer.code, Ticket.number)
        .select_from(WarrantyClaim).join(Customer, col(Customer.id) == WarrantyClaim.customer_id)
        .outerjoin(Ticket, col(Ticket.id) == WarrantyClaim.ticket_id)
        .where(col(WarrantyClaim.purchase_line_id).in_(line_ids))
        .order_by(col(WarrantyClaim.filed_at).desc(), col(WarrantyClaim.id).desc())
    ).all()
    claim_tickets = select(WarrantyClaim.ticket_id).where(col(WarrantyClaim.purchase_line_id).in_(line_ids))
    tickets = session.exec(
        select(Ticket.id, Ticket.number, Ticket.subject, Ticket.status, Ticket.created_at, Customer.code)
        .join(Customer, col(Customer.id) == Ticket.customer_id)
        .where(or_(col(Ticket.purchase_line_id).in_(line_ids), col(Ticket.id).in_(claim_tickets)))
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
    ).all()
    ticket_numbers = {row[0]: row[1] for row in tickets}
    entries = session.exec(
        select(Interaction.created_at, Interaction.kind, Interaction.ticket_id, Customer.code, Interaction.body)
        .join(Customer, col(Customer.id) == Interaction.customer_id)
        .where(col(Interaction.ticket_id).in_(list(ticket_numbers)))
        .order_by(col(Interaction.created_at).desc(), col(Interaction.id).desc()).limit(ENTRIES_SHOWN)
    ).all() if ticket_numbers else []
    # Names through the personal store, one query for every owner.
    names = {code: details.full_name for code, details in personal.read_many(session, {row[1] for row in owners}).items()}
    record.owners = [Ownership(line_id=r[0], customer_id=r[1], owner_name=names.get(r[1]), order_number=r[2],
                               purchased_on=r[3], store=r[4], product_name=r[5], model_number=r[6]) for r in owners]
    record.claims = [ClaimRow(*row) for row in claims]
    record.tickets = [TicketRow(number=r[1], subject=r[2], status=r[3], created_at=r[4], customer_id=r[5])
                      for r in tickets]
    record.entries = [EntryRow(created_at=r[0], kind=r[1], ticket_number=ticket_numbers[r[2]], customer_id=r[3],
                               body=r[4]) for r in entries]
    return record


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def ordinal(number: int) -> str:
    """"third" for 3: agents read "the third claim for this unit" faster than "claim no. 3"."""
    if 1 <= number <= len(_ORDINALS):
        return _ORDINALS[number - 1]
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
