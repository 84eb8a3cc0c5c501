"""The personal record, kept in its own store (own registry, metadata and database), linked by customer ID only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from helpdesk.timeutil import utcnow


class PersonalBase(SQLModel, registry=registry()):
    """Base for tables of the personal-data store; never joined with the main store."""


class PersonalRecord(PersonalBase, table=True):
    __tablename__ = "personal_record"

    customer_code: str = Field(primary_key=True, max_length=9)
    full_name: str = Field(max_length=120)
    phone: str | None = Field(default=None, max_length=16, index=True)
    alt_phone: str | None = Field(default=None, max_length=16, index=True)
    email: str | None = Field(default=None, max_length=254, index=True)
    address_line: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=80)
    state: str | None = Field(default=None, max_length=80)
    pin_code: str | None = Field(default=None, max_length=6)
    updated_at: datetime = Field(default_factory=utcnow)
