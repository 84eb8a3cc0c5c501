"""Reveal one personal field with a reason (HTMX, per field), and edit contact details and consent, from the customer page."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from helpdesk.auth.guards import agents_only
from helpdesk.customers.models import CONSENT_FIELDS
from helpdesk.customers.queries import customer_row_id
from helpdesk.customers.service import get_customer
from helpdesk.privacy import contact, reveal, store
from helpdesk.privacy import queries as privacy_queries
from helpdesk.privacy.masking import FIELD_LABELS, RevealField, masked, masked_for_audit, plain
from helpdesk.timeutil import utcnow
from helpdesk.web_helpers import (
    DB,
    REFUSED,
    CustomerIdPath,
    FormData,
    actor_of,
    canonical_id,
    form_status,
    refusal,
    render,
    wants_partial,
)

FieldPath = Annotated[RevealField, PathParameter(description="phone, alt_phone, email or address")]
_FIELD = "privacy/_field.html"
_REVEAL_FORM = "privacy/_reveal_form.html"
_CONTACT_FORM = "privacy/_contact_form.html"


def _field_context(db: DB, request: Request, code: str, field: RevealField) -> dict[str, Any]:
    """One field as the customer page shows it: masked, or its value while this agent's reveal lasts."""
    now = utcnow()
    until = reveal.live_grants(request.session, code, now).get(field)
    with db.read() as session:
        customer_row_id(session, code)  # 404 for an ID nobody has
        details = store.read(session, code)
    value = plain(details, field) if until else None
    return {"customer_id": code, "field": field, "label": FIELD_LABELS[field], "masked": masked(details, field),
            "value": value, "until": until, "seconds_left": int((until - now).total_seconds()) + 1 if until else 0}


class RevealController(Controller):
    """Masked by default; a reveal shows one field for REVEAL_MINUTES and writes one audit entry."""

    path = "/customers/{customer_id:str}/fields"
    guards = [agents_only]

    @get("/{field:str}", sync_to_thread=True)
    def show(self, request: Request, db: DB, customer_id: CustomerIdPath, field: FieldPath) -> Template | Redirect:
        """The field as it should look now (the page asks again when a reveal ends, to mask it)."""
        code = canonical_id(customer_id)
        context = _field_context(db, request, code, field)
        if not wants_partial(request):
            return Redirect(f"/customers/{code}", status_code=303)
        return Template(template_name=_FIELD, context=context, headers={"Vary": "HX-Request"})

    @get("/{field:str}/reveal", sync_to_thread=True)
    def reveal_form(self, request: Request, db: DB, customer_id: CustomerIdPath, field: FieldPath) -> Template:
        """Why do you need to see it? (a reason from the list, free text, and the ticket or claim)."""
        code = canonical_id(customer_id)
        return _reveal_form(request, db, code, field, form={}, errors={})

    @post("/{field:str}/reveal", sync_to_thread=True, status_code=200)
    def reveal(self, request: Request, db: DB, customer_id: CustomerIdPath, field: FieldPath,
               data: FormData) -> Template | Redirect:
        """Show the value for a while; the audit log records who, when, why and from where (never the value)."""
        code = canonical_id(customer_id)
        now = utcnow()
        try:
            with db.write() as session:
                revealed = reveal.reveal(session, actor=actor_of(request), code=code, field=field,
                                         request=reveal.RevealRequest.model_validate(data), now=now)
        except REFUSED as exc:
            problem = refusal(exc)
            return _reveal_form(request, db, code, field, form=data, errors=problem.errors,
                                status_code=problem.status_code)
        request.set_session(reveal.with_grant(request.session, revealed, code, now))
        if not wants_partial(request):
            return Redirect(f"/customers/{code}", status_code=303)
        return Template(template_name=_FIELD, headers={"Vary": "HX-Request"}, context={
            "customer_id": code, "field": field, "label": FIELD_LABELS[field], "masked": "", "value": revealed.value,
            "until": revealed.until, "seconds_left": reveal.REVEAL_MINUTES * 60 + 1})

    @post("/{field:str}/hide", sync_to_thread=True, status_code=200)
    def hide(self, request: Request, db: DB, customer_id: CustomerIdPath, field: FieldPath) -> Template | Redirect:
        """Mask it again now, before the window ends."""
        code = canonical_id(customer_id)
        request.set_session(reveal.without_grant(request.session, code, field, utcnow()))
        if not wants_partial(request):
            return Redirect(f"/customers/{code}", status_code=303)
        context = _field_context(db, request, code, field)
        return Template(template_name=_FIELD, context={**context, "value": None, "until": None},
                        headers={"Vary": "HX-Request"})


def _reveal_form(request: Request, db: DB, code: str, field: RevealField, *, form: dict[str, Any],
                 errors: dict[str, str], status_code: int = 200) -> Template:
    with db.read() as session:
        customer_row_id(session, code)
    context = {"customer_id": code, "field": field, "label": FIELD_LABELS[field], "form": form, "errors": errors,
               "reasons": reveal.REASON_LABELS, "partial_name": _REVEAL_FORM}
    return render(request, page="privacy/reveal_page.html", partial=_REVEAL_FORM, context=context,
                  status_code=form_status(request, status_code))


class ContactController(Controller):
    """Contact details, consent and preferred language (every signed-in role may edit; each change is audited)."""

    path = "/customers/{customer_id:str}/contact"
    guards = [agents_only]

    @get("/", sync_to_thread=True)
    def form(self, request: Request, db: DB, customer_id: CustomerIdPath) -> Template:
        """The form: inputs start empty (blank keeps what is on file), the masked values shown beside them."""
        return _contact_form(request, db, canonical_id(customer_id), form=None, errors={})

    @post("/", sync_to_thread=True, status_code=200)
    def save(self, request: Request, db: DB, customer_id: CustomerIdPath, data: FormData) -> Template | Redirect:
        """Check and save; a refused form comes back with what was typed and a message beside each field."""
        code = canonical_id(customer_id)
        try:
            with db.write() as session:
                result = contact.update_contact(session, actor=actor_of(request), code=code,
                                                form=contact.ContactUpdate.model_validate(data))
        except REFUSED as exc:
            problem = refusal(exc)
            return _contact_form(request, db, code, form=data, errors=problem.errors, status_code=problem.status_code)
        if not wants_partial(request):
            return Redirect(f"/customers/{code}", status_code=303)
        return _contact_form(request, db, code, form=None, errors={}, message=result.message)


def _contact_form(request: Request, db: DB, code: str, *, form: dict[str, Any] | None, errors: dict[str, str],
                  status_code: int = 200, message: str | None = None) -> Template:
    with db.read() as session:
        customer = get_customer(session, code)
        details = store.read(session, code)
        history = privacy_queries.consent_history(session, customer.id)
    # Beside each input, what is on file: as the page shows it (name, city, state) or masked.
    current = {name: (getattr(details, name, None) or "(none)") if name in ("full_name", "city", "state")
               else masked_for_audit(name, getattr(details, name, None)) for name in contact.FIELD_LABELS}
    if form is None:  # a fresh form starts from what is on file for consent and language
        form = {name: "yes" if getattr(customer, name) else "no" for name in CONSENT_FIELDS}
        form["preferred_language"] = customer.preferred_language or ""
    removing = form.get("clear") or []
    context = {"customer_id": code, "form": form, "removing": [removing] if isinstance(removing, str) else removing,
               "errors": errors, "current": current, "history": history, "message": message,
               "fields": contact.FIELD_LABELS, "removable": contact.REMOVABLE, "states": contact.STATES,
               "languages": contact.LANGUAGES, "consents": contact.CONSENT_LABELS, "partial_name": _CONTACT_FORM}
    return render(request, page="privacy/contact_page.html", partial=_CONTACT_FORM, context=context,
                  status_code=form_status(request, status_code))
