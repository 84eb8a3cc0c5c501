"""Privacy requests (supervisors): export everything about a customer (JSON and a readable page), erase a customer."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.response import Template

from helpdesk.audit import service as audit
from helpdesk.auth.guards import supervisors_only
from helpdesk.customers.service import get_customer
from helpdesk.forms import InvalidInput, limited_text
from helpdesk.privacy import erasure, portability, store
from helpdesk.privacy.masking import masked
from helpdesk.privacy.queries import open_work
from helpdesk.web_helpers import DB, REFUSED, CustomerIdPath, FormData, actor_of, canonical_id, form_status, refusal, render

_PAGE = "privacy/requests.html"
_PARTIAL = "privacy/_requests.html"
EXPORT_FORMATS = ("json", "html")


def _requests_view(request: Request, db: DB, code: str, *, status_code: int = 200, **context: Any) -> Template:
    """The privacy-requests panel: who it is (masked), what is open, the export and erase forms."""
    with db.read() as session:
        customer = get_customer(session, code)
        details = store.read(session, code)
        work = open_work(session, customer.id)
        purging = erasure.purge_pending(session, code, request.app.state.search.layout)
    context = {"customer_id": code, "customer": customer, "name": details.full_name if details else None,
               "phone_masked": masked(details, "phone"), "email_masked": masked(details, "email"), "work": work,
               "purging": purging, "errors": {}, "export_errors": {}, "form": {}, "message": None, **context}
    return render(request, page=_PAGE, partial=_PARTIAL, context=context, status_code=form_status(request, status_code))


class PrivacyRequestController(Controller):
    path = "/privacy/customers/{customer_id:str}"
    guards = [supervisors_only]

    @get("/", sync_to_thread=True)
    def page(self, request: Request, db: DB, customer_id: CustomerIdPath) -> Template:
        """Export or erase: what the customer asked for."""
        return _requests_view(request, db, canonical_id(customer_id))

    @post("/export", sync_to_thread=True, status_code=200)
    def export(self, request: Request, db: DB, customer_id: CustomerIdPath, data: FormData) -> Response | Template:
        """Everything about the customer, as a JSON file or a page to print; the export is audited first."""
        code = canonical_id(customer_id)
        kind = data.get("format")
        try:
            reason = limited_text(data.get("reason"), label="The request", max_length=erasure.REASON_MAX)
            if kind not in EXPORT_FORMATS:
                raise InvalidInput({"format": "Choose JSON or the readable page."})
        except ValueError as exc:
            errors = exc.errors if isinstance(exc, InvalidInput) else {"reason": str(exc)}
            return _requests_view(request, db, code, status_code=400, export_errors=errors, form=data)
        with db.write() as session:
            exported = portability.export_data(session, code)
            audit.record_export(session, actor=actor_of(request), customer_code=code, reason=reason,
                                what=f"privacy export ({'JSON' if kind == 'json' else 'readable page'})")
        if kind == "html":
            return Template(template_name="privacy/export.html", context={"data": exported, "customer_id": code})
        body = json.dumps(exported, ensure_ascii=False, indent=2).encode()
        return Response(body, media_type=MediaType.JSON, headers={
            "Content-Disposition": f'attachment; filename="customer-{code}.json"'})

    @post("/erase", sync_to_thread=True, status_code=200)
    def erase(self, request: Request, db: DB, customer_id: CustomerIdPath, data: FormData) -> Template:
        """Erase the customer's personal data; refused with the reason while a ticket or claim is open (unless overridden)."""
        code = canonical_id(customer_id)
        try:
            with db.write() as session:
                report = erasure.erase_customer(session, actor=actor_of(request), code=code,
                                                request=erasure.ErasureRequest.model_validate(data))
        except REFUSED as exc:
            problem = refusal(exc)
            return _requests_view(request, db, code, status_code=problem.status_code, errors=problem.errors, form=data)
        erasure.flush_deleted_pages(db)
        return _requests_view(request, db, code, message=report.message)
