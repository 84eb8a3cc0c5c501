"""Imports every table so both metadata objects are complete (Alembic and the app rely on this)."""

from helpdesk.auth.models import Agent
from helpdesk.claims.models import ClaimPhoto, SelfServiceAttempt, WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.privacy.models import PersonalBase, PersonalRecord
from helpdesk.reports import changes as _stats_changes  # noqa: F401  (registers the listener that marks stats dirty)
from helpdesk.reports.models import (
    StatsCategory,
    StatsClaim,
    StatsCohort,
    StatsCustomer,
    StatsDirty,
    StatsGap,
    StatsGroup,
    StatsRepeat,
    StatsSalesDay,
    StatsSalesMonth,
    StatsSegmentMix,
    StatsState,
    StatsSupportDay,
    StatsTicket,
    TierChange,
    TierOverride,
    TierSlaPolicy,
)
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.search.models import SearchOutbox
from helpdesk.tickets.models import Counter, Interaction, SlaPolicy, Tag, Ticket, TicketTag
from sqlmodel import SQLModel

MAIN_METADATA = SQLModel.metadata
PERSONAL_METADATA = PersonalBase.metadata

__all__ = [
    "MAIN_METADATA",
    "PERSONAL_METADATA",
    "Agent",
    "Counter",
    "SearchOutbox",
    "SelfServiceAttempt",
    "SlaPolicy",
    "StatsCategory",
    "StatsClaim",
    "StatsCohort",
    "StatsCustomer",
    "StatsDirty",
    "StatsGap",
    "StatsGroup",
    "StatsRepeat",
    "StatsSalesDay",
    "StatsSalesMonth",
    "StatsSegmentMix",
    "StatsState",
    "StatsSupportDay",
    "StatsTicket",
    "TierChange",
    "TierOverride",
    "TierSlaPolicy",
    "ClaimPhoto",
    "Customer",
    "Interaction",
    "PersonalRecord",
    "Product",
    "Purchase",
    "PurchaseLine",
    "Tag",
    "Ticket",
    "TicketTag",
    "WarrantyClaim",
]
