"""Imports every table so both metadata objects are complete (Alembic and the app rely on this)."""

from helpdesk.audit.models import AuditEntry
from helpdesk.auth.models import Agent
from helpdesk.claims.models import ClaimPhoto, SelfServiceAttempt, WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.privacy.models import PersonalBase, PersonalRecord
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.search.models import SearchOutbox
from helpdesk.throttle.models import Throttle
from helpdesk.history.models import Interaction
from helpdesk.tickets.models import Counter, SlaPolicy, Tag, Ticket, TicketTag
from sqlmodel import SQLModel

MAIN_METADATA = SQLModel.metadata
PERSONAL_METADATA = PersonalBase.metadata

__all__ = [
    "MAIN_METADATA",
    "PERSONAL_METADATA",
    "Agent",
    "AuditEntry",
    "Counter",
    "SearchOutbox",
    "SelfServiceAttempt",
    "SlaPolicy",
    "ClaimPhoto",
    "Customer",
    "Interaction",
    "PersonalRecord",
    "Product",
    "Purchase",
    "PurchaseLine",
    "Tag",
    "Throttle",
    "Ticket",
    "TicketTag",
    "WarrantyClaim",
]
