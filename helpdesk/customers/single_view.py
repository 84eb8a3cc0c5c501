"""The single customer view: what the customer page and GET /api/customers/{id} both show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from helpdesk.history.queries import HistoryEntry
from helpdesk.sales.loyalty import LedgerRow
from helpdesk.paging import Page
from helpdesk.sales.queries import PurchaseView
from helpdesk.tickets.queries import TicketRow


@dataclass
class PinnedNote:
    """A short note on the customer that every agent sees first ("no calls on Sundays")."""

    text: str
    updated_at: datetime | None = None
    updated_by: str | None = None


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
    pinned_note: PinnedNote = field(default_factory=lambda: PinnedNote(""))
    # Masked like phone and e-mail; a reveal (helpdesk/privacy/reveal.py) shows one field for a while.
    alt_phone_masked: str = ""
    address_masked: str = ""
    consent_sms: bool = False
    consent_email: bool = False
    consent_whatsapp: bool = False
    preferred_language: str | None = None
    erased_at: datetime | None = None
    tier_reason: str | None = None  # why the tier rule gives tier_derived
    tier_derived: str | None = None
    tier_override: str | None = None  # a supervisor's override, in a sentence


@dataclass
class ClaimView:
    number: str
    product_name: str
    model_number: str
    status: str
    eligibility: str
    filed_at: datetime


@dataclass
class CustomerView:
    profile: Profile
    purchases: Page[PurchaseView]
    claims: Page[ClaimView]
    open_tickets: Page[TicketRow]
    past_tickets: Page[TicketRow]
    timeline: Page[HistoryEntry]
    # Set when the ID asked for was merged into this customer: "Customer 1234 5678 9 was merged into …".
    merged_note: str | None = None
    points: Page[LedgerRow] | None = None
