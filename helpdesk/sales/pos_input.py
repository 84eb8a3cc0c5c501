"""What the POS sends: sales, returns (credit notes) and point redemptions, validated field by field at the door."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator
from sqlmodel import SQLModel
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.in_ import gstin as gstin_rules

from helpdesk.forms import DB_INT_MAX, email_address, limited_text, not_a_bool
from helpdesk.sales.models import Channel

LINES_MAX = 200
BATCH_MAX = 500
MONEY_MAX = DB_INT_MAX  # paise (₹2.1 crore): money columns are INTEGER, 32 bits on PostgreSQL
QUANTITY_MAX = 10_000
POINTS_MAX = 10**8

Paise = Annotated[int, Field(ge=0, le=MONEY_MAX), BeforeValidator(not_a_bool)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[\x21-\x7e]+$")]


def _text(value, label: str, max_length: int, required: bool = True) -> str | None:
    text = limited_text(value, label=label, max_length=max_length, required=required)
    return text or None


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Give the time with its UTC offset, e.g. 2026-11-30T15:04:05+05:30.")
    return value


def valid_gstin(value) -> str | None:
    """A GSTIN as stored (upper case), or ValueError saying which part is wrong."""
    text = _text(value, "The GSTIN", 20, required=False)
    if text is None:
        return None
    try:
        return gstin_rules.validate(text)
    except StdnumError as exc:
        reasons = {"InvalidLength": "A GSTIN has 15 characters.",
                   "InvalidFormat": "A GSTIN is a 2-digit state code, a 10-character PAN, an entity digit, Z and a check character.",
                   "InvalidComponent": "The GSTIN's state code or PAN is not valid.",
                   "InvalidChecksum": "The GSTIN's check character does not match: a character is mistyped."}
        raise ValueError(reasons.get(type(exc).__name__, "This is not a valid GSTIN.")) from None


class CustomerIn(SQLModel):
    """Who bought: an existing customer ID, or name and phone (e-mail optional) to match or register them."""

    customer_id: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)

    @field_validator("customer_id", "phone", mode="before")
    @classmethod
    def _short(cls, value):
        return _text(value, "This", 40, required=False)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value):
        return _text(value, "The name", 120, required=False)

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value):
        return email_address(value) or None if value not in (None, "") else None

    @model_validator(mode="after")
    def _who(self):
        if self.customer_id is None and not (self.name and self.phone):
            raise ValueError("Send the customer's ID, or their name and phone number (e-mail optional).")
        return self


class LineIn(SQLModel):
    """One line of a sale: the product by SKU, its serial, quantity, unit price and tax (paise)."""

    sku: Code
    serial_number: str | None = Field(default=None, max_length=60)
    quantity: int = Field(le=QUANTITY_MAX)
    unit_price_paise: Paise
    tax_paise: Paise = 0
    hsn_code: str | None = Field(default=None, pattern=r"^\d{4,8}$", description="HSN code, 4 to 8 digits")

    @field_validator("quantity", mode="before")
    @classmethod
    def _quantity(cls, value):
        value = not_a_bool(value)
        if isinstance(value, int) and value < 1:
            raise ValueError("The quantity must be at least 1 (returns are sent to /api/pos/returns).")
        return value

    @field_validator("serial_number", mode="before")
    @classmethod
    def _serial(cls, value):
        return _text(value, "The serial number", 60, required=False)


class PurchaseIn(SQLModel):
    """A sale as it happened at the till. `total_paise` must equal the lines' quantity × unit price + tax."""

    order_number: Code
    store: str = Field(max_length=120)
    channel: Channel = Channel.STORE
    purchased_at: datetime = Field(description="the till's time, with its UTC offset")
    customer: CustomerIn
    buyer_gstin: str | None = Field(default=None, max_length=20, description="a business buyer's GSTIN")
    lines: list[LineIn] = Field(min_length=1, max_length=LINES_MAX)
    total_paise: Paise

    @field_validator("store", mode="before")
    @classmethod
    def _store(cls, value):
        return _text(value, "The store", 120)

    @field_validator("purchased_at")
    @classmethod
    def _at(cls, value: datetime) -> datetime:
        return _aware(value)

    @field_validator("buyer_gstin", mode="before")
    @classmethod
    def _gstin(cls, value):
        return valid_gstin(value)


class BatchIn(SQLModel):
    """Many sales in one call; each is recorded (or refused) on its own."""

    purchases: list[PurchaseIn] = Field(min_length=1, max_length=BATCH_MAX)


class ReturnLineIn(SQLModel):
    """A returned line: its position in the original order (1 = the first line sent) and how many come back."""

    line: int = Field(ge=1, le=LINES_MAX)
    quantity: int = Field(ge=1, le=QUANTITY_MAX)

    @field_validator("line", "quantity", mode="before")
    @classmethod
    def _number(cls, value):
        return not_a_bool(value)


class ReturnIn(SQLModel):
    """A credit note: what comes back from which order. The refund is the lines' price and tax, pro rata."""

    credit_note_number: Code
    store: str = Field(max_length=120)
    original_order_number: Code
    returned_at: datetime = Field(description="the till's time, with its UTC offset")
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=LINES_MAX)
    total_paise: Paise | None = Field(default=None, description="the refund, if the till states it: checked")

    @field_validator("store", mode="before")
    @classmethod
    def _store(cls, value):
        return _text(value, "The store", 120)

    @field_validator("returned_at")
    @classmethod
    def _at(cls, value: datetime) -> datetime:
        return _aware(value)


class RedemptionIn(SQLModel):
    """Points spent at the till."""

    customer_id: str = Field(max_length=40)
    points: int = Field(ge=1, le=POINTS_MAX)
    store: str = Field(max_length=120)
    reference: str | None = Field(default=None, max_length=60, description="the till's receipt for the redemption")

    @field_validator("points", mode="before")
    @classmethod
    def _number(cls, value):
        return not_a_bool(value)

    @field_validator("store", mode="before")
    @classmethod
    def _store(cls, value):
        return _text(value, "The store", 120)

    @field_validator("reference", "customer_id", mode="before")
    @classmethod
    def _ref(cls, value):
        return _text(value, "This", 60, required=False)
