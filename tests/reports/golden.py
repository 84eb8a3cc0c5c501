"""The golden fixture: 50 customers whose every report figure was worked out by hand (tests/reports/test_golden.py
holds the figures and how each was reached). Report day AS_OF = 30 Jun 2026.

Purchases, one line unless shown (rupees; store S1 Lajpat Nagar/store, S2 Online/online, S3 Devanagari/store,
S4 a formula-and-markup name/phone):

  C01 2026-06-20 S2 TV 1,00,000                      C17 2025-08-20 S1 fan 3,000
  C02 2026-05-01 S1 fridge 90,000 (partial, owes 10,000)   C18 2025-08-21 S2 phone 2,000
  C03 2025-04-15 S1 fan 5,000; 2026-04-15 S1 TV 80,000     C19 2026-06-25 S1 fan 1,000
  C04 2025-03-20 S1 TV 10,000; 2026-03-20 S2 phone 70,000  C20 2026-06-26 S2 phone 500 (override: gold)
  C05 2026-02-10 S3 TV 60,000                        C21 2024-01-01, 2024-03-01 S1 phone 10,000 each
  C06 2026-01-05 S1 fridge 30,000; 2026-01-20 S1 fan 2 x 10,000   C22 2024-02-01, 2024-05-01 S1 TV 20,000 each
  C07 2025-12-12 S2 phone 25,000; 2026-02-12 S2 phone 15,000      C23 2025-06-01 S1 fridge 25,000
  C08 2025-11-11 S4 fan 3 x 10,000                   C24 2025-06-15 S1 TV 30,000
  C09 2025-10-01 S1 TV 20,000                        C25 2025-01-10 S2 phone 12,000
  C10 2025-09-05 S2 phone 11,000 (4 tickets Sep 2025)      C26 2025-05-05 S1 fan 2 x 1,000
  C11 2026-06-01 S1 fan 9,000                        C27 2024-11-20 S1 fridge 45,000
  C12 2026-06-02 S2 phone 8,000                      C28 2025-02-28 S1 TV 35,000
  C13 2026-05-15 S1 fan 7,000                        C29 2025-06-30 S2 phone 8,000
  C14 2026-05-16 S2 phone 6,000                      C30 2025-06-29 S1 fan 3,000
  C15 2026-03-11 S1 fan 5,000                        C31-C40, C44-C50: no purchases (C31 has one ticket)
  C16 2026-03-12 S2 phone 4,000                      C41 2026-03-05 S2 TV 40,000, refunded
  C42 2026-03-25 S1 fridge 30,000 + fan 2,000        C43 2026-02-01, 2026-02-15, 2026-04-01 S1 phone 1,000 each

Tickets (times in shop time; dues are first response / resolution):
  T1 C01 phone, opened 1 Jun 10:00, note 10:30, reply 12:00, solved 2 Jun 10:00; due 11:00 / 18:00; tag complaint
  T2 C02 e-mail, opened 3 Jun 09:00, reply 09:30, solved 13:00; due 10:00 / 17:00; score 5; tag delivery
  T3 C03 phone, opened 5 Jun 10:00, reply 11:00, solved 15:00, reopened 6 Jun 09:00, solved 7 Jun 10:00;
     due 5 Jun 14:00 / 6 Jun 10:00; score 3; tags complaint, repair
  T4 C04 web, opened 10 Jun 09:00 with an agent's internal note, reply 13:00, still open
  T5 C05 phone, opened 12 Jun 08:00 (the call only), new
  T6 C06 e-mail, opened 15 Jun 10:00, reply 10:15, solved 12:00; due 10:30 / 14:00; score 4; tag billing
  T7 C07 store, opened 31 May 20:00, reply 1 Jun 09:00, solved 1 Jun 11:00; due 1 Jun 00:00 / 20:00
  T8-T10, T12 C10 phone, opened 1-4 Sep 2025 10:00, closed the same day 12:00, no targets
  T11 C31 e-mail, opened 20 Jun 2026, open

Claims: CL1 C02's fridge, filed 4 Jun 2026, in repair (repair); CL2 C03's TV, filed 6 Jun, closed 16 Jun (repair);
CL3 C05's TV, filed 8 Jun, rejected 9 Jun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from helpdesk.auth.service import create_or_update_agent
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.privacy import store as personal
from helpdesk.reports.models import TierOverride
from helpdesk.reports.rules import override_summary
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.history import service as history
from helpdesk.tickets.models import Tag, Ticket, TicketTag
from helpdesk.timeutil import SHOP_TZ
from tests import factories

AS_OF = date(2026, 6, 30)
S1, S2, S3 = "Lajpat Nagar store", "Online", "दिल्ली शोरूम"
S4 = '=HYPERLINK("http://evil.example","<b>x</b>")'
CHANNEL = {S1: "store", S2: "online", S3: "store", S4: "phone"}
PRODUCTS = {  # key: (category, brand, model number)
    "TV": ("Television", "Tarang", "GT-TV55"), "FRIDGE": ("Refrigerator", "Kelvora", "GR-F340"),
    "PHONE": ("Smartphone", "Zenvolt", "GZ-P12"), "FAN": ("Ceiling fan", "Pravah", "GP-CF48"),
}
R = 100  # paise per rupee


def d(text: str) -> date:
    return date.fromisoformat(text)


# customer -> [(day, store, [(product, quantity, unit rupees)], payment status, rupees still owed)]
PURCHASES: dict[str, list[tuple]] = {
    "C01": [("2026-06-20", S2, [("TV", 1, 100_000)], "paid", 0)],
    "C02": [("2026-05-01", S1, [("FRIDGE", 1, 90_000)], "partial", 10_000)],
    "C03": [("2025-04-15", S1, [("FAN", 1, 5_000)], "paid", 0), ("2026-04-15", S1, [("TV", 1, 80_000)], "paid", 0)],
    "C04": [("2025-03-20", S1, [("TV", 1, 10_000)], "paid", 0), ("2026-03-20", S2, [("PHONE", 1, 70_000)], "paid", 0)],
    "C05": [("2026-02-10", S3, [("TV", 1, 60_000)], "paid", 0)],
    "C06": [("2026-01-05", S1, [("FRIDGE", 1, 30_000)], "paid", 0), ("2026-01-20", S1, [("FAN", 2, 10_000)], "paid", 0)],
    "C07": [("2025-12-12", S2, [("PHONE", 1, 25_000)], "paid", 0), ("2026-02-12", S2, [("PHONE", 1, 15_000)], "paid", 0)],
    "C08": [("2025-11-11", S4, [("FAN", 3, 10_000)], "paid", 0)],
    "C09": [("2025-10-01", S1, [("TV", 1, 20_000)], "paid", 0)],
    "C10": [("2025-09-05", S2, [("PHONE", 1, 11_000)], "paid", 0)],
    "C11": [("2026-06-01", S1, [("FAN", 1, 9_000)], "paid", 0)],
    "C12": [("2026-06-02", S2, [("PHONE", 1, 8_000)], "paid", 0)],
    "C13": [("2026-05-15", S1, [("FAN", 1, 7_000)], "paid", 0)],
    "C14": [("2026-05-16", S2, [("PHONE", 1, 6_000)], "paid", 0)],
    "C15": [("2026-03-11", S1, [("FAN", 1, 5_000)], "paid", 0)],
    "C16": [("2026-03-12", S2, [("PHONE", 1, 4_000)], "paid", 0)],
    "C17": [("2025-08-20", S1, [("FAN", 1, 3_000)], "paid", 0)],
    "C18": [("2025-08-21", S2, [("PHONE", 1, 2_000)], "paid", 0)],
    "C19": [("2026-06-25", S1, [("FAN", 1, 1_000)], "paid", 0)],
    "C20": [("2026-06-26", S2, [("PHONE", 1, 500)], "paid", 0)],
    "C21": [("2024-01-01", S1, [("PHONE", 1, 10_000)], "paid", 0), ("2024-03-01", S1, [("PHONE", 1, 10_000)], "paid", 0)],
    "C22": [("2024-02-01", S1, [("TV", 1, 20_000)], "paid", 0), ("2024-05-01", S1, [("TV", 1, 20_000)], "paid", 0)],
    "C23": [("2025-06-01", S1, [("FRIDGE", 1, 25_000)], "paid", 0)],
    "C24": [("2025-06-15", S1, [("TV", 1, 30_000)], "paid", 0)],
    "C25": [("2025-01-10", S2, [("PHONE", 1, 12_000)], "paid", 0)],
    "C26": [("2025-05-05", S1, [("FAN", 2, 1_000)], "paid", 0)],
    "C27": [("2024-11-20", S1, [("FRIDGE", 1, 45_000)], "paid", 0)],
    "C28": [("2025-02-28", S1, [("TV", 1, 35_000)], "paid", 0)],
    "C29": [("2025-06-30", S2, [("PHONE", 1, 8_000)], "paid", 0)],
    "C30": [("2025-06-29", S1, [("FAN", 1, 3_000)], "paid", 0)],
    "C41": [("2026-03-05", S2, [("TV", 1, 40_000)], "refunded", 0)],
    "C42": [("2026-03-25", S1, [("FRIDGE", 1, 30_000), ("FAN", 1, 2_000)], "paid", 0)],
    "C43": [("2026-02-01", S1, [("PHONE", 1, 1_000)], "paid", 0), ("2026-02-15", S1, [("PHONE", 1, 1_000)], "paid", 0),
            ("2026-04-01", S1, [("PHONE", 1, 1_000)], "paid", 0)],
}


def ist(text: str) -> datetime:
    """A shop-time moment ('2026-06-01 10:00') as the aware datetime the desk stores."""
    return datetime.fromisoformat(text).replace(tzinfo=SHOP_TZ)


@dataclass
class TicketSpec:
    customer: str
    channel: str
    priority: str
    opened: str
    entries: list[tuple[str, str]]  # (kind, shop time); the first is the opening entry
    status: str
    solved: str | None = None
    due: tuple[str, str] | None = None
    responded: str | None = None  # the desk's own first-response time (reply, call or e-mail)
    score: int | None = None
    tags: list[str] = field(default_factory=list)


TICKETS = {
    "T1": TicketSpec("C01", "phone", "high", "2026-06-01 10:00", [("call", "2026-06-01 10:00"), ("note", "2026-06-01 10:30"),
                     ("reply", "2026-06-01 12:00"), ("status_change", "2026-06-02 10:00")], "solved", "2026-06-02 10:00",
                     ("2026-06-01 11:00", "2026-06-01 18:00"), "2026-06-01 12:00", tags=["complaint"]),
    "T2": TicketSpec("C02", "email", "normal", "2026-06-03 09:00", [("email", "2026-06-03 09:00"), ("reply", "2026-06-03 09:30"),
                     ("status_change", "2026-06-03 13:00")], "solved", "2026-06-03 13:00",
                     ("2026-06-03 10:00", "2026-06-03 17:00"), "2026-06-03 09:30", score=5, tags=["delivery"]),
    "T3": TicketSpec("C03", "phone", "normal", "2026-06-05 10:00", [("call", "2026-06-05 10:00"), ("reply", "2026-06-05 11:00"),
                     ("status_change", "2026-06-05 15:00"), ("reopen", "2026-06-06 09:00"),
                     ("status_change", "2026-06-07 10:00")], "solved", "2026-06-07 10:00",
                     ("2026-06-05 14:00", "2026-06-06 10:00"), "2026-06-05 11:00", score=3, tags=["complaint", "repair"]),
    "T4": TicketSpec("C04", "web", "normal", "2026-06-10 09:00", [("note", "2026-06-10 09:00"), ("reply", "2026-06-10 13:00")],
                     "open", None, ("2026-06-10 13:00", "2026-06-11 09:00"), "2026-06-10 13:00"),
    "T5": TicketSpec("C05", "phone", "normal", "2026-06-12 08:00", [("call", "2026-06-12 08:00")], "new"),
    "T6": TicketSpec("C06", "email", "normal", "2026-06-15 10:00", [("email", "2026-06-15 10:00"), ("reply", "2026-06-15 10:15"),
                     ("status_change", "2026-06-15 12:00")], "solved", "2026-06-15 12:00",
                     ("2026-06-15 10:30", "2026-06-15 14:00"), "2026-06-15 10:15", score=4, tags=["billing"]),
    "T7": TicketSpec("C07", "store", "urgent", "2026-05-31 20:00", [("note", "2026-05-31 20:00"), ("reply", "2026-06-01 09:00"),
                     ("status_change", "2026-06-01 11:00")], "solved", "2026-06-01 11:00",
                     ("2026-06-01 00:00", "2026-06-01 20:00"), "2026-06-01 09:00"),
    **{f"T{n}": TicketSpec("C10", "phone", "low", f"2025-09-0{day} 10:00", [("call", f"2025-09-0{day} 10:00"),
                                                                              ("status_change", f"2025-09-0{day} 12:00")],
                           "closed", f"2025-09-0{day} 12:00") for n, day in ((8, 1), (9, 2), (10, 3), (12, 4))},
    "T11": TicketSpec("C31", "email", "normal", "2026-06-20 11:00", [("email", "2026-06-20 11:00")], "open"),
}

# (customer, product bought, filed, status, remedy, fault, last change)
CLAIMS = {
    "CL1": ("C02", "FRIDGE", "2026-06-04 10:00", "in_repair", "repair", "Not cooling", "2026-06-05 10:00"),
    "CL2": ("C03", "TV", "2026-06-06 12:00", "closed", "repair", "No picture", "2026-06-16 12:00"),
    "CL3": ("C05", "TV", "2026-06-08 09:00", "rejected", "repair", "No sound", "2026-06-09 09:00"),
}


@dataclass
class Golden:
    db: Database
    ids: dict[str, int]  # C01 -> customer id
    codes: dict[str, str]  # C01 -> customer ID (code)
    tickets: dict[str, int]  # T1 -> ticket id
    supervisor_id: int
    products: dict[str, int]


def build(db: Database) -> Golden:
    """Write the golden data through the ORM, as the desk writes it."""
    supervisor = create_or_update_agent_in(db, "golden.supervisor@helpdesk.local", "supervisor", "Gita Supervisor")
    agent = create_or_update_agent_in(db, "golden.agent@helpdesk.local", "agent", "Ravi Agent")
    ids, codes = {}, {}
    with db.write() as session:
        for number in range(1, 51):
            key = f"C{number:02d}"
            code = factories.unique_code()
            customer = Customer(code=code, created_at=datetime(2024, 1, 1, tzinfo=UTC))
            session.add(customer)
            personal.save(session, personal.PersonalDetails(code, full_name=f"Golden Customer {number}",
                                                            phone=f"+9198765{number:05d}",
                                                            email=f"golden{number}@example.in", city="Pune"))
            session.flush()
            ids[key], codes[key] = customer.id, code
        products = {}
        for key, (category, brand, model) in PRODUCTS.items():
            product = Product(sku=f"GOLD-{key}-{factories.unique_code()}", name=f"{brand} {category}", brand=brand,
                              category=category, model_number=model, warranty_months=24)
            session.add(product)
            session.flush()
            products[key] = product.id
        lines: dict[tuple[str, str], int] = {}
        for key, purchases in PURCHASES.items():
            for index, (day, store, items, status, owed) in enumerate(purchases):
                purchase = Purchase(order_number=f"GOLD-{codes[key]}-{index}", customer_id=ids[key], store=store,
                                    channel=CHANNEL[store], purchased_on=d(day), payment_status=status,
                                    total_paise=sum(q * p for _, q, p in items) * R, amount_due_paise=owed * R)
                session.add(purchase)
                session.flush()
                for product, quantity, price in items:
                    line = PurchaseLine(purchase_id=purchase.id, product_id=products[product], quantity=quantity,
                                        unit_price_paise=price * R, serial_number=f"SN-{codes[key]}-{index}-{product}")
                    session.add(line)
                    session.flush()
                    lines[(key, product)] = line.id
        tag_ids = _tags(session, {tag for spec in TICKETS.values() for tag in spec.tags})
        tickets = {}
        for number, spec in TICKETS.items():
            ticket = Ticket(number=f"T-9{int(number[1:]):05d}", customer_id=ids[spec.customer], subject=f"Golden {number}",
                            status=spec.status, priority=spec.priority, channel=spec.channel, assignee_id=agent,
                            created_at=ist(spec.opened), updated_at=ist(spec.entries[-1][1]),
                            solved_at=ist(spec.solved) if spec.solved else None,
                            first_response_due=ist(spec.due[0]) if spec.due else None,
                            resolution_due=ist(spec.due[1]) if spec.due else None,
                            first_responded_at=ist(spec.responded) if spec.responded else None,
                            satisfaction_score=spec.score)
            session.add(ticket)
            session.flush()
            tickets[number] = ticket.id
            for kind, at in spec.entries:
                body = "Status: solved → open" if kind == "reopen" else f"{kind} on {number}"
                history.write_entry(session, customer_id=ids[spec.customer], ticket_id=ticket.id, author_id=agent,
                                    kind="status_change" if kind == "reopen" else kind, body=body,
                                    created_at=ist(at))
            for tag in spec.tags:
                session.add(TicketTag(ticket_id=ticket.id, tag_id=tag_ids[tag]))
        for number, (key, product, filed, status, remedy, fault, changed) in CLAIMS.items():
            session.add(WarrantyClaim(number=f"W-2026-9{number[2:]:0>5}", customer_id=ids[key],
                                      purchase_line_id=lines[(key, product)], fault_category=fault,
                                      description=f"Golden {number}", remedy=remedy, status=status,
                                      eligibility="in_warranty", filed_at=ist(filed), updated_at=ist(changed)))
        set_at = datetime(2026, 6, 29, 9, 0, tzinfo=UTC)
        session.add(TierOverride(customer_id=ids["C20"], tier="gold", reason="Corporate account", agent_id=supervisor,
                                 summary=override_summary(tier="gold", agent_name="Gita Supervisor", on="29 Jun 2026",
                                                          reason="Corporate account"), created_at=set_at))
        session.commit()
    return Golden(db, ids, codes, tickets, supervisor, products)


def create_or_update_agent_in(db: Database, email: str, role: str, name: str) -> int:
    with db.write() as session:
        return create_or_update_agent(session, email=email, password="golden password 123", role=role, name=name).id


def _tags(session, names: set[str]) -> dict[str, int]:
    from sqlmodel import select

    found = dict(session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names))).all())
    for name in sorted(names - set(found)):
        tag = Tag(name=name)
        session.add(tag)
        session.flush()
        found[name] = tag.id
    return found

