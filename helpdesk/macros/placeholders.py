"""The placeholders a macro may use, and filling them in for one ticket (pure functions, no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# {{customer.first_name}}, with or without spaces inside the braces; a name is letters, digits, dots, underscores.
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")

# Each placeholder and what the macro form says about it (the form lists them all, in this order).
PLACEHOLDERS: dict[str, str] = {
    "customer.first_name": "the customer's first name",
    "ticket.number": "the ticket number, e.g. T-000123",
    "agent.name": "your name (the agent sending the reply)",
    "item.product": "the product of the ticket's item",
    "item.model": "the model number of the ticket's item",
    "item.warranty_end": "the last day of the item's warranty",
}
# What a placeholder becomes when the ticket has nothing for it (no item, no name on file): readable, never blank.
MISSING = "—"


@dataclass(frozen=True)
class FillValues:
    """The values one ticket gives the placeholders; None where it has none."""

    first_name: str | None
    ticket_number: str
    agent_name: str | None
    product: str | None = None
    model: str | None = None
    warranty_end: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"customer.first_name": self.first_name, "ticket.number": self.ticket_number,
                "agent.name": self.agent_name, "item.product": self.product, "item.model": self.model,
                "item.warranty_end": self.warranty_end}


def used(text: str) -> list[str]:
    """The placeholder names in `text`, in order of first use."""
    return list(dict.fromkeys(match.group(1) for match in _PLACEHOLDER.finditer(text)))


def unknown(text: str) -> list[str]:
    """The placeholders in `text` that the desk cannot fill (a typo would otherwise reach the customer)."""
    return [name for name in used(text) if name not in PLACEHOLDERS]


def first_name(full_name: str | None) -> str | None:
    """The first word of a full name ("Priya Sharma" -> "Priya", "प्रिया शर्मा" -> "प्रिया")."""
    words = (full_name or "").split()
    return words[0] if words else None


def fill(text: str, values: FillValues) -> str:
    """The text with every placeholder replaced by its value (plain text: the page escapes it when shown)."""
    known = values.as_dict()
    return _PLACEHOLDER.sub(lambda match: known.get(match.group(1)) or MISSING, text)
