"""Reads for the privacy pages: whose ticket or claim a number is, consent history, open work that blocks erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from helpdesk.claims.models import WarrantyClaim
from helpdesk.claims.rules import OPEN_CLAIM_STATUSES
from helpdesk.customers.models import ConsentChange
from helpdesk.tickets.models import OPEN_STATUSES, Ticket

CONSENT_HISTORY_SHOWN = 20


def reference_of_customer(session: Session, customer_id: int, reference: str) -> str | None:
    """The ticket or claim number when it is this customer's (a number from another customer is refused), else None."""
    number = reference.strip().upper()
    model = Ticket if number.startswith("T-") else WarrantyClaim
    found = session.exec(select(model.number).where(model.number == number, model.customer_id == customer_id)).first()
    return found


@dataclass
class ConsentRow:
    field: str
    old_value: str | None
    new_value: str | None
    changed_at: datetime
    actor_label: str
    source: str


def consent_history(session: Session, customer_id: int, *, limit: int | None = CONSENT_HISTORY_SHOWN) -> list[ConsentRow]:
    """Consent and language changes, newest first."""
    statement = (select(ConsentChange.field, ConsentChange.old_value, ConsentChange.new_value, ConsentChange.changed_at,
                        ConsentChange.actor_label, ConsentChange.source)
                 .where(ConsentChange.customer_id == customer_id)
                 .order_by(col(ConsentChange.changed_at).desc(), col(ConsentChange.id).desc()))
    if limit is not None:
        statement = statement.limit(limit)
    return [ConsentRow(*row) for row in session.exec(statement)]


@dataclass
class OpenWork:
    """What is still going on for a customer: erasure waits for it (or a supervisor's override)."""

    tickets: list[str]
    claims: list[str]

    def __bool__(self) -> bool:
        return bool(self.tickets or self.claims)

    def describe(self) -> str:
        parts = []
        if self.tickets:
            parts.append(f"{len(self.tickets)} open ticket{'s' * (len(self.tickets) != 1)} ({', '.join(self.tickets)})")
        if self.claims:
            parts.append(f"{len(self.claims)} open claim{'s' * (len(self.claims) != 1)} ({', '.join(self.claims)})")
        return " and ".join(parts)


def open_work(session: Session, customer_id: int) -> OpenWork:
    tickets = session.exec(select(Ticket.number).where(Ticket.customer_id == customer_id,
                                                       col(Ticket.status).in_(OPEN_STATUSES)).order_by(Ticket.number))
    claims = session.exec(select(WarrantyClaim.number).where(WarrantyClaim.customer_id == customer_id,
                                                             col(WarrantyClaim.status).in_(OPEN_CLAIM_STATUSES))
                          .order_by(WarrantyClaim.number))
    return OpenWork(list(tickets), list(claims))
