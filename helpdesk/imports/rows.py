"""The parsed rows of an import: what each line of a file means, before it is matched against the database.

They carry every field the sales issue names (GST tax amounts and rates, HSN codes, GSTINs) even where the current
schema has no column for them yet, so wiring them to new columns touches only the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from helpdesk import phones


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one row of the file was not imported: its row number (the header is row 1), column and reason."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column or 'row'}: {self.reason}"


@dataclass(slots=True)
class ProductRow:
    row: int
    sku: str
    name: str
    brand: str
    category: str
    model_number: str
    warranty_months: int
    hsn_code: str | None = None
    gst_rate_basis_points: int | None = None

    def preview(self) -> str:
        return f"row {self.row}: product {self.sku} {self.name!r} ({self.brand}, {self.category}, " \
               f"model {self.model_number}, {self.warranty_months} months warranty, HSN {self.hsn_code or '-'})"


@dataclass(slots=True)
class PersonRow:
    """Who bought or who is registered: a customer ID, or personal details to match or create them by."""

    customer_code: str | None = None
    full_name: str | None = None
    phone: str | None = None
    alt_phone: str | None = None
    email: str | None = None
    address_line: str | None = None
    city: str | None = None
    state: str | None = None
    pin_code: str | None = None
    gstin: str | None = None
    customer_since: date | None = None

    def __repr__(self) -> str:  # personal data must not reach a log line or a traceback
        return f"PersonRow(customer_code={self.customer_code!r}, …)"

    @property
    def is_findable(self) -> bool:
        """A re-run finds this person again (by ID, phone or e-mail); without that a re-run would duplicate them."""
        return bool(self.customer_code or self.phone or self.alt_phone or self.email)

    def personal_fields(self, code: str) -> dict[str, str | None]:
        """The plain values for the personal store (helpdesk.privacy.store encrypts them)."""
        return {"customer_code": code, "full_name": self.full_name, "phone": self.phone, "alt_phone": self.alt_phone,
                "email": self.email, "address_line": self.address_line, "city": self.city, "state": self.state,
                "pin_code": self.pin_code}

    def preview(self) -> str:
        # Masked as on every page: a dry run on a shared screen shows no full number or address.
        parts = [f"ID {self.customer_code}" if self.customer_code else "new or matched by contact",
                 f"phone {phones.mask(self.phone)}" if self.phone else "",
                 f"e-mail {phones.mask_email(self.email)}" if self.email else "",
                 f"PIN {self.pin_code}" if self.pin_code else "", f"GSTIN {self.gstin}" if self.gstin else ""]
        return ", ".join(part for part in parts if part)


@dataclass(slots=True)
class LineRow:
    row: int
    sku: str
    quantity: int
    unit_price_paise: int
    serial_number: str | None = None
    tax_paise: int | None = None
    hsn_code: str | None = None


@dataclass(slots=True)
class OrderRow:
    """One purchase and its lines, from one or more consecutive rows with the same order number."""

    row: int
    order_number: str
    store: str
    channel: str
    purchased_on: date
    payment_status: str
    person: PersonRow
    lines: list[LineRow] = field(default_factory=list)
    total_paise: int | None = None
    amount_due_paise: int = 0
    tax_paise: int | None = None
    store_gstin: str | None = None

    @property
    def rows(self) -> list[int]:
        return [line.row for line in self.lines]

    @property
    def lines_total_paise(self) -> int:
        return sum(line.quantity * line.unit_price_paise for line in self.lines)

    def preview(self) -> str:
        lines = "; ".join(f"{line.quantity} x {line.sku} at {line.unit_price_paise / 100:.2f}"
                          + (f" serial {line.serial_number}" if line.serial_number else "") for line in self.lines)
        return (f"row {self.row}: order {self.order_number} at {self.store} ({self.channel}) on "
                f"{self.purchased_on.isoformat()}, {self.payment_status}, customer {self.person.preview()}: {lines}")


@dataclass(slots=True)
class CustomerRow:
    row: int
    person: PersonRow

    def preview(self) -> str:
        return f"row {self.row}: customer {self.person.preview()}"
