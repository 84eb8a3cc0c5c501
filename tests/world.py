"""A known customer with purchases, a claim, tickets and a long history (hostile text included)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from helpdesk.timeutil import shop_today
from tests import factories

HOSTILE = "<script>alert(1)</script>"
HISTORY_SIZE = 45


@dataclass
class World:
    customer: object
    sibling: object
    fridge_purchase: object
    washer_purchase: object
    claim: object
    open_ticket: object
    solved_ticket: object
    interactions: list
    shared_phone: str


@pytest.fixture(scope="session")
def world(db, agent) -> World:
    today = shop_today()
    asha = factories.customer(db, name="Asha Verma", phone="+919812345678", email="asha.verma@example.in",
                              city="Lucknow", loyalty_points=1250, tier="gold")
    # Shares a family number with nobody else in the test run but her brother below.
    shared = "+919700011122"
    sibling = factories.customer(db, name="Rahul Verma", phone=shared, city="Lucknow")
    factories.customer(db, name="Kavya Verma", phone=shared, city="Lucknow")
    fridge = factories.product(db, name="Frost-free refrigerator 340 L", model_number="RF-2301", warranty_months=24)
    washer = factories.product(db, name="Front-load washing machine 7 kg", model_number="WM 7KG-X", warranty_months=24)
    fridge_purchase = factories.purchase(db, asha, on=date(2021, 3, 10), lines=[(fridge, "RF2301-SN-0001", 4_250_000)])
    washer_purchase = factories.purchase(db, asha, on=today - timedelta(days=200),
                                         lines=[(washer, "WM7-SN-7777", 3_199_900)], due_paise=500_000, status="partial")
    claim = factories.claim(db, asha, factories.line_of(db, washer_purchase), status="in_review")
    open_ticket = factories.ticket(db, asha, subject="Washing machine drum noisy", status="open", priority="high",
                                   assignee_id=agent.id)
    solved_ticket = factories.ticket(db, asha, subject="Fridge door seal loose", status="solved",
                                     updated_at=datetime(2022, 1, 5, tzinfo=UTC))
    bodies = [f"history entry {index:02d}" for index in range(HISTORY_SIZE - 2)]
    bodies += ["ग्राहक ने कहा फ्रिज ख़राब है, AC ka compressor kharab", HOSTILE]
    rows = factories.interactions(db, asha, bodies, start=datetime(2025, 6, 1, 9, 0, tzinfo=UTC), author_id=agent.id,
                                  ticket_id=open_ticket.id)
    return World(asha, sibling, fridge_purchase, washer_purchase, claim, open_ticket, solved_ticket, rows, shared)
