"""The search outbox: written in the same transaction as the text it points at, consumed by the indexer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from helpdesk.timeutil import utcnow


class DocType(StrEnum):
    INTERACTION = "interaction"
    TICKET = "ticket"
    CLAIM = "claim"


class SearchOutbox(SQLModel, table=True):
    __tablename__ = "search_outbox"

    id: int | None = Field(default=None, primary_key=True)
    doc_type: str = Field(max_length=20)
    doc_id: int
    created_at: datetime = Field(default_factory=utcnow)
