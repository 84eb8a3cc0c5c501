"""Reading tickets: queues, the ticket page, a customer's ticket lists and form choices, each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import bindparam, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from helpdesk import ids, phones
from helpdesk.auth.models import Agent
from helpdesk.customers.models import Customer
from helpdesk.history.queries import HistoryEntry, ticket_thread
from helpdesk.paging import Page, next_offset, parse_offset
from helpdesk.privacy import store as personal
from helpdesk.sales.queries import ItemWarranty, PurchaseView, item_warranty, purchases_page
from helpdesk.tickets.models import OPEN_STATUSES, Priority, Tag, Ticket, TicketStatus, TicketTag
from helpdesk.tickets.sla_sql import sla_trouble
from helpdesk.tickets.workflow import NEXT_STATUSES, due_label, outstanding_dues, sla_state

QUEUE_PAGE_SIZE = 50
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


SORT_LABELS = {Sort.DUE: "Due first", Sort.ACTIVITY: "Latest activity"}


@dataclass
class QueueFilters:
    view: View = View.MINE
    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    tag: str | None = None
    sort: Sort = Sort.DUE
    page: int = 1

    @classmethod
    def from_query(cls, *, view: View, status: str | None, priority: str | None, assignee: str | None,
                   tag: str | None, sort: Sort, page: int) -> tuple[QueueFilters, list[str]]:
        """Filters from a queue URL, forgiving: an unknown value is ignored with a note, never an error page."""
        problems = []
        filters = cls(view=view, sort=sort, page=page, tag=(tag or "").strip().lower() or None)
        for name, value, enum in (("status", status, TicketStatus), ("priority", priority, Priority)):
            if value:
                try:
                    setattr(filters, name, enum(value))
                except ValueError:
                    problems.append(f"Unknown {name} {value!r}: ignored.")
        if assignee:
            if assignee.isdigit() and len(assignee) <= 9:
                filters.assignee_id = int(assignee)
            else:
                problems.append(f"Unknown assignee {assignee!r}: ignored.")
        return filters, problems


@dataclass
class TicketRow:
    """A ticket as every list shows it: queues, the start page, the customer page."""

    number: str
    subject: str
    status: str
    priority: str
    last_activity: datetime
    customer_id: str | None = None
    assignee_name: str | None = None
    resolution_due: datetime | None = None
    sla: str | None = None
    tags: list[str] = field(default_factory=list)
    sla_label: str = ""
    tier: str | None = None  # the customer's value tier, which set the SLA targets (queues show it)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def sla_summary(*, status: str, now: datetime, first_response_due: datetime | None,
                first_responded_at: datetime | None, resolution_due: datetime | None,
                opened_at: datetime | None) -> tuple[str, str]:
    """(SLA state, the next target in words) for a ticket, the way every page shows it."""
    state = sla_state(status=status, now=now, first_response_due=first_response_due,
                      first_responded_at=first_responded_at, resolution_due=resolution_due, opened_at=opened_at)
    dues = outstanding_dues(first_response_due=first_response_due, first_responded_at=first_responded_at,
                            resolution_due=resolution_due)
    label = due_label(min(dues), now) if dues and state != "done" else ""
    return state, label


@dataclass
class QueuePage:
    filters: QueueFilters
    rows: list[TicketRow]
    total: int
    page_size: int = QUEUE_PAGE_SIZE
    view_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def queue(session: Session, *, filters: QueueFilters, agent_id: int, now: datetime,
          last_page_if_past_end: bool = False) -> QueuePage:
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
    if last_page_if_past_end:
        # For people: a page past the end (an old link, a queue that emptied) shows the last one, not "page 99 of 1".
        filters.page = min(filters.page, max(1, -(-total // QUEUE_PAGE_SIZE)))
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
               Ticket.resolution_due, Ticket.first_response_due, Ticket.first_responded_at, Ticket.created_at,
               Customer.code, assignee.name, Customer.tier)
        .join(page_ids, page_ids.c.id == Ticket.id)
        .join(Customer, col(Customer.id) == Ticket.customer_id)
        .join(assignee, assignee.id == Ticket.assignee_id, isouter=True)
        .order_by(*order)
    ).all()
    tags = _tags_for(session, [t.id for t in rows])
    return QueuePage(filters=filters, total=total, rows=[_queue_row(t, tags, now) for t in rows],
                     view_counts=view_counts(session, agent_id=agent_id, now=now))


def _queue_row(t, tags: dict[int, list[str]], now: datetime) -> TicketRow:
    sla, label = sla_summary(status=t.status, now=now, first_response_due=t.first_response_due,
                             first_responded_at=t.first_responded_at, resolution_due=t.resolution_due,
                             opened_at=t.created_at)
    return TicketRow(number=t.number, subject=t.subject, status=t.status, priority=t.priority, customer_id=t.code,
                     assignee_name=t.name, last_activity=t.updated_at, resolution_due=t.resolution_due, sla=sla,
                     sla_label=label, tags=tags.get(t.id, []), tier=t.tier)


def view_counts(session: Session, *, agent_id: int, now: datetime) -> dict[str, int]:
    """How many tickets each queue tab holds: one query for all six."""
    counts = [func.count(Ticket.id).filter(*_view_conditions(view, agent_id, now)) for view in View]
    return dict(zip(View, session.exec(select(*counts)).one()))


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
        return [is_open, sla_trouble(now)]
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
    thread: list[HistoryEntry]
    earlier_cursor: str | None
    purchases: list[PurchaseView]
    agents: list[tuple[int, str]]
    all_tags: list[str]
    next_statuses: tuple[str, ...]
    sla: str
    sla_label: str = ""
    item: ItemWarranty | None = None


def thread_page(session: Session, ticket_id: int, *, cursor: str | None = None) -> Page[HistoryEntry]:
    """The newest entries of a thread (or those before `cursor`), oldest first as the page reads them."""
    page = ticket_thread(session, ticket_id, cursor=cursor)
    page.items.reverse()
    return page


def agent_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every active agent, for assignee pickers and filters."""
    return list(session.exec(select(Agent.id, Agent.name).where(Agent.is_active).order_by(Agent.name)).all())


def tag_names(session: Session) -> list[str]:
    """Every tag an agent may put on a ticket."""
    return list(session.exec(select(Tag.name).order_by(Tag.name)).all())


def ticket_page(session: Session, ticket: Ticket, *, today: date, now: datetime) -> TicketPage:
    """Everything the ticket page shows, in a fixed number of queries whatever the thread's length."""
    customer = session.get(Customer, ticket.customer_id)
    record = personal.read(session, customer.code)
    thread = thread_page(session, ticket.id)
    agents = agent_choices(session)
    names = dict(agents)
    purchases = purchases_page(session, customer.id, today=today, page_size=RECENT_PURCHASES).items
    tags = _tags_for(session, [ticket.id]).get(ticket.id, [])
    sla, label = sla_summary(status=ticket.status, now=now, first_response_due=ticket.first_response_due,
                             first_responded_at=ticket.first_responded_at, resolution_due=ticket.resolution_due,
                             opened_at=ticket.created_at)
    return TicketPage(
        ticket=ticket,
        customer=TicketHeader(
            customer_id=customer.code, customer_id_grouped=ids.format_grouped(customer.code),
            name=record.full_name if record else None, phone_masked=phones.mask(record.phone) if record else "",
            tier=customer.tier,
        ),
        assignee_name=names.get(ticket.assignee_id) if ticket.assignee_id else None,
        tags=tags,
        thread=thread.items,
        earlier_cursor=thread.next_cursor,
        purchases=purchases,
        agents=agents,
        all_tags=tag_names(session),
        next_statuses=NEXT_STATUSES.get(ticket.status, ()),
        sla=sla,
        sla_label=label,
        item=item_warranty(session, ticket.purchase_line_id, today=today),
    )


# --- a customer's tickets -------------------------------------------------------------------------

CUSTOMER_TICKETS_PER_PAGE = 10
# The call form offers the customer's open tickets to attach a call to; more than this is a different problem.
OPEN_TICKET_CHOICES = 50

_customer_id = bindparam("customer_id")
_ROW_COLUMNS = (Ticket.number, Ticket.subject, Ticket.status, Ticket.priority, Ticket.updated_at)
_BY_ACTIVITY = (col(Ticket.updated_at).desc(), col(Ticket.id).desc())
_CUSTOMER_TICKETS = {
    is_open: select(*_ROW_COLUMNS)
    .where(Ticket.customer_id == _customer_id,
           col(Ticket.status).in_(OPEN_STATUSES) if is_open else col(Ticket.status).not_in(OPEN_STATUSES))
    .order_by(*_BY_ACTIVITY).limit(bindparam("limit")).offset(bindparam("offset"))
    for is_open in (True, False)
}
_OPEN_TICKET_COUNT = select(func.count(Ticket.id)).where(Ticket.customer_id == _customer_id,
                                                         col(Ticket.status).in_(OPEN_STATUSES))


def customer_tickets(session: Session, customer_id: int, *, open_ones: bool, cursor: str | None = None,
                     total: int | None = None) -> Page[TicketRow]:
    """The customer's open (or solved and closed) tickets, most recent activity first; open ones with their count."""
    offset = parse_offset(cursor)
    rows = session.execute(_CUSTOMER_TICKETS[open_ones], {
        "customer_id": customer_id, "limit": CUSTOMER_TICKETS_PER_PAGE + 1, "offset": offset}).all()
    if open_ones and total is None:
        total = session.execute(_OPEN_TICKET_COUNT, {"customer_id": customer_id}).scalar_one()
    return Page(
        items=[TicketRow(number=r.number, subject=r.subject, status=r.status, priority=r.priority,
                         last_activity=r.updated_at) for r in rows[:CUSTOMER_TICKETS_PER_PAGE]],
        next_cursor=next_offset(offset, CUSTOMER_TICKETS_PER_PAGE, len(rows)),
        total=total,
    )


def open_ticket_choices(session: Session, customer_id: int) -> list[tuple[str, str]]:
    """(number, subject) of the customer's open tickets, for attaching a call to one."""
    return list(session.exec(
        select(Ticket.number, Ticket.subject)
        .where(Ticket.customer_id == customer_id, col(Ticket.status).in_(OPEN_STATUSES))
        .order_by(*_BY_ACTIVITY).limit(OPEN_TICKET_CHOICES)
    ).all())
