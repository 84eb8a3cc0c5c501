"""Tickets, their tags, and interactions (the customer's history)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlalchemy.orm import declared_attr
from sqlmodel import Column, Field, SQLModel

from helpdesk.timeutil import utcnow


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"
    CLOSED = "closed"


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    STORE = "store"


class InteractionKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    NOTE = "note"
    REPLY = "reply"
    STATUS_CHANGE = "status_change"
    # Priority, assignee, tag and satisfaction changes: recorded in the thread, not customer contact.
    EVENT = "event"


CONTACT_KINDS = (InteractionKind.CALL, InteractionKind.EMAIL, InteractionKind.NOTE, InteractionKind.REPLY)


class CallOutcome(StrEnum):
    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    CALLBACK = "callback"
    ESCALATED = "escalated"
    NO_ANSWER = "no_answer"


class Ticket(SQLModel, table=True):
    __table_args__ = (
        Index("ix_ticket_customer_updated", "customer_id", "updated_at"),
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
        Index("ix_ticket_status_updated", "status", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    customer_id: int = Field(foreign_key="customer.id")
    subject: str = Field(max_length=200)
    status: str = Field(default=TicketStatus.NEW, max_length=20)
    priority: str = Field(default=Priority.NORMAL, max_length=20)
    channel: str = Field(default=TicketChannel.PHONE, max_length=20)
    assignee_id: int | None = Field(default=None, foreign_key="agent.id")
    purchase_line_id: int | None = Field(default=None, foreign_key="purchase_line.id")
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, description="last activity")
    solved_at: datetime | None = None
    satisfaction_score: int | None = Field(default=None, ge=1, le=5)
    satisfaction_comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = Field(default=1, description="optimistic concurrency check")
    first_responded_at: datetime | None = None
    created_by_id: int | None = Field(default=None, foreign_key="agent.id")
    satisfaction_token_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True, index=True)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # SQLAlchemy refuses an UPDATE whose row changed since it was read (two agents, one ticket).
        return {"version_id_col": cls.__table__.c.version}


class Tag(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True)


class TicketTag(SQLModel, table=True):
    __tablename__ = "ticket_tag"
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)


class Interaction(SQLModel, table=True):
    __table_args__ = (
        Index("ix_interaction_customer_time", "customer_id", "created_at", "id"),
        Index("ix_interaction_ticket_time", "ticket_id", "created_at", "id"),
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
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class SlaPolicy(SQLModel, table=True):
    """Response and resolution targets per priority: the one place SLA numbers live."""

    __tablename__ = "sla_policy"

    priority: str = Field(primary_key=True, max_length=20)
    first_response_minutes: int = Field(gt=0)
    resolution_minutes: int = Field(gt=0)


class Counter(SQLModel, table=True):
    """Human-facing number sequences (tickets, claims per year)."""

    name: str = Field(primary_key=True, max_length=40)
    value: int = Field(default=0)
