"""The neutral customer record: no personal data lives here (that is in helpdesk.privacy)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

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
    consent_marketing: bool = Field(default=False)
    consent_sms: bool = Field(default=False)


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
