"""Customer pages and API: lookup box, the single customer view, and its paged lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.params import PathParameter, QueryParameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from helpdesk import ids, phones
from helpdesk.customers import pages, service
from helpdesk.customers.single_view import CustomerView
from helpdesk.deps import DB
from helpdesk.htmx import render, wants_partial
from helpdesk.timeutil import shop_today

CustomerIdPath = Annotated[str, PathParameter(max_length=40, description="customer ID, with or without spaces/dashes")]
Cursor = Annotated[str | None, QueryParameter(max_length=40, required=False)]


def canonical_id(customer_id: str) -> str:
    """The canonical ID from a path segment, or InvalidCustomerId (mapped to 422)."""
    return ids.parse(customer_id)


class LookupController(Controller):
    """The lookup box in every page's header, and the telephony screen-pop URL."""

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
        if result.found:
            target = f"/customers/{result.customer_id}"
            return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)
        status_code = 404 if result.kind == "not_found" and not wants_partial(request) else 200
        return render(
            request,
            page="lookup/page.html",
            partial="lookup/_result.html",
            context={"result": result},
            status_code=status_code if not result.choices else 200,
        )


class CustomerController(Controller):
    path = "/customers"

    @get("/{customer_id:str}", sync_to_thread=True)
    def customer_page(self, request: Request, db: DB, customer_id: CustomerIdPath) -> Template | Redirect:
        """The one page an agent needs while the customer is on the phone."""
        code = canonical_id(customer_id)
        if code != customer_id:
            return Redirect(f"/customers/{code}", status_code=301)
        with db.read() as session:
            view = pages.customer_view(session, code, today=shop_today())
        return Template(template_name="customers/page.html", context={"view": view}, headers={"Vary": "HX-Request"})

    @get("/{customer_id:str}/timeline", sync_to_thread=True)
    def timeline(self, request: Request, db: DB, customer_id: CustomerIdPath, cursor: Cursor = None) -> Template:
        """The next page of the interaction history ("load more")."""
        code = canonical_id(customer_id)
        with db.read() as session:
            customer = service.get_customer(session, code)
            page = pages.timeline_page(session, customer.id, cursor=cursor)
        return _list_page(request, code, "customers/_timeline.html", timeline=page)

    @get("/{customer_id:str}/purchases", sync_to_thread=True)
    def purchases(self, request: Request, db: DB, customer_id: CustomerIdPath, cursor: Cursor = None) -> Template:
        """More purchases, older ones."""
        code = canonical_id(customer_id)
        with db.read() as session:
            customer = service.get_customer(session, code)
            page = pages.purchases_page(session, customer.id, today=shop_today(), cursor=cursor)
        return _list_page(request, code, "customers/_purchases.html", purchases=page)

    @get("/{customer_id:str}/claims", sync_to_thread=True)
    def claims(self, request: Request, db: DB, customer_id: CustomerIdPath, cursor: Cursor = None) -> Template:
        """More warranty claims."""
        code = canonical_id(customer_id)
        with db.read() as session:
            customer = service.get_customer(session, code)
            page = pages.claims_page(session, customer.id, cursor=cursor)
        return _list_page(request, code, "customers/_claims.html", claims=page)

    @get("/{customer_id:str}/open-tickets", sync_to_thread=True)
    def more_open_tickets(self, request: Request, db: DB, customer_id: CustomerIdPath, cursor: Cursor = None) -> Template:
        """More open tickets."""
        code = canonical_id(customer_id)
        with db.read() as session:
            customer = service.get_customer(session, code)
            page = pages.open_tickets_page(session, customer.id, cursor=cursor)
        return _list_page(request, code, "customers/_ticket_rows.html", tickets=page, which="open-tickets")

    @get("/{customer_id:str}/past-tickets", sync_to_thread=True)
    def past_tickets(self, request: Request, db: DB, customer_id: CustomerIdPath, cursor: Cursor = None) -> Template:
        """More solved and closed tickets."""
        code = canonical_id(customer_id)
        with db.read() as session:
            customer = service.get_customer(session, code)
            page = pages.past_tickets_page(session, customer.id, cursor=cursor)
        return _list_page(request, code, "customers/_ticket_rows.html", tickets=page, which="past-tickets")


def _list_page(request: Request, code: str, partial: str, **lists) -> Template:
    """HTMX gets the rows to append; a plain request gets a full page listing just that slice."""
    return render(
        request,
        page="customers/list_page.html",
        partial=partial,
        context={"customer_id": code, "partial": partial, **lists},
    )


@dataclass
class LookupMatch:
    customer_id: str
    name: str | None
    phone_masked: str
    city: str | None
    url: str


class CustomerApiController(Controller):
    path = "/api"
    tags = ["customers"]

    @get("/customers/{customer_id:str}", sync_to_thread=True)
    def customer(self, db: DB, customer_id: CustomerIdPath) -> CustomerView:
        """The single customer view as JSON: 404 for an unknown ID, 422 for a malformed one."""
        code = canonical_id(customer_id)
        with db.read() as session:
            return pages.customer_view(session, code, today=shop_today())

    @get("/lookup", sync_to_thread=True)
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
            LookupMatch(
                customer_id=c.customer_id, name=c.name, phone_masked=c.phone_masked, city=c.city, url=f"/customers/{c.customer_id}"
            )
            for c in choices
        ]
