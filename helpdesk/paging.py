"""Paging long lists: the Page type, offset cursors, and the (time, id) keyset cursor the history uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

T = TypeVar("T")

# Offsets past this are not links we issued; refusing them keeps a forged cursor from asking for a huge scan.
MAX_OFFSET_DIGITS = 7


class InvalidCursor(ValueError):
    """A paging cursor that we did not issue."""


@dataclass
class Page(Generic[T]):
    """One page of a list; `next_cursor` fetches the page after it, None at the end."""

    items: list[T]
    next_cursor: str | None
    total: int | None = None


def parse_offset(cursor: str | None) -> int:
    """The offset in a 'show more' link's cursor (none means the first page)."""
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > MAX_OFFSET_DIGITS:
        raise InvalidCursor(cursor)
    return int(cursor)


def next_offset(offset: int, page_size: int, fetched: int) -> str | None:
    """The cursor after this page, when one more row than a page was fetched."""
    return str(offset + page_size) if fetched > page_size else None


def encode_keyset(created_at: datetime, row_id: int) -> str:
    """A cursor naming one row by (time, id): the next page starts just before it, whatever was added meanwhile."""
    micros = int(created_at.replace(tzinfo=created_at.tzinfo or UTC).timestamp() * 1_000_000)
    return f"{micros}-{row_id}"


def decode_keyset(cursor: str) -> tuple[datetime, int]:
    """(time, id) from a keyset cursor, or InvalidCursor."""
    micros, _, row_id = cursor.partition("-")
    if not (micros.isdigit() and row_id.isdigit()) or len(micros) > 17 or len(row_id) > 18:
        raise InvalidCursor(cursor)
    try:
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(row_id)
    except (ValueError, OverflowError, OSError):
        raise InvalidCursor(cursor) from None
