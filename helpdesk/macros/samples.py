"""A few macros for the demo desk, in English and Hindi, so the reply box's picker has something to offer."""

from __future__ import annotations

from sqlmodel import Session, select

from helpdesk.macros.models import Macro, MacroInput
from helpdesk.macros.service import save_macro

SAMPLES = (
    MacroInput(title="Ask for photos of the fault", language="en", set_status="pending", body=(
        "Hello {{customer.first_name}},\n\nthank you for calling about your {{item.product}} (model {{item.model}}). "
        "Please reply with two or three photos of the fault so we can send the right engineer.\n\n"
        "{{agent.name}}, ticket {{ticket.number}}")),
    MacroInput(title="Warranty confirmed", language="en", body=(
        "Hello {{customer.first_name}}, your {{item.product}} is under warranty until {{item.warranty_end}}: "
        "the repair costs you nothing. — {{agent.name}}")),
    MacroInput(title="वारंटी की पुष्टि (Hindi)", language="hi", body=(
        "नमस्ते {{customer.first_name}} जी, आपके {{item.product}} (मॉडल {{item.model}}) की वारंटी {{item.warranty_end}} "
        "तक है, मरम्मत मुफ़्त होगी। टिकट: {{ticket.number}} — {{agent.name}}")),
    MacroInput(title="Solved: thank you", language="en", set_status="solved", body=(
        "Glad we could help, {{customer.first_name}}. If anything is still wrong, reply to this message and "
        "ticket {{ticket.number}} opens again. — {{agent.name}}")),
)


def add_samples(session: Session, *, agent_id: int | None = None) -> int:
    """Add the sample macros the desk does not have yet (by title); returns how many were added."""
    have = set(session.exec(select(Macro.title)).all())
    added = 0
    for sample in SAMPLES:
        if sample.title not in have:
            save_macro(session, data=sample, agent_id=agent_id)
            added += 1
    return added
