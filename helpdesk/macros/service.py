"""Macro rules: keep the list, fill a macro in for a ticket, and send a reply with what the macro also sets."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from helpdesk.auth.models import Agent
from helpdesk.customers.models import Customer
from helpdesk.history.models import Interaction
from helpdesk.macros import placeholders
from helpdesk.macros.errors import MacroInvalid, MacroNotFound
from helpdesk.macros.models import Macro, MacroInput
from helpdesk.privacy import store as personal
from helpdesk.sales.queries import item_warranty
from helpdesk.templating import format_date
from helpdesk.tickets import properties
from helpdesk.tickets import service as tickets
from helpdesk.tickets.models import MessageCreate, Tag, Ticket, TicketUpdate
from helpdesk.timeutil import utcnow


def list_macros(session: Session) -> list[Macro]:
    """Every macro, by title."""
    return list(session.exec(select(Macro).order_by(Macro.title)).all())


def get_macro(session: Session, macro_id: int) -> Macro:
    """The macro with this id, or MacroNotFound."""
    macro = session.get(Macro, macro_id)
    if macro is None:
        raise MacroNotFound(macro_id)
    return macro


def _unknown_tags(session: Session, names: list[str]) -> list[str]:
    known = set(session.exec(select(Tag.name).where(col(Tag.name).in_(names))).all()) if names else set()
    return [name for name in names if name not in known]


def save_macro(session: Session, *, data: MacroInput, agent_id: int | None, macro: Macro | None = None) -> Macro:
    """Create a macro (or change `macro`) and commit; refused when the title is taken or a tag is unknown."""
    errors = {}
    taken = session.exec(select(Macro.id).where(Macro.title == data.title)).first()
    if taken is not None and (macro is None or taken != macro.id):
        errors["title"] = "Another macro has this title; choose a different one."
    if unknown := _unknown_tags(session, data.set_tags):
        errors["set_tags"] = f"Unknown tag(s): {', '.join(unknown)}. Choose from the tag list."
    if errors:
        raise MacroInvalid(errors)
    macro = macro or Macro(title=data.title, body=data.body)
    macro.title, macro.language, macro.body = data.title, data.language, data.body
    macro.set_status, macro.set_priority = data.set_status, data.set_priority
    macro.set_tags = ",".join(data.set_tags) or None
    macro.updated_at, macro.updated_by_id = utcnow(), agent_id
    session.add(macro)
    session.commit()
    session.refresh(macro)
    return macro


def delete_macro(session: Session, *, macro: Macro) -> None:
    """Remove the macro (replies already sent with it keep their text) and commit."""
    session.delete(macro)
    session.commit()


def fill_values(session: Session, *, ticket: Ticket, agent_id: int, today: date) -> placeholders.FillValues:
    """What this ticket gives the placeholders; the customer's name comes from the personal store."""
    customer = session.get(Customer, ticket.customer_id)
    record = personal.read(session, customer.code)
    agent_name = session.exec(select(Agent.name).where(Agent.id == agent_id)).first()
    item = item_warranty(session, ticket.purchase_line_id, today=today)
    return placeholders.FillValues(
        first_name=placeholders.first_name(record.full_name if record else None), ticket_number=ticket.number,
        agent_name=agent_name, product=item.product_name if item else None, model=item.model_number if item else None,
        warranty_end=format_date(item.warranty_last_day) if item else None,
    )


def filled_text(session: Session, *, macro: Macro, ticket: Ticket, agent_id: int, today: date) -> str:
    """The macro's text for this ticket, placeholders filled (plain text; pages escape it)."""
    return placeholders.fill(macro.body, fill_values(session, ticket=ticket, agent_id=agent_id, today=today))


MACROS_PER_REPLY = 5


def reply_with_macros(session: Session, *, ticket: Ticket, data: MessageCreate, macro_ids: list[int], agent_id: int,
                      version: int | None) -> Interaction:
    """Add the reply, then apply what its macros set, each change recorded in the thread by the ticket services.

    With several macros in one reply, the last one that sets a status (or priority) wins and their tags add up.
    The status goes with the message itself (unless the agent chose one); priority and tags follow as a property
    change, so each shows in the thread and the ticket is queued for the search index again.
    """
    if len(macro_ids) > MACROS_PER_REPLY:
        raise MacroInvalid({"macro": f"At most {MACROS_PER_REPLY} macros in one reply."})
    found = {macro.id: macro for macro in session.exec(select(Macro).where(col(Macro.id).in_(macro_ids))).all()}
    if missing := [macro_id for macro_id in macro_ids if macro_id not in found]:
        raise MacroInvalid({"macro": f"{len(missing)} of the macros in the reply was deleted meanwhile; the text stays: "
                                     "send it without the macro (clear the choice) or insert another."})
    macros = [found[macro_id] for macro_id in macro_ids]
    tags = sorted({tag for macro in macros for tag in macro.tags})
    if unknown := _unknown_tags(session, tags):
        raise MacroInvalid({"macro": f"A macro names tag(s) that no longer exist: {', '.join(unknown)}."})
    status = next((macro.set_status for macro in reversed(macros) if macro.set_status), None)
    priority = next((macro.set_priority for macro in reversed(macros) if macro.set_priority), None)
    if data.status is None and status and status != ticket.status:
        data = data.model_copy(update={"status": status})
    entry = tickets.add_message(session, ticket=ticket, data=data, agent_id=agent_id, version=version)
    session.refresh(ticket)
    wanted_tags = sorted(set(properties.ticket_tags(session, ticket.id)) | set(tags)) if tags else None
    if priority or wanted_tags is not None:
        properties.update_ticket(session, ticket=ticket, agent_id=agent_id,
                                 data=TicketUpdate(version=ticket.version, priority=priority, tags=wanted_tags))
    return entry
