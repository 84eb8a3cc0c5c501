"""Ticket rules as pure functions: which status may follow which, and when SLA targets fall due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from helpdesk.tickets.models import TicketStatus

NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    TicketStatus.NEW: (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED),
    TicketStatus.OPEN: (TicketStatus.PENDING, TicketStatus.SOLVED),
    TicketStatus.PENDING: (TicketStatus.OPEN, TicketStatus.SOLVED),
    # A solved ticket reopens when the customer comes back; closing is final.
    TicketStatus.SOLVED: (TicketStatus.OPEN, TicketStatus.CLOSED),
    TicketStatus.CLOSED: (),
}

# Warn when a quarter of a target's time is left, and never earlier than an hour before it passes: an 8-hour
# target warns in its last hour, an urgent 30-minute first response in its last 7.5 minutes. (A fixed hour made
# every urgent ticket "breaching" the moment it opened.) The queue's SLA view applies the same rule in SQL.
WARNING_SHARE = 0.25
WARNING_CAP = timedelta(hours=1)


def can_change_status(current: str, new: str) -> bool:
    """True when `new` may follow `current`."""
    return new in NEXT_STATUSES.get(current, ())


@dataclass(frozen=True)
class SlaTargets:
    first_response_minutes: int
    resolution_minutes: int


def sla_due_times(opened_at: datetime, targets: SlaTargets) -> tuple[datetime, datetime]:
    """First-response and resolution due times for a ticket opened at `opened_at` (the desk runs around the clock)."""
    return (
        opened_at + timedelta(minutes=targets.first_response_minutes),
        opened_at + timedelta(minutes=targets.resolution_minutes),
    )


def warning_window(target: timedelta) -> timedelta:
    """How long before a target passes the desk warns: a quarter of the target, at most an hour."""
    return min(max(target, timedelta(0)) * WARNING_SHARE, WARNING_CAP)


def warns_from(due: datetime, opened_at: datetime | None) -> datetime:
    """When a target opened at `opened_at` and due at `due` starts to warn (unknown opening: the cap)."""
    if opened_at is None:
        return due - WARNING_CAP
    return due - warning_window(due - opened_at)


class SlaState(StrEnum):
    OK = "ok"
    BREACHING = "breaching"
    BREACHED = "breached"
    DONE = "done"


def sla_state(
    *,
    status: str,
    now: datetime,
    first_response_due: datetime | None,
    first_responded_at: datetime | None,
    resolution_due: datetime | None,
    opened_at: datetime | None = None,
) -> SlaState:
    """Where a ticket stands against its targets: breached, breaching (inside the warning window), ok, or done."""
    if status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        return SlaState.DONE
    dues = outstanding_dues(first_response_due=first_response_due, first_responded_at=first_responded_at,
                            resolution_due=resolution_due)
    if not dues:
        return SlaState.OK
    if min(dues) <= now:
        return SlaState.BREACHED
    if any(warns_from(due, opened_at) <= now for due in dues):
        return SlaState.BREACHING
    return SlaState.OK


def outstanding_dues(*, first_response_due: datetime | None, first_responded_at: datetime | None,
                     resolution_due: datetime | None) -> list[datetime]:
    """The targets still to meet: the resolution, and the first response until there is one."""
    dues = [resolution_due]
    if first_responded_at is None:
        dues.append(first_response_due)
    return [due for due in dues if due is not None]


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def due_label(due: datetime | None, now: datetime) -> str:
    """The next target in words, never by colour alone: "overdue 2 d", "due in 40 min"."""
    if due is None:
        return ""
    if due <= now:
        return f"overdue {_span(now - due)}"
    return f"due in {_span(due - now)}"
