"""The neutral customer record: no personal data lives here (that is in helpdesk.privacy)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
