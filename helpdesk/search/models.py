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


class SearchPurge(SQLModel, table=True):
    """A customer whose erased text must leave every index file: the indexer re-indexes their documents,
    rewrites the segments that held them and drops older generations, then deletes the row."""

    __tablename__ = "search_purge"

    id: int | None = Field(default=None, primary_key=True)
    customer_code: str = Field(max_length=9)
    requested_at: datetime = Field(default_factory=utcnow)
