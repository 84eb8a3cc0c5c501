"""Satisfaction after a ticket is solved: the agent's entry from the call, or the customer's own through a one-time link."""

from __future__ import annotations

import hashlib
import secrets

from enum import StrEnum

from sqlmodel import Session, select

from helpdesk.history.models import InteractionKind
from helpdesk.tickets.errors import TicketInvalid, TicketNotFound
from helpdesk.tickets.models import Ticket, TicketStatus
from helpdesk.tickets.service import write_events, versioned_save
from helpdesk.timeutil import utcnow

# Longer than any token we issue: anything longer is not ours, and is refused before it is hashed.
TOKEN_MAX = 100


def record(ticket: Ticket, score: int, comment: str | None, *, by_agent: bool) -> tuple[str, str]:
    """Set the ticket's score; returns the thread entry that records it."""
    if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        raise TicketInvalid({"satisfaction_score": "Satisfaction is recorded once the ticket is solved."})
    if not 1 <= score <= 5:
        raise TicketInvalid({"satisfaction_score": "The score is from 1 to 5."})
    ticket.satisfaction_score = score
    ticket.satisfaction_comment = comment
    if by_agent:
        # The score is in: a link the customer still holds stops working. Their own answer keeps its link, so a
        # second click on Send is thanked rather than told the link is gone.
        ticket.satisfaction_token_hash = None
    source = "told to the agent on the call" if by_agent else "from the customer, through the survey link"
    return InteractionKind.EVENT, f"Satisfaction: {score}/5 ({source})" + (f": {comment}" if comment else "")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(session: Session, *, ticket: Ticket) -> str:
    """A fresh one-time token for the customer's survey link (any earlier link stops working)."""
    if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        raise TicketInvalid({"satisfaction_score": "Ask for satisfaction once the ticket is solved."})
    if ticket.satisfaction_score is not None:
        raise TicketInvalid({"satisfaction_score": "This ticket already has a satisfaction score."})
    token = secrets.token_urlsafe(24)
    ticket.satisfaction_token_hash = _token_hash(token)
    session.add(ticket)
    with versioned_save(session, ticket):
        pass
    return token


def ticket_for_survey(session: Session, token: str) -> Ticket | None:
    """The ticket a survey token belongs to, while the token is unspent."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return session.exec(select(Ticket).where(Ticket.satisfaction_token_hash == _token_hash(token))).first()


class SurveyState(StrEnum):
    """What a customer's survey link leads to."""

    ASKING = "asking"  # the ticket is solved and waits for their score
    ANSWERED = "answered"  # they answered already (a second click on Send lands here)
    REOPENED = "reopened"  # the ticket was reopened: we ask again once it is solved
    GONE = "gone"  # not a link of ours, or replaced by a newer one


def survey_state(ticket: Ticket | None) -> SurveyState:
    """Where the link stands, so the page can say so kindly instead of refusing."""
    if ticket is None:
        return SurveyState.GONE
    if ticket.satisfaction_score is not None:
        return SurveyState.ANSWERED
    if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        return SurveyState.REOPENED
    return SurveyState.ASKING


def record_from_customer(session: Session, *, token: str, score: int, comment: str | None) -> Ticket:
    """The customer's own answer through the one-time link; a repeated answer changes nothing."""
    ticket = ticket_for_survey(session, token)
    if ticket is None:
        raise TicketNotFound("for this link")
    if survey_state(ticket) != SurveyState.ASKING:
        return ticket
    now = utcnow()
    event = record(ticket, score, comment, by_agent=False)
    session.add(ticket)
    with versioned_save(session, ticket):
        write_events(session, ticket, [event], None, now)
    return ticket
