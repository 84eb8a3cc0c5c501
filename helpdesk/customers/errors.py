"""What can go wrong finding a customer, as domain errors (mapped to responses in helpdesk/errors.py)."""

from __future__ import annotations

from helpdesk import ids
from helpdesk.forms import InvalidInput


class CustomerNotFound(LookupError):
    """A well-formed customer ID that no customer has."""

    def __init__(self, code: str) -> None:
        super().__init__(f"No customer has the ID {ids.format_grouped(code)}.")
        self.code = code


class PinnedNoteRefused(InvalidInput):
    """A pinned note that is too long, or was changed by someone else since the agent opened it."""


class MergeRefused(InvalidInput):
    """A merge or an undo that cannot be done: same customer, already merged, too late, or changed since."""


class CustomerMerged(LookupError):
    """The customer was merged into another: their ID leads to the survivor."""

    def __init__(self, code: str, survivor_code: str) -> None:
        super().__init__(f"Customer {ids.format_grouped(code)} was merged into {ids.format_grouped(survivor_code)}.")
        self.code = code
        self.survivor_code = survivor_code


class MergeNotFound(LookupError):
    """No merge has this number."""
