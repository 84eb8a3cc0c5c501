"""Audit entries: one row per audited act, never updated or deleted (database triggers refuse both)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from helpdesk.timeutil import utcnow


class AuditAction(StrEnum):
    """What was done. New acts get a name here, so the audit page's filter can offer them all."""

    REVEAL = "reveal"                      # personal data shown unmasked, with a reason
    CONTACT_CHANGE = "contact_change"      # contact details or consent changed (before/after masked)
    EXPORT = "export"                      # a privacy export, or a report/CSV export
    ERASE = "erase"                        # a customer's personal data erased
    MERGE = "merge"                        # two customers merged or unmerged
    AGENT_CHANGE = "agent_change"          # an agent created, role changed, deactivated, password reset
    TOKEN_CHANGE = "token_change"          # an API token created or revoked
    KEY_CHANGE = "key_change"              # personal-data keys rotated or retired
    SELF_SERVICE_LOCK = "self_service_lock"  # a customer ID locked for the day on the public page
    SIGN_IN_LOCK = "sign_in_lock"          # sign-in throttled for an account or client
    TIER_OVERRIDE = "tier_override"        # a supervisor set a customer's tier by hand


class AuditEntry(SQLModel, table=True):
    """One audited act. `details` is a short text for people; it never holds a personal value, only masked ones."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_at", "at", "id"),
        Index("ix_audit_entry_customer_at", "customer_code", "at"),
        Index("ix_audit_entry_actor_at", "actor_id", "at"),
        Index("ix_audit_entry_action_at", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, description="UTC")
    actor_id: int | None = Field(default=None, foreign_key="agent.id", description="the agent; none for the public or a system job")
    actor_label: str = Field(max_length=120, description="who, as shown: the agent's e-mail, 'token:NAME', 'public', 'system'")
    action: str = Field(max_length=40)
    customer_code: str | None = Field(default=None, max_length=9)
    field: str | None = Field(default=None, max_length=40, description="the personal field concerned, if one")
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reference: str | None = Field(default=None, max_length=40, description="the ticket or claim it was for")
    client_address: str | None = Field(default=None, max_length=64)
    details: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
