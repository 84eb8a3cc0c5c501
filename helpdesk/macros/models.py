"""The macro table and its input model (validated before anything touches the table)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Text
from sqlmodel import Column, Field, SQLModel

from helpdesk.forms import limited_text, plain_text
from helpdesk.macros import placeholders
from helpdesk.tickets.models import BODY_MAX, TAGS_MAX, Priority, TicketStatus
from helpdesk.timeutil import utcnow

TITLE_MAX = 80
TAG_TEXT_MAX = 400


class Language(StrEnum):
    ENGLISH = "en"
    HINDI = "hi"


LANGUAGE_LABELS = {Language.ENGLISH: "English", Language.HINDI: "हिन्दी (Hindi)"}
# A reply can leave a ticket waiting on the customer, solve it, or reopen it; new and closed are not a reply's to set.
SETTABLE_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED)


class Macro(SQLModel, table=True):
    """A canned reply: its text (with placeholders) and what sending it also changes on the ticket."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TITLE_MAX, unique=True)
    language: str = Field(default=Language.ENGLISH, max_length=5)
    body: str = Field(sa_column=Column(Text, nullable=False))
    set_status: str | None = Field(default=None, max_length=20)
    set_priority: str | None = Field(default=None, max_length=20)
    # Tag names separated by commas, sorted: a handful per macro, read whole, never queried by tag.
    set_tags: str | None = Field(default=None, max_length=TAG_TEXT_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="agent.id")

    @property
    def tags(self) -> list[str]:
        return [name for name in (self.set_tags or "").split(",") if name]


class MacroInput(SQLModel):
    """What the supervisor's macro form sends."""

    title: str
    language: Language = Language.ENGLISH
    body: str
    set_status: TicketStatus | None = None
    set_priority: Priority | None = None
    set_tags: list[str] = []

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value):
        return limited_text(value, label="The title", max_length=TITLE_MAX)

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value):
        text = limited_text(value, label="The text", max_length=BODY_MAX)
        if wrong := placeholders.unknown(text):
            names = ", ".join("{{" + name + "}}" for name in wrong)
            raise ValueError(f"Unknown placeholder(s): {names}. Use only the placeholders listed below the text.")
        return text

    @field_validator("set_status", "set_priority", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if value in ("", None) else value

    @field_validator("set_status")
    @classmethod
    def _settable(cls, value):
        if value is not None and value not in SETTABLE_STATUSES:
            raise ValueError("A macro can set the status to open, pending or solved.")
        return value

    @field_validator("set_tags", mode="before")
    @classmethod
    def _tags(cls, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, (list, tuple)):
            raise ValueError("Tags are tag names separated by commas.")
        names = sorted({plain_text(name, label="A tag").strip().lower() for name in value} - {""})
        if len(names) > TAGS_MAX:
            raise ValueError(f"At most {TAGS_MAX} tags.")
        return names
