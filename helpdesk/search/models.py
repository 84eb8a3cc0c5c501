"""The search change log: written in the same transaction as the text it points at, followed by every machine's indexer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from helpdesk.timeutil import utcnow


class DocType(StrEnum):
    INTERACTION = "interaction"
    TICKET = "ticket"
    CLAIM = "claim"


class SearchOutbox(SQLModel, table=True):
    """One change to a searchable document. Ids only grow (AUTOINCREMENT on SQLite, a sequence on PostgreSQL)."""

    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_created", "created_at"), {"sqlite_autoincrement": True})

    # BigInteger on PostgreSQL; on SQLite an INTEGER PRIMARY KEY is the rowid (AUTOINCREMENT needs that exact type).
    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"),
                                                          primary_key=True))
    doc_type: str = Field(max_length=20)
    doc_id: int
    created_at: datetime = Field(default_factory=utcnow)


class SearchReader(SQLModel, table=True):
    """Where one machine's index has got to in the log (its heartbeat too): pruning waits for the slowest live one."""

    __tablename__ = "search_reader"

    machine_id: str = Field(primary_key=True, max_length=64)
    label: str = Field(max_length=200, description="host and index directory, for people")
    generation: str = Field(max_length=20)
    position: int = Field(sa_column=Column(BigInteger, nullable=False))
    oldest_gap: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)


class SearchLogState(SQLModel, table=True):
    """One row: the log has been pruned up to this id (a cursor behind it must rebuild from a snapshot)."""

    __tablename__ = "search_log_state"

    id: int = Field(default=1, primary_key=True)
    pruned_through: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
class SearchPurge(SQLModel, table=True):
    """A customer whose erased text must leave every index file: the indexer re-indexes their documents,
    rewrites the segments that held them and drops older generations, then deletes the row."""

    __tablename__ = "search_purge"

    id: int | None = Field(default=None, primary_key=True)
    customer_code: str = Field(max_length=9)
    requested_at: datetime = Field(default_factory=utcnow)
