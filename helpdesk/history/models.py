"""History entries (interactions): the table, its kinds and call outcomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from helpdesk.timeutil import utcnow


class InteractionKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    NOTE = "note"
    REPLY = "reply"
    STATUS_CHANGE = "status_change"
    # Priority, assignee, tag and satisfaction changes: recorded in the thread, not customer contact.
    EVENT = "event"


class CallOutcome(StrEnum):
    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    CALLBACK = "callback"
    ESCALATED = "escalated"
    NO_ANSWER = "no_answer"


class Interaction(SQLModel, table=True):
    """One entry of a customer's history. Written only by helpdesk.history.service."""

    __table_args__ = (
        Index("ix_interaction_customer_time", "customer_id", "created_at", "id"),
        Index("ix_interaction_ticket_time", "ticket_id", "created_at", "id"),
        Index("ux_interaction_idempotency", "idempotency_scope", "idempotency_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    kind: str = Field(max_length=20)
    channel: str | None = Field(default=None, max_length=20)
    author_id: int | None = Field(default=None, foreign_key="agent.id")
    summary: str | None = Field(default=None, max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    outcome: str | None = Field(default=None, max_length=20)
    idempotency_key: str | None = Field(default=None, max_length=64)
    # Who sent the key (agent:<id>, token:<id>, customer:<id>): keys are unique per sender, never across senders.
    idempotency_scope: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
