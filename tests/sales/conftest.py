"""The POS tests push through the API with a real token; each test gets its own products and order numbers."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient

from helpdesk.audit.service import SYSTEM
from helpdesk.auth import tokens
from tests import factories

_orders = itertools.count(1)


@pytest.fixture(scope="module")
def pos_token(db) -> str:
    with db.write() as session:
        return tokens.create_token(session, name=f"till-{secrets.token_hex(3)}", scope="pos", actor=SYSTEM).secret


@pytest.fixture
def pos(app, pos_token) -> Iterator[TestClient]:
    """The till: a client that sends the token, and no session."""
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {pos_token}"
        yield client


@pytest.fixture(scope="module")
def fridge(db):
    return factories.product(db, name="Fridge 260 L", model_number="RF-260", warranty_months=12, category="Refrigerator")


@pytest.fixture(scope="module")
def fan(db):
    return factories.product(db, name="Ceiling fan", model_number="CF-1", warranty_months=24, category="Ceiling fan")


def order_number() -> str:
    return f"POS-{secrets.token_hex(3)}-{next(_orders)}"


def sale(customer: dict, *lines: tuple, when: datetime | None = None, **fields) -> dict:
    """A sale body: lines as (sku, quantity, unit price paise, tax paise[, serial])."""
    body_lines = [{"sku": sku, "quantity": quantity, "unit_price_paise": price, "tax_paise": tax,
                   **({"serial_number": rest[0]} if rest else {})} for sku, quantity, price, tax, *rest in lines]
    total = sum(line["quantity"] * line["unit_price_paise"] + line["tax_paise"] for line in body_lines)
    return {"order_number": order_number(), "store": "Lajpat Nagar store",
            "purchased_at": (when or datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            "customer": customer, "lines": body_lines, "total_paise": total, **fields}
