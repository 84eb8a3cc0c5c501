"""Product catalogue, purchases and purchase lines (money in paise)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from helpdesk.timeutil import utcnow


class Channel(StrEnum):
    STORE = "store"
    ONLINE = "online"
    PHONE = "phone"


class PaymentStatus(StrEnum):
    PAID = "paid"
    PENDING = "pending"
    PARTIAL = "partial"
    REFUNDED = "refunded"


class Product(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    brand: str = Field(max_length=80)
    category: str = Field(max_length=60, index=True)
    model_number: str = Field(max_length=60, index=True)
    warranty_months: int = Field(ge=0)


class Purchase(SQLModel, table=True):
    __table_args__ = (Index("ix_purchase_customer_date", "customer_id", "purchased_on", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_number: str = Field(max_length=40, unique=True)
    customer_id: int = Field(foreign_key="customer.id")
    store: str = Field(max_length=120, description="store name or online channel")
    channel: str = Field(default=Channel.STORE, max_length=20)
    purchased_on: date
    payment_status: str = Field(default=PaymentStatus.PAID, max_length=20)
    total_paise: int = Field(default=0, ge=0)
    amount_due_paise: int = Field(default=0, ge=0, description="still owed by the customer")
    created_at: datetime = Field(default_factory=utcnow)


class PurchaseLine(SQLModel, table=True):
    __tablename__ = "purchase_line"
    __table_args__ = (Index("ix_purchase_line_purchase", "purchase_id"),)

    id: int | None = Field(default=None, primary_key=True)
    purchase_id: int = Field(foreign_key="purchase.id")
    product_id: int = Field(foreign_key="product.id", index=True)
    serial_number: str | None = Field(default=None, max_length=60, index=True)
    quantity: int = Field(default=1, ge=1)
    unit_price_paise: int = Field(ge=0)
