"""JSON API for tickets: list (the queues), create, read, update and add interactions; same rules as the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.exceptions import HTTPException
from litestar.params import JSONBody, QueryParameter

from helpdesk.auth.guards import agents_only
from helpdesk.customers import service as customers
from helpdesk.forms import DB_INT_MAX, Version
from helpdesk.history.queries import HistoryEntry
from helpdesk.sales.queries import ItemWarranty
from helpdesk.tickets import properties, queries, service
from helpdesk.tickets.models import MessageCreate, Priority, TicketCreate, TicketStatus, TicketUpdate
from helpdesk.tickets.queries import QueueFilters, Sort, TicketRow, View
from helpdesk.timeutil import shop_today, utcnow
from helpdesk.web_helpers import DB, TicketNumberPath, api_responses, canonical_id


class TicketCreateRequest(TicketCreate):
    """A new ticket for the customer with this ID."""

    customer_id: str


class MessageRequest(MessageCreate):
    """An interaction to add; `version` is required only when `status` changes too."""

    version: Version | None = None


@dataclass
class TicketOut:
    number: str
    customer_id: str
    subject: str
    status: str
    priority: str
    channel: str
    assignee_id: int | None
    assignee_name: str | None
    tags: list[str]
    version: int
    sla: str
    sla_label: str
    item: ItemWarranty | None
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_responded_at: datetime | None
    solved_at: datetime | None
    satisfaction_score: int | None
    satisfaction_comment: str | None
    thread: list[HistoryEntry]
    earlier_cursor: str | None


@dataclass
class QueueOut:
    total: int
    page: int
    pages: int
    items: list[TicketRow]


@dataclass
class InteractionOut:
    id: int
    ticket: str
    kind: str
    body: str
    created_at: datetime


def _ticket_out(session, number: str) -> TicketOut:
    ticket = service.get_ticket(session, number)
    page = queries.ticket_page(session, ticket, today=shop_today(), now=utcnow())
    return TicketOut(
        number=ticket.number, customer_id=page.customer.customer_id, subject=ticket.subject, status=ticket.status,
        priority=ticket.priority, channel=ticket.channel, assignee_id=ticket.assignee_id, assignee_name=page.assignee_name,
        tags=page.tags, version=ticket.version, sla=page.sla, sla_label=page.sla_label, item=page.item,
        created_at=ticket.created_at, updated_at=ticket.updated_at,
        first_response_due=ticket.first_response_due, resolution_due=ticket.resolution_due,
        first_responded_at=ticket.first_responded_at, solved_at=ticket.solved_at,
        satisfaction_score=ticket.satisfaction_score, satisfaction_comment=ticket.satisfaction_comment,
        thread=page.thread, earlier_cursor=page.earlier_cursor,
    )


@dataclass
class TicketConflict:
    """A 409's body: why, and the ticket as it is now."""

    status_code: int
    detail: str
    current: TicketOut


def _stale(exc: service.StaleTicket, current: TicketOut) -> HTTPException:
    """409 with the ticket as it is now, so the caller can reapply its change to the current version."""
    detail = str(exc).replace(" the ticket below shows", " `current` shows")
    return HTTPException(status_code=409, detail=detail, extra={"current": current})


class TicketApiController(Controller):
    guards = [agents_only]
    path = "/api/tickets"
    tags = ["tickets"]

    @get("/", sync_to_thread=True, responses=api_responses(422))
    def list_tickets(
        self,
        request: Request,
        db: DB,
        view: Annotated[View, QueryParameter(required=False)] = View.OPEN,
        status: Annotated[TicketStatus | None, QueryParameter(required=False)] = None,
        priority: Annotated[Priority | None, QueryParameter(required=False)] = None,
        assignee_id: Annotated[int | None, QueryParameter(required=False, ge=1, le=DB_INT_MAX)] = None,
        tag: Annotated[str | None, QueryParameter(required=False, max_length=40)] = None,
        sort: Annotated[Sort, QueryParameter(required=False)] = Sort.DUE,
        page: Annotated[int, QueryParameter(required=False, ge=1, le=100_000)] = 1,
    ) -> QueueOut:
        """A queue (mine, unassigned, open, pending, sla, solved) with filters, 50 a page."""
        filters = QueueFilters(view=view, status=status, priority=priority, assignee_id=assignee_id,
                               tag=(tag or "").strip().lower() or None, sort=sort, page=page)
        with db.read() as session:
            result = queries.queue(session, filters=filters, agent_id=request.user.id, now=utcnow())
        return QueueOut(total=result.total, page=page, pages=result.pages, items=result.rows)

    @post("/", sync_to_thread=True, status_code=201, responses=api_responses(404, 409, 422))
    def create(self, request: Request, db: DB, data: JSONBody[TicketCreateRequest]) -> TicketOut:
        """Open a ticket; repeating a request with the same idempotency_key returns the same ticket."""
        code = canonical_id(data.customer_id)
        with db.write() as session:
            customer = customers.active_customer(session, code)
            ticket = service.open_ticket(session, customer=customer, data=TicketCreate.model_validate(data.model_dump()),
                                         agent_id=request.user.id)
            return _ticket_out(session, ticket.number)

    @get("/{number:str}", sync_to_thread=True, responses=api_responses(404, 422))
    def read(self, db: DB, number: TicketNumberPath) -> TicketOut:
        """The ticket with the newest 50 thread entries."""
        with db.read() as session:
            return _ticket_out(session, number)

    @patch("/{number:str}", sync_to_thread=True, responses=api_responses(404, 422, conflict=TicketConflict))
    def update(self, request: Request, db: DB, number: TicketNumberPath, data: JSONBody[TicketUpdate]) -> TicketOut:
        """Change status, priority, assignee, tags or satisfaction; 409 when `version` is not the current one."""
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            try:
                properties.update_ticket(session, ticket=ticket, data=data, agent_id=request.user.id)
            except service.StaleTicket as exc:
                session.rollback()
                raise _stale(exc, _ticket_out(session, number)) from None
            return _ticket_out(session, number)

    @post("/{number:str}/interactions", sync_to_thread=True, status_code=201,
          responses=api_responses(404, 422, conflict=TicketConflict))
    def add_interaction(self, request: Request, db: DB, number: TicketNumberPath, data: JSONBody[MessageRequest]) -> InteractionOut:
        """Add a reply, internal note, call or e-mail (optionally changing the status)."""
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            message = MessageCreate.model_validate(data.model_dump(exclude={"version"}))
            try:
                interaction = service.add_message(session, ticket=ticket, data=message, agent_id=request.user.id,
                                                  version=data.version)
            except service.StaleTicket as exc:
                session.rollback()
                raise _stale(exc, _ticket_out(session, number)) from None
            return InteractionOut(id=interaction.id, ticket=ticket.number, kind=interaction.kind, body=interaction.body,
                                  created_at=interaction.created_at)
