"""Builders for test data, written through the ORM like the app writes it."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

from helpdesk import ids
from helpdesk.auth.service import create_or_update_agent
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.privacy import store as personal
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.history import service as history
from helpdesk.history.models import Interaction
from helpdesk.tickets.models import Ticket
from helpdesk.tickets import numbers
from helpdesk.tickets.service import new_ticket_number

_counter = itertools.count(1)
_rng = random.Random(20261123)


def unique_code() -> str:
    """A valid customer ID not used by any other test in this run."""
    return ids.with_check_digit(f"{9}{_rng.randrange(10**6, 10**7 - 1):07d}")


def agent(db: Database, email: str, password: str = "correct horse battery", role: str = "agent", name: str | None = None):
    with db.write() as session:
        return create_or_update_agent(session, email=email, password=password, role=role, name=name)


def customer(db: Database, *, name: str = "Test Customer", phone: str | None = None, email: str | None = None,
             city: str = "Pune", code: str | None = None, created_at: datetime | None = None, **fields) -> Customer:
    code = code or unique_code()
    with db.write() as session:
        row = Customer(code=code, created_at=created_at or datetime(2020, 5, 17, 6, 30, tzinfo=UTC), **fields)
        session.add(row)
        personal.save(session, personal.PersonalDetails(code, full_name=name, phone=phone, email=email, city=city))
        session.commit()
        session.refresh(row)
        return row


def product(db: Database, *, name: str, model_number: str, warranty_months: int, category: str = "appliance") -> Product:
    with db.write() as session:
        row = Product(sku=f"SKU-{next(_counter):06d}", name=name, brand="Testline", category=category,
                      model_number=model_number, warranty_months=warranty_months)
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def purchase(db: Database, cust: Customer, *, on: date, lines: list[tuple[Product, str | None, int]],
             store: str = "Lajpat Nagar store", due_paise: int = 0, status: str = "paid") -> Purchase:
    with db.write() as session:
        row = Purchase(order_number=f"ORD-T-{next(_counter):07d}", customer_id=cust.id, store=store, purchased_on=on,
                       payment_status=status, total_paise=sum(price for _, _, price in lines), amount_due_paise=due_paise)
        session.add(row)
        session.flush()
        for prod, serial, price in lines:
            session.add(PurchaseLine(purchase_id=row.id, product_id=prod.id, serial_number=serial, unit_price_paise=price))
        session.commit()
        session.refresh(row)
        return row


def line_of(db: Database, purchase_row: Purchase) -> PurchaseLine:
    from sqlmodel import select

    with db.read() as session:
        return session.exec(select(PurchaseLine).where(PurchaseLine.purchase_id == purchase_row.id)).first()


def ticket(db: Database, cust: Customer, *, subject: str, status: str = "open", priority: str = "normal",
           assignee_id: int | None = None, updated_at: datetime | None = None) -> Ticket:
    with db.write() as session:
        # Numbered by the desk's own counter, so tests and the app never hand out the same number.
        row = Ticket(number=new_ticket_number(session), customer_id=cust.id, subject=subject, status=status,
                     priority=priority, assignee_id=assignee_id,
                     updated_at=updated_at or datetime.now(UTC))
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def claim(db: Database, cust: Customer, line: PurchaseLine, *, status: str = "in_review",
          eligibility: str = "in_warranty", description: str = "Drum does not spin") -> WarrantyClaim:
    with db.write() as session:
        # Numbered by the desk's own counter (as tickets are), so a claim the app files later never gets the same number.
        sequence = numbers.next_value(session, "claim-2026",
                                      start_after=lambda: numbers.highest_suffix(session, WarrantyClaim.number, "W-2026-"))
        row = WarrantyClaim(number=f"W-2026-{sequence:06d}", customer_id=cust.id, purchase_line_id=line.id,
                            fault_category="motor", description=description, status=status, eligibility=eligibility)
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def interactions(db: Database, cust: Customer, bodies: list[str], *, start: datetime, step: timedelta = timedelta(hours=3),
                 kind: str = "call", author_id: int | None = None, ticket_id: int | None = None) -> list[Interaction]:
    """Interactions in time order, written through the history's one write path: bodies[0] is the oldest."""
    with db.write() as session:
        rows = [history.write_entry(session, customer_id=cust.id, kind=kind, body=body, created_at=start + index * step,
                                    author_id=author_id, ticket_id=ticket_id, channel="phone")
                for index, body in enumerate(bodies)]
        session.commit()
    return rows
