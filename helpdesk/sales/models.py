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


class PurchaseKind(StrEnum):
    SALE = "sale"
    # A credit note: negative lines, each pointing at the sale line it returns (GST: a return cites its invoice).
    RETURN = "return"


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
    # Added by the POS push (m0014); rows from imports and the demo leave them empty.
    kind: str = Field(default=PurchaseKind.SALE, max_length=10, sa_column_kwargs={"server_default": PurchaseKind.SALE})
    purchased_at: datetime | None = Field(default=None, description="the till's timestamp (UTC)")
    buyer_gstin: str | None = Field(default=None, max_length=15, description="a business buyer's GSTIN")
    tax_paise: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    credits_purchase_id: int | None = Field(default=None, foreign_key="purchase.id", index=True,
                                            description="a credit note's original order")
    # A digest of what the POS sent: the same order sent again is recognised, a different one refused (409).
    content_hash: str | None = Field(default=None, max_length=64)


class PurchaseLine(SQLModel, table=True):
    __tablename__ = "purchase_line"
    __table_args__ = (Index("ix_purchase_line_purchase", "purchase_id"),)

    id: int | None = Field(default=None, primary_key=True)
    purchase_id: int = Field(foreign_key="purchase.id")
    product_id: int = Field(foreign_key="product.id", index=True)
    serial_number: str | None = Field(default=None, max_length=60, index=True)
    quantity: int = Field(default=1, ge=1, description="negative on a credit note")
    unit_price_paise: int = Field(ge=0)
    tax_paise: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    hsn_code: str | None = Field(default=None, max_length=8)
    returns_line_id: int | None = Field(default=None, foreign_key="purchase_line.id", index=True,
                                        description="on a credit note: the sale line this returns")
    # Kept on the sale line in the same transaction as each credit note: warranty, claims and pages read it directly.
    returned_quantity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class LoyaltyKind(StrEnum):
    OPENING = "opening"
    EARN = "earn"
    RETURN = "return"
    REDEEM = "redeem"


class LoyaltyEntry(SQLModel, table=True):
    """One movement of a customer's loyalty points; customer.loyalty_points is their running sum, kept in step."""

    __tablename__ = "loyalty_entry"
    __table_args__ = (Index("ix_loyalty_entry_customer", "customer_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(max_length=10)
    points: int = Field(description="positive earned, negative taken back or redeemed")
    balance_after: int
    purchase_id: int | None = Field(default=None, foreign_key="purchase.id", index=True)
    reference: str | None = Field(default=None, max_length=60, description="the POS's redemption reference")
    store: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
