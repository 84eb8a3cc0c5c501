"""Tickets, their tags, SLA policy and number counters, and the input models for working them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlalchemy.orm import declared_attr
from pydantic import field_validator
from sqlmodel import Column, Field, SQLModel

from helpdesk.forms import IdempotencyKey, RowId, Version, limited_text, not_a_bool, plain_text
from helpdesk.history.models import CallOutcome, InteractionKind
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


class Ticket(SQLModel, table=True):
    __table_args__ = (
        Index("ix_ticket_customer_updated", "customer_id", "updated_at"),
        Index("ix_ticket_status_updated", "status", "updated_at"),
        # The queues: each view filters on these and sorts by due time or last activity, 50 at a time.
        Index("ix_ticket_status_due", "status", "resolution_due", "id"),
        Index("ix_ticket_assignee_status_priority_due", "assignee_id", "status", "priority", "resolution_due", "id"),
        Index("ix_ticket_assignee_status_updated", "assignee_id", "status", "updated_at", "id"),
        Index("ux_ticket_idempotency", "idempotency_scope", "idempotency_key", unique=True),
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
    idempotency_key: str | None = Field(default=None, max_length=64)
    # Who sent the key (agent:<id>, token:<id>, customer:<id>): keys are unique per sender, never across senders.
    idempotency_scope: str | None = Field(default=None, max_length=80)
    # Set when this ticket was merged into another: the page links there, and the ticket is closed.
    merged_into_id: int | None = Field(default=None, foreign_key="ticket.id")

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


# --- input models: validated before anything touches a table --------------------------------------

SUBJECT_MAX = 200
BODY_MAX = 10_000
SUMMARY_MAX = 200
COMMENT_MAX = 2_000
TAGS_MAX = 10


class TicketCreate(SQLModel):
    """A new ticket: from the customer page, the API, or a logged call."""

    subject: str
    body: str
    channel: TicketChannel = TicketChannel.PHONE
    priority: Priority = Priority.NORMAL
    purchase_line_id: RowId | None = None
    idempotency_key: IdempotencyKey = None

    @field_validator("subject", mode="before")
    @classmethod
    def _subject(cls, value: str | None) -> str:
        return limited_text(value, label="The subject", max_length=SUBJECT_MAX)

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value: str | None) -> str:
        return limited_text(value, label="The first message", max_length=BODY_MAX)

    @field_validator("purchase_line_id", mode="before")
    @classmethod
    def _line(cls, value):
        if value in ("", None):
            return None
        if not (str(value).strip().isdigit() and len(str(value).strip()) < 19):
            raise ValueError("Choose one of the customer's items.")
        return value


class CallLog(SQLModel):
    """A call logged from the customer page, optionally attached to a ticket or opening one."""

    summary: str
    body: str = ""
    outcome: CallOutcome = CallOutcome.RESOLVED
    ticket_number: str | None = None
    open_ticket: bool = False
    priority: Priority = Priority.NORMAL
    idempotency_key: IdempotencyKey = None

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, value: str | None) -> str:
        return limited_text(value, label="The summary", max_length=SUMMARY_MAX)

    @field_validator("outcome", mode="before")
    @classmethod
    def _outcome(cls, value):
        # The form offers no default: "Resolved" preselected was logged on calls that resolved nothing.
        if value == "":
            raise ValueError("Choose how the call ended.")
        return value

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value: str | None) -> str:
        return limited_text(value, label="The notes", max_length=BODY_MAX, required=False)

    @field_validator("ticket_number", mode="before")
    @classmethod
    def _ticket(cls, value: str | None) -> str | None:
        return plain_text(value, label="The ticket number").strip().upper() or None


class MessageCreate(SQLModel):
    """A reply, internal note or call added to a ticket's thread."""

    kind: InteractionKind = InteractionKind.REPLY
    body: str
    status: TicketStatus | None = None
    idempotency_key: IdempotencyKey = None

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value: str | None) -> str:
        return limited_text(value, label="The message", max_length=BODY_MAX)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: InteractionKind) -> InteractionKind:
        if value not in (InteractionKind.REPLY, InteractionKind.NOTE, InteractionKind.CALL, InteractionKind.EMAIL):
            raise ValueError("Only replies, internal notes, calls and e-mails can be added.")
        return value

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value):
        return None if value in ("", None) else value


class TicketUpdate(SQLModel):
    """Property changes to a ticket; `version` is what the agent saw, to refuse stale saves."""

    version: Version
    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee_id: RowId | None = None
    unassign: bool = False
    tags: list[str] | None = None
    satisfaction_score: int | None = Field(default=None, ge=1, le=5)
    satisfaction_comment: str | None = None

    @classmethod
    def from_form(cls, form: dict) -> TicketUpdate:
        """The ticket page's properties form as a browser sends it.

        "(nobody)" arrives as an empty assignee and means unassign; unticking every tag sends no `tags` at all
        (hence the `tags_present` marker); tags typed into the picker's box come as `tags_add`.
        """
        data = {key: value for key, value in form.items() if key not in ("tags", "tags_add", "tags_present")}
        if form.get("assignee_id") == "":
            data["unassign"] = True
        if "tags_present" in form or "tags" in form or "tags_add" in form:
            ticked = form.get("tags") or []
            ticked = [ticked] if isinstance(ticked, str) else list(ticked)
            typed = form.get("tags_add") or ""
            typed = typed.split(",") if isinstance(typed, str) else [part for text in typed for part in str(text).split(",")]
            data["tags"] = [*ticked, *typed]
        return cls.model_validate(data)

    @field_validator("status", "priority", "assignee_id", "satisfaction_score", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if value == "" else value

    @field_validator("assignee_id", mode="before")
    @classmethod
    def _assignee(cls, value):
        # Not an id from the list (a database integer has at most 19 digits): a message, never a server error.
        if value in ("", None):
            return None
        if not (str(value).strip().isdigit() and len(str(value).strip()) < 19):
            raise ValueError("Choose an agent from the list.")
        return value
    @field_validator("satisfaction_score", mode="before")
    @classmethod
    def _score(cls, value):
        return not_a_bool(value)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, (list, tuple)):
            raise ValueError("Tags are a list of tag names.")
        names = sorted({plain_text(name, label="A tag").strip().lower() for name in value} - {""})
        if len(names) > TAGS_MAX:
            raise ValueError(f"At most {TAGS_MAX} tags.")
        return names

    @field_validator("satisfaction_comment", mode="before")
    @classmethod
    def _comment(cls, value: str | None) -> str | None:
        return limited_text(value, label="The comment", max_length=COMMENT_MAX, required=False) or None
