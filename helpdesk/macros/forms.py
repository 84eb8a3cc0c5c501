"""Reading the macros a reply form carries (hidden `macro_id` fields, one per macro the agent inserted)."""

from __future__ import annotations

from typing import Any

from helpdesk.forms import DB_INT_MAX, InvalidInput


def macros_in(form: dict[str, Any]) -> list[int]:
    """The ids of the macros inserted into a reply, in the order inserted (repeats once); InvalidInput if forged."""
    values = form.get("macro_id") or []
    values = [values] if isinstance(values, str) else values
    if not isinstance(values, list):
        raise InvalidInput({"macro": "The macro choice was not understood; insert the macro again."})
    ids: list[int] = []
    for value in values:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            continue
        if not (text.isdigit() and 0 < int(text) <= DB_INT_MAX):
            raise InvalidInput({"macro": "The macro choice was not understood; insert the macro again."})
        if int(text) not in ids:
            ids.append(int(text))
    return ids
