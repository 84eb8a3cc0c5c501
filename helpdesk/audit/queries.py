"""Reading the audit log: filters as typed on the page (checked, with messages), one page at a time, or all for a CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, select, tuple_
from sqlmodel import Session, col

from helpdesk import ids
from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.auth.models import Agent
from helpdesk.paging import Page, decode_keyset, encode_keyset
from helpdesk.timeutil import SHOP_TZ

PAGE_SIZE = 50
EXPORT_BATCH = 1_000
_E = AuditEntry.__table__


@dataclass
class AuditFilters:
    """Checked filters; `typed` keeps what was typed (the form shows it again), `errors` a message per field."""

    agent_id: int | None = None
    customer_code: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """The filters in words, for the export's own audit entry."""
        parts = [f"{name}={value}" for name, value in (
            ("agent", self.agent_id), ("customer", self.customer_code), ("action", self.action),
            ("from", self.date_from), ("to", self.date_to)) if value is not None]
        return ", ".join(parts) or "none"


def _date(text: str, label: str, errors: dict[str, str], key: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[key] = f"{label} is a date like 2026-12-31."
        return None


def parse_filters(*, agent: str = "", customer: str = "", action: str = "", date_from: str = "",
                  date_to: str = "") -> AuditFilters:
    """Filters from the page's query string; anything wrong gets a message beside its field and is left out."""
    typed = {"agent": agent, "customer": customer, "action": action, "date_from": date_from, "date_to": date_to}
    typed = {key: value.strip() for key, value in typed.items()}
    errors: dict[str, str] = {}
    filters = AuditFilters(typed=typed, errors=errors)
    if typed["agent"]:
        if typed["agent"].isdigit() and len(typed["agent"]) < 10:
            filters.agent_id = int(typed["agent"])
        else:
            errors["agent"] = "Choose an agent from the list."
    if typed["customer"]:
        try:
            filters.customer_code = ids.parse(typed["customer"])
        except ids.InvalidCustomerId as exc:
            errors["customer"] = f"That is not a valid customer ID. {exc.reason}"
    if typed["action"]:
        if typed["action"] in {a.value for a in AuditAction}:
            filters.action = typed["action"]
        else:
            errors["action"] = "Choose an action from the list."
    filters.date_from = _date(typed["date_from"], "From", errors, "date_from")
    filters.date_to = _date(typed["date_to"], "To", errors, "date_to")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = "To is before From."
        filters.date_to = None
    return filters


@dataclass
class AuditRow:
    id: int
    at: datetime
    actor_label: str
    action: str
    customer_code: str | None
    field: str | None
    reason: str | None
    reference: str | None
    client_address: str | None
    details: str | None


_COLUMNS = (_E.c.id, _E.c.at, _E.c.actor_label, _E.c.action, _E.c.customer_code, _E.c.field, _E.c.reason,
            _E.c.reference, _E.c.client_address, _E.c.details)
_BEFORE = tuple_(_E.c.at, _E.c.id) < tuple_(bindparam("before_at", type_=_E.c.at.type), bindparam("before_id"))


def _shop_midnight(day: date) -> datetime:
    """The start of a day in the shop's time zone: dates on the page are the dates agents saw."""
    return datetime.combine(day, time(), tzinfo=SHOP_TZ)


def _statement(filters: AuditFilters):
    statement = select(*_COLUMNS)
    if filters.agent_id is not None:
        statement = statement.where(_E.c.actor_id == filters.agent_id)
    if filters.customer_code is not None:
        statement = statement.where(_E.c.customer_code == filters.customer_code)
    if filters.action is not None:
        statement = statement.where(_E.c.action == filters.action)
    if filters.date_from is not None:
        statement = statement.where(_E.c.at >= _shop_midnight(filters.date_from))
    if filters.date_to is not None:
        statement = statement.where(_E.c.at < _shop_midnight(filters.date_to + timedelta(days=1)))
    return statement.order_by(_E.c.at.desc(), _E.c.id.desc())


def entries_page(session: Session, filters: AuditFilters, *, cursor: str | None = None,
                 size: int = PAGE_SIZE) -> Page[AuditRow]:
    """Newest first, one page; `cursor` (from the previous page) continues after it."""
    statement = _statement(filters)
    params: dict = {}
    if cursor:
        statement = statement.where(_BEFORE)
        params["before_at"], params["before_id"] = decode_keyset(cursor)
    rows = [AuditRow(*row) for row in session.execute(statement.limit(size + 1), params)]
    shown = rows[:size]
    next_cursor = encode_keyset(shown[-1].at, shown[-1].id) if len(rows) > size else None
    return Page(items=shown, next_cursor=next_cursor)


def all_entries(session: Session, filters: AuditFilters) -> Iterator[AuditRow]:
    """Every matching entry, newest first, read in batches (an export of a year's log stays in bounded memory)."""
    cursor = None
    while True:
        page = entries_page(session, filters, cursor=cursor, size=EXPORT_BATCH)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def agent_choices(session: Session) -> list[tuple[int, str]]:
    """Every agent (deactivated ones too: their entries stay), for the filter."""
    return [(row.id, f"{row.name} ({row.email})")
            for row in session.execute(select(Agent.id, Agent.name, Agent.email).order_by(col(Agent.name)))]
