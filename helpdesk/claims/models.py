"""Warranty claims and their photos."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, Text, text
from pydantic import field_validator
from sqlmodel import Column, Field, SQLModel

from helpdesk.forms import IdempotencyKey, RowId, limited_text
from helpdesk.i18n.text import Translatable
from helpdesk.timeutil import utcnow


class ClaimStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_REPAIR = "in_repair"
    REPLACED = "replaced"
    REFUNDED = "refunded"
    CLOSED = "closed"


class Eligibility(StrEnum):
    IN_WARRANTY = "in_warranty"
    EXPIRED = "expired"
    DUPLICATE = "duplicate"
    RETURNED = "returned"  # decided at filing only: the item went back to the shop, so no claim is filed


class Remedy(StrEnum):
    REPAIR = "repair"
    REPLACE = "replace"
    REFUND = "refund"


# Keep in step with claims.rules.OPEN_CLAIM_STATUSES (a test checks they agree).
_OPEN_SQL = "status IN ('submitted', 'in_review', 'approved', 'in_repair')"


class WarrantyClaim(SQLModel, table=True):
    __tablename__ = "warranty_claim"
    __table_args__ = (
        Index("ix_claim_customer_filed", "customer_id", "filed_at"),
        Index("ix_claim_status_filed", "status", "filed_at"),
        # One open claim per item, enforced by the database (two simultaneous filings cannot both pass).
        Index("uq_claim_open_per_line", "purchase_line_id", unique=True, sqlite_where=text(_OPEN_SQL),
              postgresql_where=text(_OPEN_SQL)),
        Index("ux_warranty_claim_idempotency", "idempotency_scope", "idempotency_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    customer_id: int = Field(foreign_key="customer.id")
    purchase_line_id: int = Field(foreign_key="purchase_line.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    fault_category: str = Field(max_length=60)
    description: str = Field(sa_column=Column(Text, nullable=False))
    remedy: str = Field(default=Remedy.REPAIR, max_length=20)
    status: str = Field(default=ClaimStatus.SUBMITTED, max_length=20)
    eligibility: str = Field(max_length=20)
    preferred_contact_time: str | None = Field(default=None, max_length=80)
    filed_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    filed_via: str = Field(default="agent", max_length=20, description="agent or self_service",
                           sa_column_kwargs={"server_default": "agent"})
    filed_by_id: int | None = Field(default=None, foreign_key="agent.id")
    # The agents' own reason for the latest move: internal, never shown to the customer.
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # A rejection's reason as written for the customer: the only decision text their status page shows.
    customer_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The customer's status link carries a random token; only its hash is kept.
    status_token_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    idempotency_key: str | None = Field(default=None, max_length=64)
    # Who sent the key (agent:<id>, token:<id>, customer:<id>): keys are unique per sender, never across senders.
    idempotency_scope: str | None = Field(default=None, max_length=80)


class ClaimPhoto(SQLModel, table=True):
    __tablename__ = "claim_photo"
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="warranty_claim.id", index=True)
    stored_name: str = Field(max_length=80, unique=True)
    content_type: str = Field(max_length=40)
    size_bytes: int = Field(ge=0)
    created_at: datetime = Field(default_factory=utcnow)


class ClaimPhotoContent(SQLModel, table=True):
    """A claim photo's bytes, in the database so every machine serves every photo (no per-machine upload folder).

    Apart from claim_photo so listing a claim's photos never reads their content; written in the same transaction
    as the claim, so a claim that failed to file leaves no photo behind.
    """

    __tablename__ = "claim_photo_content"

    photo_id: int = Field(primary_key=True, foreign_key="claim_photo.id")
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


# --- input models ---------------------------------------------------------------------------------

DESCRIPTION_MAX = 5_000
CONTACT_TIME_MAX = 80
REASON_MAX = 1_000


class ClaimCreate(SQLModel):
    """A claim as filed by an agent, the public page or the API (photos travel separately)."""

    purchase_line_id: RowId
    fault_category: str
    description: str
    remedy: Remedy = Remedy.REPAIR
    preferred_contact_time: str | None = None
    idempotency_key: IdempotencyKey = None

    @field_validator("purchase_line_id", mode="before")
    @classmethod
    def _line(cls, value):
        if value in (None, ""):
            raise ValueError(Translatable("Choose the item the claim is about."))
        if not (str(value).strip().isdigit() and len(str(value).strip()) < 19):
            # Not an id we could have listed (a database integer is at most 19 digits): never a server error.
            raise ValueError(Translatable("Choose one of the items listed."))
        return value

    @field_validator("fault_category", mode="before")
    @classmethod
    def _fault(cls, value: str | None) -> str:
        return limited_text(value, label=Translatable("The fault category"), max_length=60)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: str | None) -> str:
        return limited_text(value, label=Translatable("The description"), max_length=DESCRIPTION_MAX)

    @field_validator("preferred_contact_time", mode="before")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        return limited_text(value, label=Translatable("The contact time"), max_length=CONTACT_TIME_MAX, required=False) or None


class ClaimStatusChange(SQLModel):
    """Moving a claim on; `current` is the status the agent saw, so two agents cannot both move it.

    Two texts, kept apart so an internal remark can never reach the customer: `reason` is the agents' internal note;
    `customer_reason` explains a rejection to the customer (their status page shows it) and goes with nothing else.
    """

    status: ClaimStatus
    current: ClaimStatus | None = None
    reason: str | None = None
    customer_reason: str | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: str | None) -> str | None:
        return limited_text(value, label="The internal note", max_length=REASON_MAX, required=False) or None

    @field_validator("customer_reason", mode="before")
    @classmethod
    def _customer_reason(cls, value: str | None) -> str | None:
        return limited_text(value, label="The reason for the customer", max_length=REASON_MAX, required=False) or None

    @field_validator("current", mode="before")
    @classmethod
    def _blank(cls, value):
        return None if value == "" else value
