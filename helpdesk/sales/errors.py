"""What the POS services refuse: invalid input (422, a message per field) and a clashing order (409)."""

from __future__ import annotations


class PosInvalid(ValueError):
    """The push breaks a rule only the desk can check (unknown SKU, totals, over-return, balance): 422."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("The request is not valid: " + " ".join(errors.values()))
        self.errors = errors


class PosConflict(ValueError):
    """An order number already recorded with different content: 409."""
