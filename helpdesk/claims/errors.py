"""What can go wrong with a claim, as domain errors (mapped to responses in helpdesk/errors.py)."""

from __future__ import annotations

from helpdesk.forms import InvalidInput


class ClaimNotFound(LookupError):
    def __init__(self, number: str) -> None:
        super().__init__(f"There is no warranty claim {number}.")
        self.number = number


class ClaimInvalid(InvalidInput):
    """Input that breaks a claim rule."""


class ClaimForbidden(PermissionError):
    """The agent's role may not make this decision."""


class ClaimChanged(RuntimeError):
    """Someone else moved the claim on after this agent loaded it."""
