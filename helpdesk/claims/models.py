"""Warranty claims and their photos."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

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


class Remedy(StrEnum):
    REPAIR = "repair"
    REPLACE = "replace"
    REFUND = "refund"


class WarrantyClaim(SQLModel, table=True):
    __tablename__ = "warranty_claim"
    __table_args__ = (
        Index("ix_claim_customer_filed", "customer_id", "filed_at"),
        Index("ix_claim_status_filed", "status", "filed_at"),
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


class ClaimPhoto(SQLModel, table=True):
    __tablename__ = "claim_photo"
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="warranty_claim.id", index=True)
    stored_name: str = Field(max_length=80, unique=True)
    content_type: str = Field(max_length=40)
    size_bytes: int = Field(ge=0)
    created_at: datetime = Field(default_factory=utcnow)
