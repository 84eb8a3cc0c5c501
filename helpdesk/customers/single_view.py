"""The single customer view: what the customer page and GET /api/customers/{id} both show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Profile:
    customer_id: str
    customer_id_grouped: str
    name: str | None
    phone_masked: str
    email_masked: str
    city: str | None
    tier: str
    loyalty_points: int
    customer_since: datetime
    lifetime_spend_paise: int
    outstanding_paise: int
    purchase_count: int
    has_personal_record: bool
    satisfaction_avg: float | None = None
    satisfaction_count: int = 0
    open_ticket_count: int = 0
    tier_reason: str | None = None  # why the tier rule gives tier_derived
    tier_derived: str | None = None
    tier_override: str | None = None  # a supervisor's override, in a sentence


@dataclass
class PurchaseLineView:
    line_id: int
    product_name: str
    category: str
    model_number: str
    serial_number: str | None
    quantity: int
    unit_price_paise: int
    warranty_months: int
    in_warranty: bool
    warranty_last_day: date
    warranty_label: str


@dataclass
class PurchaseView:
    order_number: str
    purchased_on: date
    store: str
    channel: str
    payment_status: str
    total_paise: int
    amount_due_paise: int
    lines: list[PurchaseLineView] = field(default_factory=list)


@dataclass
class ClaimView:
    number: str
    product_name: str
    model_number: str
    status: str
    eligibility: str
    filed_at: datetime


@dataclass
class TicketView:
    number: str
    subject: str
    status: str
    priority: str
    channel: str
    is_open: bool
    last_activity: datetime


@dataclass
class InteractionView:
    id: int
    kind: str
    channel: str | None
    summary: str | None
    body: str
    outcome: str | None
    created_at: datetime
    author_name: str | None
    ticket_number: str | None


@dataclass
class Page(Generic[T]):
    """One page of a newest-first list; `next_cursor` fetches the page after it, None at the end."""

    items: list[T]
    next_cursor: str | None
    total: int | None = None


@dataclass
class CustomerView:
    profile: Profile
    purchases: Page[PurchaseView]
    claims: Page[ClaimView]
    open_tickets: Page[TicketView]
    past_tickets: Page[TicketView]
    timeline: Page[InteractionView]
