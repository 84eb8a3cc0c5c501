"""Human-facing numbers (T-000123, W-2026-000123) from counters that survive concurrent writers."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from helpdesk.tickets.models import Counter


def next_value(session: Session, name: str, *, start_after: Callable[[], int]) -> int:
    """Increment and return the named counter inside the caller's transaction.

    A missing counter starts after `start_after()` (for example the highest number already loaded
    by an import), so numbers never repeat. The UPDATE holds the row lock until commit. The first use
    is an upsert: two transactions creating the same counter at once (the first claim of a new year on
    PostgreSQL) both get a number, one after the other, instead of a duplicate-key error.
    """
    result = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).first()
    if result is not None:
        return result[0]
    insert = postgresql.insert if session.get_bind(clause=update(Counter)).dialect.name == "postgresql" else sqlite.insert
    statement = insert(Counter).values(name=name, value=start_after() + 1)
    statement = statement.on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + 1})
    return session.execute(statement.returning(Counter.value)).scalar_one()


def highest_suffix(session: Session, column, prefix: str) -> int:
    """The largest number after `prefix` among existing values of `column` (e.g. T-000123 → 123)."""
    values = session.exec(select(column).where(column.startswith(prefix)).order_by(func.length(column).desc(), column.desc()).limit(1)).first()
    if not values:
        return 0
    digits = values[len(prefix):]
    return int(digits) if digits.isdigit() else 0
