"""Customer pages and API: the lookup box, the single customer view, its paged lists, and its actions (log a call, open a ticket)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import PathParameter, QueryParameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from helpdesk import phones
from helpdesk.auth.guards import agents_only
from helpdesk.customers import notes, queries, service
from helpdesk.customers.errors import CustomerMerged, PinnedNoteRefused
from helpdesk.customers.single_view import CustomerView
from helpdesk.history.queries import entry as history_entry
from helpdesk.privacy.reveal import live_grants
from helpdesk.tickets import calls, service as tickets
from helpdesk.tickets.models import CallLog, TicketCreate
from helpdesk.tickets.queries import customer_tickets, open_ticket_choices
from helpdesk.timeutil import shop_today, utcnow
from helpdesk.web_helpers import (
    DB,
    REFUSED,
    CustomerIdPath,
    Cursor,
    FormData,
    api_responses,
    canonical_id,
    form_status,
    idempotency_key,
    refusal,
    render,
    wants_partial,
)


class LookupController(Controller):
    """The lookup box in every page's header, and the telephony screen-pop URL."""
    guards = [agents_only]

    @get("/lookup", sync_to_thread=True)
    def lookup(
        self,
        request: Request,
        db: DB,
        q: Annotated[str, QueryParameter(name="q", max_length=2000, required=False)] = "",
    ) -> Template | Redirect | ClientRedirect:
        """Open the customer for an ID or phone number, or say what is wrong beside the box."""
        with db.read() as session:
            result = service.lookup(session, q)
        if result.found or result.serial:
            target = f"/customers/{result.customer_id}" if result.found else f"/serials/{quote(result.serial, safe='')}"
            return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)
        status_code = 404 if result.kind == "not_found" and not wants_partial(request) else 200
        return render(request, page="customers/lookup.html", partial="customers/_lookup_result.html",
                      context={"result": result}, status_code=status_code if not result.choices else 200)


# Each list's rows partial and the name the partial reads its page under.
_LIST_PARTIALS = {
    queries.CustomerList.TIMELINE: ("customers/_timeline.html", "timeline"),
    queries.CustomerList.PURCHASES: ("customers/_purchases.html", "purchases"),
    queries.CustomerList.CLAIMS: ("customers/_claims.html", "claims"),
    queries.CustomerList.OPEN_TICKETS: ("customers/_ticket_rows.html", "tickets"),
    queries.CustomerList.PAST_TICKETS: ("customers/_ticket_rows.html", "tickets"),
    queries.CustomerList.POINTS: ("customers/_points.html", "points"),
}

MergedFrom = Annotated[str | None, QueryParameter(required=False, max_length=40,
                                                 description="the merged customer ID that led here")]
ItemQuery = Annotated[str, QueryParameter(required=False, max_length=200, description="words of a product, model, serial or order")]
ItemPageNumber = Annotated[int, QueryParameter(required=False, ge=1, le=100_000)]

# The customer page's two action forms: the partial, and what each offers to choose from.
_CALL_FORM = "customers/_call_form.html"
_TICKET_FORM = "customers/_ticket_form.html"
_NOTE_FORM = "customers/_note_form.html"


class CustomerController(Controller):
    guards = [agents_only]
    path = "/customers"

    @get("/{customer_id:str}", sync_to_thread=True)
    def customer_page(self, request: Request, db: DB, customer_id: CustomerIdPath,
                      merged_from: MergedFrom = None) -> Template | Redirect:
        """The one page an agent needs while the customer is on the phone (personal fields masked unless revealed).

        A merged customer's ID comes here with `merged_from` (helpdesk/errors.py): the page says so.
        """
        code = canonical_id(customer_id)
        if code != customer_id:
            return Redirect(f"/customers/{code}", status_code=301)
        now = utcnow()
        reveals = live_grants(request.session, code, now)
        with db.read() as session:
            view, revealed = queries.customer_page(session, code, today=shop_today(), reveal=reveals)
            merged_note = queries.merged_note(session, code, merged_from) if merged_from else None
        seconds = {field: int((until - now).total_seconds()) + 1 for field, until in reveals.items()}
        context = {"view": view, "revealed": revealed, "reveals": reveals, "reveal_seconds": seconds,
                   "merged_note": merged_note}
        return Template(template_name="customers/page.html", context=context, headers={"Vary": "HX-Request"})

    @get("/{customer_id:str}/{which:str}", sync_to_thread=True)
    def more(self, request: Request, db: DB, customer_id: CustomerIdPath,
             which: Annotated[queries.CustomerList, PathParameter(description="which list")], cursor: Cursor = None) -> Template:
        """The next page of one of the customer page's lists: HTMX appends the rows, a plain request gets a page."""
        code = canonical_id(customer_id)
        with db.read() as session:
            rows = queries.more_rows(session, code, which, cursor=cursor, today=shop_today())
        partial, name = _LIST_PARTIALS[which]
        return render(request, page="customers/list_page.html", partial=partial,
                      context={"customer_id": code, "partial": partial, "which": which.value, name: rows})

    @get("/{customer_id:str}/call-form", sync_to_thread=True)
    def call_form(self, request: Request, db: DB, customer_id: CustomerIdPath) -> Template:
        """The log-a-call form, swapped into the customer page."""
        return _action_form(request, db, canonical_id(customer_id), _CALL_FORM, form={})

    @get("/{customer_id:str}/ticket-form", sync_to_thread=True)
    def ticket_form(self, request: Request, db: DB, customer_id: CustomerIdPath,
                    line: Annotated[int | None, QueryParameter(required=False, ge=1, le=2**62)] = None,
                    item_q: ItemQuery = "", item_page: ItemPageNumber = 1) -> Template:
        """The new-ticket form (optionally about one purchased item)."""
        return _action_form(request, db, canonical_id(customer_id), _TICKET_FORM,
                            form={"purchase_line_id": str(line or ""), "item_q": item_q, "item_page": item_page})

    @get("/{customer_id:str}/items", sync_to_thread=True)
    def items(self, request: Request, db: DB, customer_id: CustomerIdPath, item_q: ItemQuery = "",
              item_page: ItemPageNumber = 1,
              purchase_line_id: Annotated[str | None, QueryParameter(required=False, max_length=20)] = None) -> Template:
        """The ticket form's item picker, searched or paged (HTMX swaps the list; a plain request gets the form)."""
        code = canonical_id(customer_id)
        chosen = int(purchase_line_id) if purchase_line_id and purchase_line_id.isdigit() and len(purchase_line_id) < 19 else None
        if not wants_partial(request):
            return _action_form(request, db, code, _TICKET_FORM,
                                form={"purchase_line_id": str(chosen or ""), "item_q": item_q, "item_page": item_page})
        with db.read() as session:
            choices = queries.item_choices(session, code, query=item_q, page=item_page, chosen=chosen)
        return Template(template_name="customers/_item_choices.html", headers={"Vary": "HX-Request"},
                        context={"customer_id": code, "item_choices": choices,
                                 "form": {"purchase_line_id": str(chosen or "")}})

    @get("/{customer_id:str}/note", sync_to_thread=True)
    def note(self, request: Request, db: DB, customer_id: CustomerIdPath) -> Template | Redirect:
        """The pinned note as the header shows it (Cancel on the note form swaps this back)."""
        code = canonical_id(customer_id)
        if not wants_partial(request):
            return Redirect(f"/customers/{code}", status_code=303)
        with db.read() as session:
            note = queries.pinned_note(session, queries.customer_row_id(session, code))
        return Template(template_name="customers/_pinned_note.html", context={"customer_id": code, "note": note})

    @get("/{customer_id:str}/note-form", sync_to_thread=True)
    def note_form(self, request: Request, db: DB, customer_id: CustomerIdPath) -> Template:
        """The pinned note's edit form, with its latest changes."""
        return _note_form(request, db, canonical_id(customer_id), form=None)

    @post("/{customer_id:str}/note", sync_to_thread=True, status_code=200)
    def save_note(self, request: Request, db: DB, customer_id: CustomerIdPath, data: FormData) -> Template | Redirect:
        """Pin, change or clear the note; it shows in the header at once."""
        code = canonical_id(customer_id)
        form = {"note": str(data.get("note") or ""), "previous": str(data.get("previous") or "")}
        with db.write() as session:
            customer = service.active_customer(session, code)
            try:
                notes.set_pinned_note(session, customer=customer, text=form["note"], previous=form["previous"],
                                      agent_id=request.user.id)
            except PinnedNoteRefused as exc:
                session.rollback()
                return _note_form(request, db, code, form=form, errors=exc.errors)
            if not wants_partial(request):
                return Redirect(f"/customers/{code}", status_code=303)
            note = queries.pinned_note(session, customer.id)
        return Template(template_name="customers/_pinned_note.html",
                        context={"customer_id": code, "note": note, "notice": "Note saved."})

    @post("/{customer_id:str}/calls", sync_to_thread=True, status_code=200)
    def log_call(self, request: Request, db: DB, customer_id: CustomerIdPath, data: FormData) -> Template | Redirect:
        """Record the call; the new entry goes to the top of the timeline without a reload."""
        code = canonical_id(customer_id)
        data = {**data, "open_ticket": data.get("open_ticket") in ("1", "on", "true")}
        with db.write() as session:
            customer = service.active_customer(session, code)
            try:
                logged = calls.log_call(session, customer=customer, data=CallLog.model_validate(data),
                                        agent_id=request.user.id)
            except REFUSED as exc:
                session.rollback()
                return _action_form(request, db, code, _CALL_FORM, form=data, refused=exc)
            if not wants_partial(request):
                return Redirect(f"/customers/{code}", status_code=303)
            context = {"customer_id": code, "logged": logged, "entry": history_entry(session, logged.interaction.id),
                       "open_tickets": customer_tickets(session, customer.id, open_ones=True)}
        return Template(template_name="customers/_call_logged.html", context=context)

    @post("/{customer_id:str}/tickets", sync_to_thread=True, status_code=200)
    def open_ticket(self, request: Request, db: DB, customer_id: CustomerIdPath,
                    data: FormData) -> Template | Redirect | ClientRedirect:
        """Open the ticket and go to it."""
        code = canonical_id(customer_id)
        with db.write() as session:
            customer = service.active_customer(session, code)
            try:
                ticket = tickets.open_ticket(session, customer=customer, data=TicketCreate.model_validate(data),
                                             agent_id=request.user.id)
            except REFUSED as exc:
                session.rollback()
                return _action_form(request, db, code, _TICKET_FORM, form=data, refused=exc)
        target = f"/tickets/{ticket.number}"
        return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)


def _action_form(request: Request, db: DB, code: str, partial: str, *, form: dict[str, Any],
                 refused: Exception | None = None) -> Template:
    """One of the customer page's forms (again, with messages, if `refused`): the partial for HTMX, or a page."""
    problem = refusal(refused) if refused is not None else None
    with db.read() as session:
        customer_row_id = queries.customer_row_id(session, code)
        if partial == _CALL_FORM:
            choices = {"open_tickets": open_ticket_choices(session, customer_row_id)}
        else:
            chosen = str(form.get("purchase_line_id") or "")
            choices = {"item_choices": queries.item_choices(
                session, code, query=str(form.get("item_q") or ""), page=_page_number(form.get("item_page")),
                chosen=int(chosen) if chosen.isdigit() and len(chosen) < 19 else None)}
    context = {"customer_id": code, "form": form, "errors": problem.errors if problem else {},
               "new_key": idempotency_key(form), "partial_name": partial, **choices}
    return render(request, page="customers/action_page.html", partial=partial, context=context,
                  status_code=form_status(request, problem.status_code if problem else 200))


def _page_number(value: Any) -> int:
    text = str(value or "")
    return min(int(text), 100_000) if text.isdigit() and len(text) < 7 and int(text) > 0 else 1


def _note_form(request: Request, db: DB, code: str, *, form: dict | None, errors: dict | None = None) -> Template:
    """The note form (again, with the agent's text and a message, when refused): the partial, or a page."""
    with db.read() as session:
        row_id = queries.customer_row_id(session, code)
        note, history = queries.pinned_note(session, row_id), notes.note_history(session, row_id)
    form = form or {"note": note.text, "previous": note.text}
    context = {"customer_id": code, "note": note, "history": history, "form": {**form, "previous": note.text},
               "errors": errors or {}, "partial_name": _NOTE_FORM}
    status_code = form_status(request, 409 if errors and "changed" in errors.get("note", "") else 400) if errors else 200
    return render(request, page="customers/action_page.html", partial=_NOTE_FORM, context=context,
                  status_code=status_code)


@dataclass
class LookupMatch:
    customer_id: str
    name: str | None
    phone_masked: str
    city: str | None
    url: str


class CustomerApiController(Controller):
    guards = [agents_only]
    path = "/api"
    tags = ["customers"]

    @get("/customers/{customer_id:str}", sync_to_thread=True, responses=api_responses(404, 422))
    def customer(self, db: DB, customer_id: CustomerIdPath) -> CustomerView:
        """The single customer view as JSON: 404 for an unknown ID, 422 for a malformed one."""
        code = canonical_id(customer_id)
        with db.read() as session:
            try:
                return queries.customer_view(session, code, today=shop_today())
            except CustomerMerged as merged:
                # API clients keep old IDs: they get the survivor, told so, rather than a redirect to follow.
                view = queries.customer_view(session, queries.survivor_code(session, code), today=shop_today())
                view.merged_note = str(merged)
                return view

    @get("/lookup", sync_to_thread=True, responses=api_responses(422))
    def lookup_phone(
        self, db: DB, phone: Annotated[str, QueryParameter(name="phone", min_length=1, max_length=40)]
    ) -> list[LookupMatch]:
        """Customers with this phone number (any common Indian format), for a telephony screen-pop."""
        try:
            normalised = phones.normalise(phone)
        except phones.InvalidPhone as exc:
            raise ValidationException(detail=str(exc), extra=[{"key": "phone", "message": str(exc)}]) from None
        with db.read() as session:
            choices = service.customers_by_phone(session, normalised)
        return [
            LookupMatch(customer_id=c.customer_id, name=c.name, phone_masked=c.phone_masked, city=c.city,
                        url=f"/customers/{c.customer_id}")
            for c in choices
        ]
