"""The customer's pinned note: set, change or clear it, keeping every change with who made it and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from helpdesk.auth.models import Agent
from helpdesk.customers.errors import PinnedNoteRefused
from helpdesk.customers.models import PINNED_NOTE_MAX, Customer, CustomerNote, CustomerNoteChange
from helpdesk.forms import limited_text
from helpdesk.timeutil import utcnow

HISTORY_SHOWN = 10


def set_pinned_note(session: Session, *, customer: Customer, text: str, previous: str | None,
                    agent_id: int) -> CustomerNote | None:
    """Pin `text` on the customer (empty clears it); refused if someone changed the note since `previous` was read."""
    try:
        text = limited_text(text, label="The note", max_length=PINNED_NOTE_MAX, required=False)
    except ValueError as exc:
        raise PinnedNoteRefused({"note": str(exc)}) from None
    note = session.get(CustomerNote, customer.id)
    current = note.text if note else ""
    if text == current:
        return note
    if previous is not None and previous.strip() != current:
        raise PinnedNoteRefused({"note": "Someone else changed this note while you were editing it; it now reads "
                                         "as shown. Your text is below: save it again to replace theirs."})
    now = utcnow()
    if not text:
        session.delete(note)
        note = None
    elif note is None:
        note = CustomerNote(customer_id=customer.id, text=text, updated_at=now, updated_by_id=agent_id)
    else:
        note.text, note.updated_at, note.updated_by_id = text, now, agent_id
    if note is not None:
        session.add(note)
    session.add(CustomerNoteChange(customer_id=customer.id, text=text, changed_at=now, changed_by_id=agent_id))
    session.commit()
    return note


@dataclass
class NoteVersion:
    text: str
    changed_at: datetime
    changed_by: str | None


def note_history(session: Session, customer_id: int, *, limit: int = HISTORY_SHOWN) -> list[NoteVersion]:
    """The note's latest changes, newest first: one query."""
    rows = session.exec(
        select(CustomerNoteChange.text, CustomerNoteChange.changed_at, Agent.name)
        .join(Agent, col(Agent.id) == CustomerNoteChange.changed_by_id, isouter=True)
        .where(CustomerNoteChange.customer_id == customer_id)
        .order_by(col(CustomerNoteChange.changed_at).desc(), col(CustomerNoteChange.id).desc())
        .limit(limit)
    ).all()
    return [NoteVersion(*row) for row in rows]
