"""The neutral customer record: no personal data lives here (that is in helpdesk.privacy)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from helpdesk.timeutil import utcnow


class Tier(StrEnum):
    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=9, min_length=9, unique=True, description="the neutral customer ID")
    created_at: datetime = Field(default_factory=utcnow, description="customer since")
    tier: str = Field(default=Tier.STANDARD, max_length=20)
    loyalty_points: int = Field(default=0)
    # Marketing consent per channel (DPDP: specific, and withdrawn as easily as given); changes go to consent_change.
    consent_sms: bool = Field(default=False, description="marketing by SMS")
    consent_email: bool = Field(default=False, description="marketing by e-mail")
    consent_whatsapp: bool = Field(default=False, description="marketing by WhatsApp")
    preferred_language: str | None = Field(default=None, max_length=8, description="language code, e.g. hi")
    erased_at: datetime | None = Field(default=None, description="when the personal data was erased on request")
    # Set while this customer is merged into another: their ID then leads to the survivor.
    merged_into_id: int | None = Field(default=None, foreign_key="customer.id", index=True)


CONSENT_FIELDS = ("consent_sms", "consent_email", "consent_whatsapp")
# Languages a customer may prefer to be contacted in (ISO 639-1 codes, as stored in preferred_language).
LANGUAGES = {"en": "English", "hi": "Hindi", "bn": "Bengali", "mr": "Marathi", "ta": "Tamil", "te": "Telugu",
             "gu": "Gujarati", "kn": "Kannada", "ml": "Malayalam", "pa": "Punjabi", "or": "Odia", "ur": "Urdu"}


class ConsentChange(SQLModel, table=True):
    """One change of a consent flag or the preferred language: the history pages show and the law asks for."""

    __tablename__ = "consent_change"
    __table_args__ = (Index("ix_consent_change_customer_at", "customer_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    field: str = Field(max_length=30, description="consent_sms, consent_email, consent_whatsapp or preferred_language")
    old_value: str | None = Field(default=None, max_length=20)
    new_value: str | None = Field(default=None, max_length=20)
    changed_at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="agent.id")
    actor_label: str = Field(max_length=120, description="the agent's e-mail, or 'system'")
    source: str = Field(max_length=20, description="agent, erasure or migration")



PINNED_NOTE_MAX = 300


class CustomerNote(SQLModel, table=True):
    """The customer's pinned note ("no calls on Sundays"), shown in the customer page's header: one per customer.

    Free text an agent wrote about the person: an erasure must clear it with the rest of their free text.
    """

    __tablename__ = "customer_note"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    text: str = Field(max_length=PINNED_NOTE_MAX)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="agent.id")


class CustomerNoteChange(SQLModel, table=True):
    """One edit of a pinned note: what it said afterwards (empty when cleared), who changed it and when."""

    __tablename__ = "customer_note_change"
    __table_args__ = (Index("ix_customer_note_change_customer_at", "customer_id", "changed_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    text: str = Field(max_length=PINNED_NOTE_MAX)
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by_id: int | None = Field(default=None, foreign_key="agent.id")


class CandidateStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    MERGED = "merged"


class DuplicateCandidate(SQLModel, table=True):
    """Two customers who may be one person (same phone or e-mail, or a similar name in the same PIN code area).

    The pair is stored lower row id first, once; a supervisor merges or dismisses it.
    """

    __tablename__ = "duplicate_candidate"
    __table_args__ = (UniqueConstraint("first_id", "second_id", name="ux_duplicate_candidate_pair"),
                      Index("ix_duplicate_candidate_status_found", "status", "found_at"))

    id: int | None = Field(default=None, primary_key=True)
    first_id: int = Field(foreign_key="customer.id")
    second_id: int = Field(foreign_key="customer.id", index=True)
    reasons: str = Field(max_length=40, description="comma-separated: phone, email, name")
    status: str = Field(default=CandidateStatus.OPEN, max_length=12)
    found_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    closed_by_id: int | None = Field(default=None, foreign_key="agent.id")


class CustomerMerge(SQLModel, table=True):
    """One merge of a customer into a survivor, with what it takes to undo it for MERGE_UNDO_DAYS days.

    `moved` maps each table to the row ids that moved to the survivor; `before` holds both customers' own fields
    as they were (points, consent, pinned note). Personal records are kept apart, encrypted, in the personal
    store's merge_snapshot.
    """

    __tablename__ = "customer_merge"
    __table_args__ = (Index("ix_customer_merge_survivor", "survivor_id", "merged_at"),
                      Index("ix_customer_merge_merged", "merged_id", "merged_at"))

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int = Field(foreign_key="customer.id")
    merged_id: int = Field(foreign_key="customer.id")
    merged_at: datetime = Field(default_factory=utcnow)
    merged_by_id: int | None = Field(default=None, foreign_key="agent.id")
    moved: str = Field(sa_column=Column(Text, nullable=False))
    before: str = Field(sa_column=Column(Text, nullable=False))
    undone_at: datetime | None = None
    undone_by_id: int | None = Field(default=None, foreign_key="agent.id")


MERGE_UNDO_DAYS = 30
