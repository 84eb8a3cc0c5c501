"""A customer with one item in warranty and one out of it, for filing claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from helpdesk.timeutil import shop_today
from tests import factories

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@dataclass
class Buyer:
    customer: object
    washer_line: object
    fridge_line: object
    order_number: str
    phone_last4: str


@pytest.fixture
def buyer(db) -> Buyer:
    customer = factories.customer(db, name="Sunita Rao", phone=f"+9198765{factories.unique_code()[:5]}")
    washer = factories.product(db, name="Front-load washing machine 8 kg", model_number="WM 8KG-Z", warranty_months=24,
                               category="Washing machine")
    fridge = factories.product(db, name="Double-door refrigerator", model_number="RF-4410", warranty_months=12,
                               category="Refrigerator")
    recent = factories.purchase(db, customer, on=shop_today() - timedelta(days=100), lines=[(washer, "WM8-SN-1", 3_500_000)])
    old = factories.purchase(db, customer, on=date(2021, 5, 1), lines=[(fridge, "RF44-SN-9", 4_000_000)])
    with db.read() as session:
        from helpdesk.privacy import store as personal

        phone = personal.read(session, customer.code).phone
    return Buyer(customer, factories.line_of(db, recent), factories.line_of(db, old), recent.order_number, phone[-4:])
