"""The new-customer form: register a caller who is not yet a customer, warned of possible duplicates first."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template
from pydantic import ValidationError

from helpdesk import ids
from helpdesk.auth.guards import agents_only
from helpdesk.customers import queries, registration
from helpdesk.customers.registration import NewCustomer, PossibleDuplicate
from helpdesk.forms import field_errors
from helpdesk.web_helpers import DB, CustomerIdPath, FormData, canonical_id, form_status, render, wants_partial

_FORM = "customers/_new_form.html"
_WARNING = "customers/_duplicate_warning.html"
_FIELDS = ("full_name", "phone", "email", "address_line", "city", "pin_code")

PhoneQuery = Annotated[str, QueryParameter(required=False, max_length=40, description="the caller's number, to fill in")]


def _form_values(data: dict[str, Any]) -> dict[str, str]:
    """What the agent typed, as text, to show again (a value sent twice or as a list is not text: shown empty)."""
    return {name: value if isinstance(value := data.get(name), str) else "" for name in _FIELDS}


class RegistrationController(Controller):
    guards = [agents_only]
    path = "/customers"

    @get("/new", sync_to_thread=False)
    def new_form(self, request: Request, phone: PhoneQuery = "") -> Template:
        """The empty form, with the number the lookup found nobody for already filled in."""
        return _render_form(request, form={**dict.fromkeys(_FIELDS, ""), "phone": phone.strip()})

    @post("/new", sync_to_thread=True, status_code=200)
    def register(self, request: Request, db: DB, data: FormData) -> Template | Redirect | ClientRedirect:
        """Save the customer and show their new ID; or the form again with messages (or the duplicate warning)."""
        form = _form_values(data)
        confirmed = data.get("confirm_duplicate") in ("1", "on", "yes")
        try:
            new = NewCustomer.model_validate(form)
        except ValidationError as exc:
            return _render_form(request, form=form, errors=field_errors(exc), status_code=400)
        with db.write() as session:
            try:
                customer = registration.register(session, data=new, confirmed=confirmed)
            except PossibleDuplicate as exc:
                session.rollback()
                matches = queries.match_views(session, exc.matches)
                return _render_form(request, form=form, errors=exc.errors, matches=matches, status_code=409)
        target = f"/customers/registered/{customer.code}"
        return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)

    @post("/new/check", sync_to_thread=True, status_code=200)
    def check(self, request: Request, db: DB, data: FormData) -> Template:
        """The duplicate warning for what is typed so far (HTMX, when the phone or e-mail field is left)."""
        with db.read() as session:
            matches = queries.match_views(session, registration.possible_duplicates(session, _form_values(data)))
        return Template(template_name=_WARNING, context={"matches": matches, "errors": {}},
                        headers={"Vary": "HX-Request"})

    @get("/registered/{customer_id:str}", sync_to_thread=True)
    def registered(self, request: Request, db: DB, customer_id: CustomerIdPath) -> Template:
        """The new ID, big and grouped for reading aloud, and the way on to the customer page."""
        code = canonical_id(customer_id)
        with db.read() as session:
            name = queries.registered_name(session, code)
        return Template(template_name="customers/registered_page.html",
                        context={"customer_id": code, "grouped": ids.format_grouped(code), "name": name})


def _render_form(request: Request, *, form: dict[str, str], errors: dict[str, str] | None = None,
                 matches: list | None = None, status_code: int = 200) -> Template:
    context = {"form": form, "errors": errors or {}, "matches": matches or []}
    return render(request, page="customers/new_page.html", partial=_FORM, context=context,
                  status_code=form_status(request, status_code))
