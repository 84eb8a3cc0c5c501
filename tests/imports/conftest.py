"""Helpers for import tests: CSV files written as shops write them, unique SKUs, order numbers and phone numbers."""

from __future__ import annotations

import csv
import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk import phones
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.privacy import store as personal_store
from helpdesk.sales.models import Product, Purchase, PurchaseLine


def write_csv(path: Path, header: list[str], rows: list[list], *, bom: bool = False) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_rejects(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def new_phone() -> str:
    """A valid Indian mobile number nobody else in this test run has."""
    while True:
        number = f"9{secrets.randbelow(10**9):09d}"
        if phones.is_phone(number):
            return number


@pytest.fixture
def tag() -> str:
    """A prefix that keeps this test's SKUs and order numbers apart from every other test's (the database is shared)."""
    return f"T{secrets.token_hex(3).upper()}"


@pytest.fixture
def catalogue(db: Database, tag: str) -> dict[str, int]:
    """Two products, by SKU."""
    skus = {f"{tag}-TV": 24, f"{tag}-AC": 12}
    with db.write() as session:
        for sku, months in skus.items():
            session.add(Product(sku=sku, name=f"Product {sku}", brand="Testline", category="appliance",
                                model_number=f"M-{sku}", warranty_months=months))
        session.commit()
        return dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())


def purchases_of(db: Database, tag: str) -> dict[str, dict]:
    """This test's purchases by order number: store, customer code, date, total, and lines (sku, serial, qty, price)."""
    with db.read() as session:
        rows = session.execute(
            select(Purchase.order_number, Purchase.store, Customer.code, Purchase.purchased_on, Purchase.total_paise,
                   Purchase.payment_status, Purchase.channel, Product.sku, PurchaseLine.serial_number,
                   PurchaseLine.quantity, PurchaseLine.unit_price_paise)
            .join(Customer, Customer.id == Purchase.customer_id)
            .join(PurchaseLine, PurchaseLine.purchase_id == Purchase.id)
            .join(Product, Product.id == PurchaseLine.product_id)
            .where(Purchase.order_number.like(f"%{tag}%")).order_by(Purchase.order_number, PurchaseLine.id)).all()
    found: dict[str, dict] = {}
    for row in rows:
        order = found.setdefault(row.order_number, {"store": row.store, "code": row.code, "on": row.purchased_on,
                                                    "total": row.total_paise, "status": row.payment_status,
                                                    "channel": row.channel, "lines": []})
        order["lines"].append((row.sku, row.serial_number, row.quantity, row.unit_price_paise))
    return found


def codes_for_phone(db: Database, phone: str) -> list[str]:
    with db.read() as session:
        return personal_store.codes_by_phone(session, phone)


def person(db: Database, code: str):
    with db.read() as session:
        return personal_store.read(session, code)


def count(db: Database, model, *where) -> int:
    with db.read() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar()
