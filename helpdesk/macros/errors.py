"""What can go wrong with macros, as domain errors (mapped to responses in helpdesk/errors.py)."""

from __future__ import annotations

from helpdesk.forms import InvalidInput


class MacroNotFound(LookupError):
    def __init__(self, macro_id: int) -> None:
        super().__init__(f"There is no macro {macro_id}.")
        self.macro_id = macro_id


class MacroInvalid(InvalidInput):
    """A macro that breaks a rule the input model cannot check alone (a taken title, an unknown tag)."""
