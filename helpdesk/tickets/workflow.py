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

# Warn this long before a target passes, so there is still time to act.
BREACH_WARNING = timedelta(hours=1)


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
) -> SlaState:
    """Where a ticket stands against its targets: breached, breaching within the hour, ok, or done (solved)."""
    if status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        return SlaState.DONE
    dues = [resolution_due]
    if first_responded_at is None:
        dues.append(first_response_due)
    dues = [due for due in dues if due is not None]
    if not dues:
        return SlaState.OK
    earliest = min(dues)
    if earliest <= now:
        return SlaState.BREACHED
    if earliest <= now + BREACH_WARNING:
        return SlaState.BREACHING
    return SlaState.OK
