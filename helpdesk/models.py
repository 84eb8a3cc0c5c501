"""Imports every table so both metadata objects are complete (Alembic and the app rely on this)."""

from helpdesk.audit.models import AuditEntry
from helpdesk.auth.models import Agent, ApiToken, StoredSession
from helpdesk.claims.models import ClaimPhoto, ClaimPhotoContent, WarrantyClaim
from helpdesk.customers.models import ConsentChange, Customer, CustomerNote, CustomerNoteChange
from helpdesk.privacy.models import PersonalBase, PersonalKeyCheck, PersonalRecord
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
from helpdesk.idempotency import IdempotentAnswer
from helpdesk.sales.models import LoyaltyEntry, Product, Purchase, PurchaseLine
from helpdesk.search.models import SearchLogState, SearchOutbox, SearchPurge, SearchReader
from helpdesk.throttle.models import Throttle
from helpdesk.history.models import Interaction
from helpdesk.jobs import JobLease
from helpdesk.macros.models import Macro
from helpdesk.tickets.models import Counter, SlaPolicy, Tag, Ticket, TicketTag
from sqlmodel import SQLModel

MAIN_METADATA = SQLModel.metadata
PERSONAL_METADATA = PersonalBase.metadata

__all__ = [
    "MAIN_METADATA",
    "PERSONAL_METADATA",
    "Agent",
    "ApiToken",
    "IdempotentAnswer",
    "LoyaltyEntry",
    "AuditEntry",
    "Counter",
    "SearchLogState",
    "SearchOutbox",
    "SearchReader",
    "SearchPurge",
    "StoredSession",
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
    "ClaimPhotoContent",
    "ConsentChange",
    "Customer",
    "CustomerNote",
    "CustomerNoteChange",
    "Interaction",
    "JobLease",
    "PersonalKeyCheck",
    "PersonalRecord",
    "Product",
    "Purchase",
    "PurchaseLine",
    "Tag",
    "Throttle",
    "Ticket",
    "Macro",
    "TicketTag",
    "WarrantyClaim",
]
