"""Ticket pages: queues, the ticket page and its actions, call logging and new tickets from the customer page."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import PathParameter, QueryParameter, URLEncodedBody
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlmodel import col, select

from helpdesk.auth.models import Agent
from helpdesk.customers import pages as customer_pages
from helpdesk.customers import service as customers
from helpdesk.customers.web import CustomerIdPath, canonical_id
from helpdesk.deps import DB
from helpdesk.forms import field_errors
from helpdesk.htmx import render, wants_partial
from helpdesk.tickets import queues, service
from helpdesk.tickets.models import COMMENT_MAX, OPEN_STATUSES, CallLog, MessageCreate, Tag, Ticket, TicketCreate, TicketUpdate
from helpdesk.timeutil import shop_today, utcnow

FormData = URLEncodedBody[dict[str, Any]]
TicketNumber = Annotated[str, PathParameter(max_length=20, pattern=r"^[Tt]-\d{1,10}$")]


def _ticket_context(session, ticket: Ticket, **extra) -> dict[str, Any]:
    page = queues.ticket_page(session, ticket, today=shop_today(), now=utcnow())
    return {"page": page, "errors": {}, "form": {}, "notice": None, "new_key": secrets.token_urlsafe(16), **extra}


def _render_ticket(request: Request, context: dict[str, Any], status_code: int = 200) -> Template:
    return render(request, page="tickets/page.html", partial="tickets/_ticket.html", context=context,
                  status_code=status_code)


class TicketController(Controller):
    path = "/tickets"

    @get("/", sync_to_thread=True)
    def queue_page(
        self,
        request: Request,
        db: DB,
        view: Annotated[queues.View, QueryParameter(required=False)] = queues.View.MINE,
        status: Annotated[str | None, QueryParameter(required=False, max_length=20)] = None,
        priority: Annotated[str | None, QueryParameter(required=False, max_length=20)] = None,
        assignee: Annotated[str | None, QueryParameter(required=False, max_length=12)] = None,
        tag: Annotated[str | None, QueryParameter(required=False, max_length=40)] = None,
        sort: Annotated[queues.Sort, QueryParameter(required=False)] = queues.Sort.DUE,
        page: Annotated[int, QueryParameter(required=False, ge=1, le=100_000)] = 1,
    ) -> Template:
        """Queues: mine, unassigned, all open, pending, SLA trouble, solved; filters, sorting, paging."""
        filters, problems = _filters(view, status, priority, assignee, tag, sort, page)
        with db.read() as session:
            result = queues.queue(session, filters=filters, agent_id=request.user.id, now=utcnow())
            agents = list(session.exec(select(Agent.id, Agent.name).where(Agent.is_active).order_by(Agent.name)).all())
            tags = list(session.exec(select(Tag.name).order_by(Tag.name)).all())
        return render(
            request, page="tickets/queue.html", partial="tickets/_queue.html",
            context={"queue": result, "agents": agents, "tags": tags, "problems": problems,
                     "views": queues.VIEW_LABELS, "query": request.url.query},
        )

    @get("/{number:str}", sync_to_thread=True)
    def ticket(self, request: Request, db: DB, number: TicketNumber) -> Template:
        """The ticket with its thread, the customer beside it, and every action."""
        with db.read() as session:
            ticket = service.get_ticket(session, number)
            context = _ticket_context(session, ticket)
        return _render_ticket(request, context)

    @get("/{number:str}/thread", sync_to_thread=True)
    def earlier(
        self, request: Request, db: DB, number: TicketNumber,
        before: Annotated[int, QueryParameter(ge=1)],
    ) -> Template:
        """Earlier entries of a long thread."""
        with db.read() as session:
            ticket = service.get_ticket(session, number)
            entries, earlier = queues.thread_page(session, ticket.id, before_id=before)
        return render(request, page="tickets/thread_page.html", partial="tickets/_thread_earlier.html",
                      context={"ticket": ticket, "entries": entries, "earlier_cursor": earlier})

    @post("/{number:str}/messages", sync_to_thread=True, status_code=200)
    def add_message(self, request: Request, db: DB, number: TicketNumber, data: FormData) -> Template | Redirect:
        """Reply, internal note or call; optionally changing the status in the same step."""
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            try:
                message = MessageCreate.model_validate(data)
                version = _int_or_none(data.get("version"))
                service.add_message(session, ticket=ticket, data=message, agent_id=request.user.id, version=version)
            except ValidationError as exc:
                return self._refused(request, session, number, field_errors(exc), data)
            except service.TicketInvalid as exc:
                return self._refused(request, session, number, exc.errors, data)
            except service.StaleTicket as exc:
                return self._refused(request, session, number, {"form": str(exc)}, data, status_code=409)
            if not wants_partial(request):
                return Redirect(f"/tickets/{ticket.number}", status_code=303)
            return _render_ticket(request, _ticket_context(session, service.get_ticket(session, number),
                                                          notice="Added to the thread."))

    @post("/{number:str}", sync_to_thread=True, status_code=200)
    def update(self, request: Request, db: DB, number: TicketNumber, data: FormData) -> Template | Redirect:
        """Status, priority, assignee, tags and satisfaction, refused when the agent's view is stale."""
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            try:
                if data.get("take") == "1":
                    service.take_ticket(session, ticket=ticket, version=int(data.get("version", -1)), agent_id=request.user.id)
                else:
                    if "tags_present" in data and "tags" not in data:
                        data = {**data, "tags": []}
                    change = TicketUpdate.model_validate(data)
                    service.update_ticket(session, ticket=ticket, data=change, agent_id=request.user.id)
            except ValidationError as exc:
                return self._refused(request, session, number, field_errors(exc), data)
            except service.TicketInvalid as exc:
                return self._refused(request, session, number, exc.errors, data)
            except ValueError:  # a "take" without a readable version
                return self._refused(request, session, number, {"form": "The form was not complete; reload the ticket."}, data)
            except service.StaleTicket as exc:
                return self._refused(request, session, number, {"form": str(exc)}, data, status_code=409)
            if not wants_partial(request):
                return Redirect(f"/tickets/{ticket.number}", status_code=303)
            return _render_ticket(request, _ticket_context(session, service.get_ticket(session, number), notice="Saved."))

    @post("/{number:str}/survey-link", sync_to_thread=True, status_code=200)
    def survey_link(self, request: Request, db: DB, number: TicketNumber) -> Template:
        """A fresh one-time link the customer can use to give their score."""
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            try:
                token = service.new_satisfaction_link(session, ticket=ticket)
            except service.TicketInvalid as exc:
                return self._refused(request, session, number, exc.errors, {})
            except service.StaleTicket as exc:
                return self._refused(request, session, number, {"form": str(exc)}, {}, status_code=409)
            link = str(request.base_url).rstrip("/") + f"/satisfaction/{token}"
            return _render_ticket(request, _ticket_context(session, service.get_ticket(session, number), survey_link=link))

    def _refused(self, request: Request, session, number: str, errors: dict[str, str], data: dict,
                 status_code: int = 200) -> Template:
        """Re-render the ticket with the agent's input and a message beside each field.

        htmx does not swap 4xx answers by default, so refusals of HTMX requests are 200 with the form;
        a plain form post gets the real status code.
        """
        session.rollback()
        ticket = service.get_ticket(session, number)
        context = _ticket_context(session, ticket, errors=errors, form=data)
        return _render_ticket(request, context, status_code=200 if wants_partial(request) else (status_code if status_code != 200 else 400))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _filters(view, status, priority, assignee, tag, sort, page) -> tuple[queues.QueueFilters, list[str]]:
    problems = []
    filters = queues.QueueFilters(view=view, sort=sort, page=page, tag=(tag or "").strip().lower() or None)
    for name, value, enum in (("status", status, queues.TicketStatus), ("priority", priority, queues.Priority)):
        if value:
            try:
                setattr(filters, name, enum(value))
            except ValueError:
                problems.append(f"Unknown {name} {value!r}: ignored.")
    if assignee:
        if assignee.isdigit():
            filters.assignee_id = int(assignee)
        else:
            problems.append(f"Unknown assignee {assignee!r}: ignored.")
    return filters, problems


class CustomerTicketController(Controller):
    """Logging a call and opening a ticket, from the customer page."""

    path = "/customers/{customer_id:str}"

    @get("/call-form", sync_to_thread=True)
    def call_form(self, request: Request, db: DB, customer_id: CustomerIdPath) -> Template:
        """The log-a-call form, swapped into the customer page."""
        code = canonical_id(customer_id)
        with db.read() as session:
            customer = customers.get_customer(session, code)
            open_tickets = _open_ticket_choices(session, customer.id)
        return _action_form(request, "customers/_call_form.html", _form_context(code, {}, {}, open_tickets=open_tickets))

    @post("/calls", sync_to_thread=True, status_code=200)
    def log_call(self, request: Request, db: DB, customer_id: CustomerIdPath, data: FormData) -> Template | Redirect:
        """Record the call; the new entry goes to the top of the timeline without a reload."""
        code = canonical_id(customer_id)
        data = {**data, "open_ticket": data.get("open_ticket") in ("1", "on", "true")}
        with db.write() as session:
            customer = customers.get_customer(session, code)
            try:
                logged = service.log_call(session, customer=customer, data=CallLog.model_validate(data),
                                          agent_id=request.user.id)
            except (ValidationError, service.TicketInvalid) as exc:
                session.rollback()
                errors = field_errors(exc) if isinstance(exc, ValidationError) else exc.errors
                context = _form_context(code, data, errors, open_tickets=_open_ticket_choices(session, customer.id))
                return _action_form(request, "customers/_call_form.html", context, 200 if wants_partial(request) else 400)
            if not wants_partial(request):
                return Redirect(f"/customers/{code}", status_code=303)
            entry = customer_pages.timeline_entry(session, logged.interaction.id)
            open_tickets = customer_pages.open_tickets_page(session, customer.id)
        return Template(template_name="customers/_call_logged.html",
                        context={"customer_id": code, "entry": entry, "logged": logged, "open_tickets": open_tickets})

    @get("/ticket-form", sync_to_thread=True)
    def ticket_form(
        self, request: Request, db: DB, customer_id: CustomerIdPath,
        line: Annotated[int | None, QueryParameter(required=False, ge=1)] = None,
    ) -> Template:
        """The new-ticket form (optionally about one purchased item)."""
        code = canonical_id(customer_id)
        with db.read() as session:
            customer = customers.get_customer(session, code)
            items = customers.purchased_items(session, customer)
        return _action_form(request, "customers/_ticket_form.html",
                            _form_context(code, {"purchase_line_id": str(line or "")}, {}, items=items))

    @post("/tickets", sync_to_thread=True, status_code=200)
    def open_ticket(self, request: Request, db: DB, customer_id: CustomerIdPath, data: FormData) -> Template | Redirect | ClientRedirect:
        """Open the ticket and go to it."""
        code = canonical_id(customer_id)
        with db.write() as session:
            customer = customers.get_customer(session, code)
            try:
                ticket = service.open_ticket(session, customer=customer, data=TicketCreate.model_validate(data),
                                             agent_id=request.user.id)
            except (ValidationError, service.TicketInvalid) as exc:
                session.rollback()
                errors = field_errors(exc) if isinstance(exc, ValidationError) else exc.errors
                context = _form_context(code, data, errors, items=customers.purchased_items(session, customer))
                return _action_form(request, "customers/_ticket_form.html", context, 200 if wants_partial(request) else 400)
        target = f"/tickets/{ticket.number}"
        return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)


def _open_ticket_choices(session, customer_id: int) -> list[tuple[str, str]]:
    rows = session.exec(
        select(Ticket.number, Ticket.subject)
        .where(Ticket.customer_id == customer_id, col(Ticket.status).in_(OPEN_STATUSES))
        .order_by(col(Ticket.updated_at).desc()).limit(50)
    ).all()
    return list(rows)


def _form_context(code: str, form: dict, errors: dict, **extra) -> dict[str, Any]:
    # A re-rendered form keeps its idempotency key, so fixing a mistake and resubmitting is still one submit.
    return {"customer_id": code, "form": form, "errors": errors,
            "new_key": form.get("idempotency_key") or secrets.token_urlsafe(16), **extra}


def _action_form(request: Request, partial: str, context: dict[str, Any], status_code: int = 200) -> Template:
    """A customer-page form: the partial for HTMX, or a page around it without JavaScript."""
    return render(request, page="customers/action_page.html", partial=partial,
                  context={**context, "partial_name": partial}, status_code=status_code)


class SatisfactionController(Controller):
    """The customer's one-time satisfaction link: no sign-in, only the unguessable token."""

    path = "/satisfaction"

    @get("/{token:str}", sync_to_thread=True, exclude_from_auth=True)
    def survey(self, db: DB, token: Annotated[str, PathParameter(max_length=100)]) -> Template:
        """The one-question survey."""
        with db.read() as session:
            ticket = service.ticket_for_survey(session, token)
        return _survey_page(token, ticket, form={}, errors={}, status_code=200 if ticket else 404)

    @post("/{token:str}", sync_to_thread=True, exclude_from_auth=True, status_code=200)
    def answer(self, db: DB, token: Annotated[str, PathParameter(max_length=100)], data: FormData) -> Template:
        """Record the customer's score once; the link is spent afterwards."""
        score = _int_or_none(data.get("score"))
        comment = str(data.get("comment") or "")
        with db.write() as session:
            ticket = service.ticket_for_survey(session, token)
            if ticket is None:
                return _survey_page(token, None, form=data, errors={}, status_code=404)
            errors = {}
            if score is None or not 1 <= score <= 5:
                errors["score"] = "Choose a score from 1 to 5."
            if len(comment.strip()) > COMMENT_MAX:
                errors["comment"] = f"At most {COMMENT_MAX:,} characters, please."
            if errors:
                return _survey_page(token, ticket, form=data, errors=errors, status_code=400)
            service.record_customer_satisfaction(session, token=token, score=score, comment=comment.strip() or None)
        return Template(template_name="satisfaction/page.html", context={"done": True, "valid": True})


def _survey_page(token: str, ticket: Ticket | None, *, form: dict, errors: dict, status_code: int) -> Template:
    context = {"done": False, "valid": ticket is not None, "token": token, "form": form, "errors": errors,
               "number": ticket.number if ticket else None, "subject": ticket.subject if ticket else None}
    return Template(template_name="satisfaction/page.html", context=context, status_code=status_code)
