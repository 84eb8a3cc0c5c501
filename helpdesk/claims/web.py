"""Claim pages for agents: the intake form (HTMX step by step), the claim page and its actions, the claims list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import MultipartBody, QueryParameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from helpdesk.auth.guards import agents_only
from helpdesk.claims import queries, service
from helpdesk.claims.forms import CLAIM_FILTERS, ClaimListFilters, read_claim_form
from helpdesk.claims.models import DESCRIPTION_MAX, ClaimStatusChange
from helpdesk.claims.photos import TOO_LARGE, UPLOAD_LIMIT, read_chunks
from helpdesk.customers import service as customers
from helpdesk.forms import limited_text
from helpdesk.serials.queries import claim_count, ordinal
from helpdesk.timeutil import shop_today, utcnow
from helpdesk.web_helpers import (
    DB,
    REFUSED,
    ClaimNumberPath,
    FormData,
    RowIdPath,
    form_status,
    idempotency_key,
    refusal,
    render,
    wants_partial,
)


class ClaimController(Controller):
    guards = [agents_only]
    path = "/claims"

    @get("/", sync_to_thread=True, dependencies=CLAIM_FILTERS)
    def claims_list(self, request: Request, db: DB, filters: ClaimListFilters) -> Template:
        """Claims with filters, and the models with the most claims one click away."""
        with db.read() as session:
            result = queries.list_claims(session, filters=filters, now=utcnow())
        return render(request, page="claims/list.html", partial="claims/_list.html", context={"claims": result})

    @get("/new", sync_to_thread=True)
    def new(
        self,
        request: Request,
        db: DB,
        customer: Annotated[str | None, QueryParameter(required=False, max_length=40)] = None,
        line: Annotated[int | None, QueryParameter(required=False, ge=1, le=2**62)] = None,
        item_q: Annotated[str, QueryParameter(required=False, max_length=200)] = "",
        item_page: Annotated[int, QueryParameter(required=False, ge=1, le=100_000)] = 1,
    ) -> Template:
        """The intake form; from the customer page the customer and item come pre-selected."""
        context = _intake_context(db, customer or "", line, form={"item_q": item_q, "item_page": item_page}, errors={})
        return Template(template_name="claims/new.html", context=context)

    @get("/new/items", sync_to_thread=True)
    def items(
        self, request: Request, db: DB, customer: Annotated[str, QueryParameter(max_length=40)] = "",
        item_q: Annotated[str, QueryParameter(required=False, max_length=200)] = "",
        item_page: Annotated[int, QueryParameter(required=False, ge=1, le=100_000)] = 1,
        purchase_line_id: Annotated[str | None, QueryParameter(required=False, max_length=20)] = None,
    ) -> Template:
        """The customer's purchased items to choose from (swapped in when the ID is entered; searched and paged)."""
        line = int(purchase_line_id) if purchase_line_id and purchase_line_id.isdigit() and len(purchase_line_id) < 19 else None
        context = _intake_context(db, customer, line, form={"item_q": item_q, "item_page": item_page}, errors={})
        return render(request, page="claims/new.html", partial="claims/_items.html", context=context)

    @get("/new/item", sync_to_thread=True)
    def item(
        self, request: Request, db: DB, customer: Annotated[str, QueryParameter(max_length=40)],
        purchase_line_id: Annotated[int, QueryParameter(ge=1, le=2**62)],
    ) -> Template:
        """Model, serial, dates and eligibility of the chosen item, with its fault categories."""
        context = _intake_context(db, customer, purchase_line_id, form={}, errors={})
        return render(request, page="claims/new.html", partial="claims/_item.html", context=context)

    @post("/", sync_to_thread=True, status_code=200, request_max_body_size=UPLOAD_LIMIT,
          exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: lambda request, exc: _too_large(request)})
    def create(
        self, request: Request, db: DB, data: MultipartBody[dict[str, Any]]
    ) -> Template | Redirect | ClientRedirect:
        """File the claim with its ticket and photos, then show it."""
        submission = read_claim_form(data, extra_fields=("customer", "item_q"))
        form, photos, claim_input, errors = submission.form, submission.photos, submission.claim, submission.errors
        with db.write() as session:
            customer, message = customers.customer_from_typed_id(session, form["customer"])
            if message:
                errors["customer"] = message
            if not errors and customer is not None and claim_input is not None:
                try:
                    filed = service.file_claim(session, customer=customer, data=claim_input, photos=photos,
                                               today=shop_today(), agent_id=request.user.id)
                except REFUSED as exc:
                    errors = refusal(exc).errors
                else:
                    target = f"/claims/{filed.claim.number}"
                    return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)
        line = int(form["purchase_line_id"]) if form["purchase_line_id"].isdigit() and len(form["purchase_line_id"]) < 19 else None
        context = _intake_context(db, form["customer"], line, form=form, errors=errors)
        return render(request, page="claims/new.html", partial="claims/_form.html", context=context,
                      status_code=form_status(request, 400))

    @get("/{number:str}", sync_to_thread=True)
    def claim(self, request: Request, db: DB, number: ClaimNumberPath) -> Template:
        """The claim, its item and eligibility, photos, history and the next steps."""
        with db.read() as session:
            return _claim_page(request, session, number)

    @post("/{number:str}/status", sync_to_thread=True, status_code=200)
    def change_status(self, request: Request, db: DB, number: ClaimNumberPath, data: FormData) -> Template:
        """Move the claim on (out-of-warranty approval is a supervisor's)."""
        with db.write() as session:
            claim = service.get_claim(session, number)
            try:
                service.change_status(session, claim=claim, change=ClaimStatusChange.model_validate(data),
                                      agent=request.user)
            except REFUSED as exc:
                session.rollback()
                refused = refusal(exc)
                return _claim_page(request, session, number, errors=refused.errors, form=data,
                                   status_code=refused.status_code)
            return _claim_page(request, session, number, notice="Saved.")

    @post("/{number:str}/notes", sync_to_thread=True, status_code=200)
    def add_note(self, request: Request, db: DB, number: ClaimNumberPath, data: FormData) -> Redirect | ClientRedirect | Template:
        """Add what the customer reports to this (already open) claim instead of filing a duplicate."""
        with db.write() as session:
            claim = service.get_claim(session, number)
            try:
                text = limited_text(data.get("description"), label="What the customer reports", max_length=DESCRIPTION_MAX)
            except ValueError as exc:
                return _claim_page(request, session, number, errors={"note": str(exc)}, form=data, status_code=400)
            service.add_to_claim(session, claim=claim, text=text, agent_id=request.user.id)
        target = f"/claims/{number.upper()}"
        return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)

    @get("/{number:str}/photos/{photo_id:int}", sync_to_thread=True)
    def photo(self, db: DB, number: ClaimNumberPath, photo_id: RowIdPath) -> Stream:
        """A claim photo, only for signed-in agents, with the type we checked at upload, streamed from the database."""
        with db.read() as session:
            claim = service.get_claim(session, number)
            row = queries.photo(session, claim, photo_id)
        if row is None:
            raise NotFoundException("No such photo on this claim.")
        suffix = Path(row.stored_name).suffix
        # no-store comes with every desk response (app.py); nosniff keeps the browser to the type we checked.
        return Stream(read_chunks(db, row.id), media_type=row.content_type, headers={
            "Content-Length": str(row.size_bytes),
            "Content-Disposition": f'inline; filename="{number.upper()}-{photo_id}{suffix}"',
        })


def _claim_page(request: Request, session, number: str, *, errors: dict | None = None, form: dict | None = None,
                notice: str | None = None, status_code: int = 200) -> Template:
    page = queries.claim_page(session, service.get_claim(session, number), today=shop_today())
    return render(request, page="claims/page.html", partial="claims/_claim.html",
                  context={"page": page, "errors": errors or {}, "form": form or {}, "notice": notice},
                  status_code=form_status(request, status_code))


def _intake_context(db, customer_text: str, line_id: int | None, *, form: dict, errors: dict) -> dict[str, Any]:
    """Everything the intake form needs for what has been entered so far."""
    items, item, message = None, None, None
    customer_code, earlier_claims = None, 0
    with db.read() as session:
        if customer_text:
            customer, message = customers.customer_from_typed_id(session, customer_text)
            if customer is not None:
                customer_code = customer.code
                items = service.claimable_items(session, customer, today=shop_today(), query=str(form.get("item_q") or ""),
                                                page=_page_number(form.get("item_page")))
                if line_id:
                    # The chosen item is read by itself: it may be on any page of a long list.
                    try:
                        item = service.claimable_item(session, customer, line_id, today=shop_today())
                    except service.ClaimInvalid as exc:
                        errors = {**exc.errors, **errors}
                    else:
                        earlier_claims = claim_count(session, item.serial_number)
    return {
        "customer_text": customer_text, "customer_code": customer_code, "customer_message": message,
        "items": items, "item": item, "form": form, "errors": errors,
        # Claims already filed on this unit (any owner): "this will be the third claim for this unit".
        "earlier_claims": earlier_claims, "this_claim": ordinal(earlier_claims + 1),
        "new_key": idempotency_key(form),
    }


def _page_number(value: Any) -> int:
    text = str(value or "")
    return min(int(text), 100_000) if text.isdigit() and len(text) < 7 and int(text) > 0 else 1


def _too_large(request: Request) -> Template:
    """An upload over the body limit, which the server stopped reading: the form again, with the reason beside the
    photos. The customer and item come back from the page the form was on (its address says which they were)."""
    page = urlsplit(request.headers.get("hx-current-url") or request.headers.get("referer") or "")
    asked = parse_qs(page.query) if page.path == "/claims/new" else {}
    customer = (asked.get("customer") or [""])[0][:40]
    line_text = (asked.get("line") or [""])[0]
    line = int(line_text) if line_text.isdigit() and len(line_text) < 19 else None
    context = _intake_context(request.app.state.db, customer, line, form={"purchase_line_id": str(line or "")},
                              errors={"photos": TOO_LARGE})
    return render(request, page="claims/new.html", partial="claims/_form.html", context=context,
                  status_code=form_status(request, HTTP_413_REQUEST_ENTITY_TOO_LARGE))
