"""Ticket queues and the ticket page's data, each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, or_, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from helpdesk import ids, phones
from helpdesk.auth.models import Agent
from helpdesk.customers.models import Customer
from helpdesk.customers.pages import purchases_page
from helpdesk.customers.single_view import PurchaseView
from helpdesk.privacy.models import PersonalRecord
from helpdesk.tickets.models import OPEN_STATUSES, Interaction, Priority, Tag, Ticket, TicketStatus, TicketTag
from helpdesk.tickets.workflow import BREACH_WARNING, NEXT_STATUSES, sla_state

QUEUE_PAGE_SIZE = 50
THREAD_PAGE_SIZE = 50
RECENT_PURCHASES = 5


class View(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    OPEN = "open"
    PENDING = "pending"
    SLA = "sla"
    SOLVED = "solved"


VIEW_LABELS = {
    View.MINE: "My open tickets",
    View.UNASSIGNED: "Unassigned",
    View.OPEN: "All open",
    View.PENDING: "Pending",
    View.SLA: "Breaching or breached SLA",
    View.SOLVED: "Solved",
}


class Sort(StrEnum):
    DUE = "due"
    ACTIVITY = "activity"


@dataclass
class QueueFilters:
    view: View = View.MINE
    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    tag: str | None = None
    sort: Sort = Sort.DUE
    page: int = 1


@dataclass
class QueueRow:
    number: str
    subject: str
    status: str
    priority: str
    customer_id: str
    assignee_name: str | None
    last_activity: datetime
    resolution_due: datetime | None
    sla: str
    tags: list[str] = field(default_factory=list)
    tier: str = "standard"  # the customer's value tier (it set the SLA targets)


@dataclass
class QueuePage:
    filters: QueueFilters
    rows: list[QueueRow]
    total: int
    page_size: int = QUEUE_PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def queue(session: Session, *, filters: QueueFilters, agent_id: int, now: datetime) -> QueuePage:
    """One page of a queue: two queries for the rows and count, one for their tags."""
    conditions = _view_conditions(filters.view, agent_id, now)
    if filters.status:
        conditions.append(Ticket.status == filters.status)
    if filters.priority:
        conditions.append(Ticket.priority == filters.priority)
    if filters.assignee_id is not None:
        conditions.append(Ticket.assignee_id == filters.assignee_id)
    if filters.tag:
        tagged = select(TicketTag.ticket_id).join(Tag, col(Tag.id) == TicketTag.tag_id).where(Tag.name == filters.tag)
        conditions.append(col(Ticket.id).in_(tagged))
    total = session.exec(select(func.count()).select_from(Ticket).where(*conditions)).one()
    assignee = aliased(Agent)
    order = (
        (col(Ticket.resolution_due).asc().nulls_last(), col(Ticket.id))
        if filters.sort == Sort.DUE
        else (col(Ticket.updated_at).desc(), col(Ticket.id).desc())
    )
    # Pick the page's ids first, from the ticket table alone, then join the 50 rows: the database would otherwise
    # join every matching ticket to its customer before sorting and cutting the page (all 5,000 solved ones).
    page_ids = (
        select(Ticket.id)
        .where(*conditions)
        .order_by(*order)
        .offset((filters.page - 1) * QUEUE_PAGE_SIZE)
        .limit(QUEUE_PAGE_SIZE)
        .subquery("page_ids")
    )
    # Plain columns, not Ticket objects: a queue row shows nine fields, and building 50 full models costs more.
    rows = session.exec(
        select(Ticket.id, Ticket.number, Ticket.subject, Ticket.status, Ticket.priority, Ticket.updated_at,
               Ticket.resolution_due, Ticket.first_response_due, Ticket.first_responded_at,
               Customer.code, assignee.name, Customer.tier)
        .join(page_ids, page_ids.c.id == Ticket.id)
        .join(Customer, col(Customer.id) == Ticket.customer_id)
        .join(assignee, assignee.id == Ticket.assignee_id, isouter=True)
        .order_by(*order)
    ).all()
    tags = _tags_for(session, [t.id for t in rows])
    return QueuePage(
        filters=filters,
        total=total,
        rows=[
            QueueRow(
                number=t.number, subject=t.subject, status=t.status, priority=t.priority, customer_id=t.code,
                assignee_name=t.name, last_activity=t.updated_at, resolution_due=t.resolution_due,
                sla=sla_state(status=t.status, now=now, first_response_due=t.first_response_due,
                              first_responded_at=t.first_responded_at, resolution_due=t.resolution_due),
                tags=tags.get(t.id, []), tier=t.tier,
            )
            for t in rows
        ],
    )


def _view_conditions(view: View, agent_id: int, now: datetime) -> list:
    is_open = col(Ticket.status).in_(OPEN_STATUSES)
    if view == View.MINE:
        return [Ticket.assignee_id == agent_id, is_open]
    if view == View.UNASSIGNED:
        return [col(Ticket.assignee_id).is_(None), is_open]
    if view == View.OPEN:
        return [is_open]
    if view == View.PENDING:
        return [Ticket.status == TicketStatus.PENDING]
    if view == View.SLA:
        soon = now + BREACH_WARNING
        return [is_open, or_(Ticket.resolution_due <= soon,
                             (col(Ticket.first_responded_at).is_(None)) & (Ticket.first_response_due <= soon))]
    return [Ticket.status == TicketStatus.SOLVED]


def _tags_for(session: Session, ticket_ids: list[int]) -> dict[int, list[str]]:
    if not ticket_ids:
        return {}
    found: dict[int, list[str]] = defaultdict(list)
    for ticket_id, name in session.exec(
        select(TicketTag.ticket_id, Tag.name).join(Tag, col(Tag.id) == TicketTag.tag_id)
        .where(col(TicketTag.ticket_id).in_(ticket_ids)).order_by(Tag.name)
    ).all():
        found[ticket_id].append(name)
    return found


# --- the ticket page ------------------------------------------------------------------------------


@dataclass
class ThreadEntry:
    id: int
    kind: str
    body: str
    summary: str | None
    outcome: str | None
    author_name: str | None
    created_at: datetime


@dataclass
class TicketHeader:
    customer_id: str
    customer_id_grouped: str
    name: str | None
    phone_masked: str
    tier: str


@dataclass
class TicketPage:
    ticket: Ticket
    customer: TicketHeader
    assignee_name: str | None
    tags: list[str]
    thread: list[ThreadEntry]
    earlier_cursor: int | None
    purchases: list[PurchaseView]
    agents: list[tuple[int, str]]
    all_tags: list[str]
    next_statuses: tuple[str, ...]
    sla: str


def thread_page(session: Session, ticket_id: int, *, before_id: int | None = None) -> tuple[list[ThreadEntry], int | None]:
    """The newest entries of a thread (shown oldest first) and a cursor to the earlier ones."""
    statement = (
        select(Interaction, Agent.name)
        .join(Agent, col(Agent.id) == Interaction.author_id, isouter=True)
        .where(Interaction.ticket_id == ticket_id)
    )
    if before_id is not None:
        # The cursor is the oldest entry already shown; compare in the index's own order (ticket_id, created_at, id).
        cursor_time = (
            select(Interaction.created_at).where(Interaction.id == before_id, Interaction.ticket_id == ticket_id)
            .scalar_subquery()
        )
        statement = statement.where(tuple_(col(Interaction.created_at), col(Interaction.id)) < tuple_(cursor_time, before_id))
    # Newest first by (created_at, id), which ix_interaction_ticket_time hands over in order: ordering by id alone
    # made the database read and sort the whole thread for every page (linear in the thread's length).
    rows = session.exec(
        statement.order_by(col(Interaction.created_at).desc(), col(Interaction.id).desc()).limit(THREAD_PAGE_SIZE + 1)
    ).all()
    shown = rows[:THREAD_PAGE_SIZE]
    entries = [
        ThreadEntry(id=i.id, kind=i.kind, body=i.body, summary=i.summary, outcome=i.outcome, author_name=name,
                    created_at=i.created_at)
        for i, name in reversed(shown)
    ]
    earlier = shown[-1][0].id if len(rows) > THREAD_PAGE_SIZE else None
    return entries, earlier


def ticket_page(session: Session, ticket: Ticket, *, today: date, now: datetime) -> TicketPage:
    """Everything the ticket page shows, in a fixed number of queries whatever the thread's length."""
    customer = session.get(Customer, ticket.customer_id)
    record = session.get(PersonalRecord, customer.code)
    thread, earlier = thread_page(session, ticket.id)
    agents = list(session.exec(select(Agent.id, Agent.name).where(Agent.is_active).order_by(Agent.name)).all())
    names = dict(agents)
    purchases = purchases_page(session, customer.id, today=today).items[:RECENT_PURCHASES]
    tags = _tags_for(session, [ticket.id]).get(ticket.id, [])
    return TicketPage(
        ticket=ticket,
        customer=TicketHeader(
            customer_id=customer.code, customer_id_grouped=ids.format_grouped(customer.code),
            name=record.full_name if record else None, phone_masked=phones.mask(record.phone) if record else "",
            tier=customer.tier,
        ),
        assignee_name=names.get(ticket.assignee_id) if ticket.assignee_id else None,
        tags=tags,
        thread=thread,
        earlier_cursor=earlier,
        purchases=purchases,
        agents=agents,
        all_tags=list(session.exec(select(Tag.name).order_by(Tag.name)).all()),
        next_statuses=NEXT_STATUSES.get(ticket.status, ()),
        sla=sla_state(status=ticket.status, now=now, first_response_due=ticket.first_response_due,
                      first_responded_at=ticket.first_responded_at, resolution_due=ticket.resolution_due),
    )


