"""What can go wrong working a ticket, as domain errors (mapped to responses in helpdesk/errors.py)."""

from __future__ import annotations

from helpdesk.forms import InvalidInput


class TicketNotFound(LookupError):
    def __init__(self, number: str) -> None:
        super().__init__(f"There is no ticket {number}.")
        self.number = number


class TicketInvalid(InvalidInput):
    """Input that breaks a ticket rule."""


class StaleTicket(RuntimeError):
    """Someone else changed the ticket after this agent loaded it."""

    def __init__(self, number: str) -> None:
        super().__init__(
            f"{number} was changed by someone else while you were editing. Your change was not saved; "
            "the ticket below shows its current state."
        )
        self.number = number
