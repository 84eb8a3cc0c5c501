"""One row per throttled subject: an account, a client address, a customer ID on the public page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class Throttle(SQLModel, table=True):
    """Failed tries of one subject in its current window, and how long it is locked.

    In the database, not in process memory: several workers (and later several machines) must see one count.
    """

    __tablename__ = "throttle"
    __table_args__ = (Index("ix_throttle_window_start", "window_start"),)

    key: str = Field(primary_key=True, max_length=120, description="<limit>:<subject>, e.g. sign-in-client:10.0.0.7")
    window_start: datetime = Field(description="UTC; the window's first counted try")
    failures: int = Field(default=0, ge=0)
    locked_until: datetime | None = Field(default=None, description="UTC; refused without a check until then")
