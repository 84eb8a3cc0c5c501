"""Claim pages for agents: the intake form (HTMX step by step), the claim page and its actions, the claims list."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, MultipartBody, PathParameter, QueryParameter, URLEncodedBody
from litestar.plugins.htmx import ClientRedirect
from litestar.response import File, Redirect, Template
from pydantic import ValidationError

from helpdesk import ids
from helpdesk.claims import queries, service
from helpdesk.claims.models import ClaimCreate, ClaimStatus, ClaimStatusChange, Eligibility
from helpdesk.claims.photos import MAX_PHOTO_BYTES, MAX_PHOTOS, Photo, PhotoRejected, PhotoStore, check_photos
from helpdesk.config import Settings
from helpdesk.customers import service as customers
from helpdesk.deps import DB, AppSettings
from helpdesk.forms import field_errors
from helpdesk.htmx import render, wants_partial
from helpdesk.timeutil import shop_today, utcnow

ClaimNumber = Annotated[str, PathParameter(max_length=20, pattern=r"^[Ww]-\d{4}-\d{1,10}$")]
# Five photos of 5 MB and the form around them.
UPLOAD_LIMIT = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024


def photo_store(settings: Settings) -> PhotoStore:
    """Photos live under the data directory, which the web server never serves as static files."""
    return PhotoStore(settings.data_dir / "uploads" / "claims")


def uploaded_files(value: Any) -> list[tuple[str, bytes]]:
    """(name, content) for each uploaded file in a form field that may hold one, several or none."""
    values = value if isinstance(value, list) else [value] if value is not None else []
    files = []
    for item in values:
        if isinstance(item, UploadFile):
            files.append((item.filename or "", item.file.read(MAX_PHOTO_BYTES + 1)))
    return files


def form_text(data: dict[str, Any], name: str) -> str:
    """A text field of a multipart form (which may arrive as a list)."""
    value = data.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


CLAIM_FIELDS = ("purchase_line_id", "fault_category", "description", "remedy", "preferred_contact_time", "idempotency_key")


@dataclass
class ClaimSubmission:
    """A submitted claim form, read and checked: what was typed, the photos, the input model, the problems."""

    form: dict[str, str]
    photos: list[Photo]
    claim: ClaimCreate | None
    errors: dict[str, str]


def read_claim_form(data: dict[str, Any], *, extra_fields: tuple[str, ...] = ()) -> ClaimSubmission:
    """Check every field and the photos at once, so the form comes back with all its messages together."""
    form = {name: form_text(data, name) for name in (*extra_fields, *CLAIM_FIELDS)}
    errors: dict[str, str] = {}
    try:
        photos = check_photos(uploaded_files(data.get("photos")))
    except PhotoRejected as exc:
        photos, errors["photos"] = [], str(exc)
    try:
        claim = ClaimCreate.model_validate(form)
    except ValidationError as exc:
        claim, errors = None, {**field_errors(exc), **errors}
    return ClaimSubmission(form, photos, claim, errors)


def _customer_or_message(session, text: str):
    """(customer, None) or (None, message) for what was typed in the customer ID field."""
    if not text.strip():
        return None, "Enter the customer ID."
    try:
        code = ids.parse(text)
    except ids.InvalidCustomerId as exc:
        return None, f"That is not a valid customer ID. {exc.reason} Ask the caller to repeat it."
    try:
        return customers.get_customer(session, code), None
    except customers.CustomerNotFound as exc:
        return None, str(exc)


class ClaimController(Controller):
    path = "/claims"

    @get("/", sync_to_thread=True)
    def claims_list(
        self,
        request: Request,
        db: DB,
        status: Annotated[ClaimStatus | None, QueryParameter(required=False)] = None,
        category: Annotated[str | None, QueryParameter(required=False, max_length=60)] = None,
        model: Annotated[str | None, QueryParameter(required=False, max_length=60)] = None,
        eligibility: Annotated[Eligibility | None, QueryParameter(required=False)] = None,
        older_than: Annotated[int | None, QueryParameter(required=False, ge=0, le=3650)] = None,
        page: Annotated[int, QueryParameter(required=False, ge=1, le=100_000)] = 1,
    ) -> Template:
        """Claims with filters, and the models with the most claims one click away."""
        filters = queries.ClaimFilters(status=status, category=category or None, model=model or None,
                                       eligibility=eligibility, older_than_days=older_than or None, page=page)
        with db.read() as session:
            result = queries.list_claims(session, filters=filters, now=utcnow())
        return render(request, page="claims/list.html", partial="claims/_list.html", context={"claims": result})

    @get("/new", sync_to_thread=True)
    def new(
        self,
        request: Request,
        db: DB,
        customer: Annotated[str | None, QueryParameter(required=False, max_length=40)] = None,
        line: Annotated[int | None, QueryParameter(required=False, ge=1)] = None,
    ) -> Template:
        """The intake form; from the customer page the customer and item come pre-selected."""
        context = _intake_context(db, customer or "", line, form={}, errors={})
        return Template(template_name="claims/new.html", context=context)

    @get("/new/items", sync_to_thread=True)
    def items(
        self, request: Request, db: DB, customer: Annotated[str, QueryParameter(max_length=40)] = "",
    ) -> Template:
        """The customer's purchased items to choose from (swapped in when the ID is entered)."""
        context = _intake_context(db, customer, None, form={}, errors={})
        return render(request, page="claims/new.html", partial="claims/_items.html", context=context)

    @get("/new/item", sync_to_thread=True)
    def item(
        self, request: Request, db: DB, customer: Annotated[str, QueryParameter(max_length=40)],
        purchase_line_id: Annotated[int, QueryParameter(ge=1)],
    ) -> Template:
        """Model, serial, dates and eligibility of the chosen item, with its fault categories."""
        context = _intake_context(db, customer, purchase_line_id, form={}, errors={})
        return render(request, page="claims/new.html", partial="claims/_item.html", context=context)

    @post("/", sync_to_thread=True, status_code=200, request_max_body_size=UPLOAD_LIMIT)
    def create(
        self, request: Request, db: DB, settings: AppSettings, data: MultipartBody[dict[str, Any]]
    ) -> Template | Redirect | ClientRedirect:
        """File the claim with its ticket and photos, then show it."""
        submission = read_claim_form(data, extra_fields=("customer",))
        form, photos, claim_input, errors = submission.form, submission.photos, submission.claim, submission.errors
        with db.write() as session:
            customer, message = _customer_or_message(session, form["customer"])
            if message:
                errors["customer"] = message
            if not errors and customer is not None and claim_input is not None:
                try:
                    filed = service.file_claim(session, customer=customer, data=claim_input, photos=photos,
                                               store=photo_store(settings), today=shop_today(), agent_id=request.user.id)
                except service.ClaimInvalid as exc:
                    errors = exc.errors
                else:
                    target = f"/claims/{filed.claim.number}"
                    return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)
        line = int(form["purchase_line_id"]) if form["purchase_line_id"].isdigit() else None
        context = _intake_context(db, form["customer"], line, form=form, errors=errors)
        return render(request, page="claims/new.html", partial="claims/_form.html", context=context,
                      status_code=200 if wants_partial(request) else 400)

    @get("/{number:str}", sync_to_thread=True)
    def claim(self, request: Request, db: DB, number: ClaimNumber) -> Template:
        """The claim, its item and eligibility, photos, history and the next steps."""
        with db.read() as session:
            page = queries.claim_page(session, service.get_claim(session, number), today=shop_today())
        return render(request, page="claims/page.html", partial="claims/_claim.html",
                      context={"page": page, "errors": {}, "form": {}})

    @post("/{number:str}/status", sync_to_thread=True, status_code=200)
    def change_status(self, request: Request, db: DB, number: ClaimNumber, data: URLEncodedBody[dict[str, Any]]) -> Template:
        """Move the claim on (out-of-warranty approval is a supervisor's)."""
        errors: dict[str, str] = {}
        status_code = 200
        with db.write() as session:
            claim = service.get_claim(session, number)
            try:
                service.change_status(session, claim=claim, change=ClaimStatusChange.model_validate(data), agent=request.user)
            except ValidationError as exc:
                errors = field_errors(exc)
            except service.ClaimInvalid as exc:
                errors = exc.errors
            except service.ClaimForbidden as exc:
                errors, status_code = {"status": str(exc)}, 403
            except service.ClaimChanged as exc:
                errors, status_code = {"form": str(exc)}, 409
            if errors:
                session.rollback()
                claim = service.get_claim(session, number)
            page = queries.claim_page(session, claim, today=shop_today())
        if errors and status_code == 200:
            status_code = 400
        return render(request, page="claims/page.html", partial="claims/_claim.html",
                      context={"page": page, "errors": errors, "form": data if errors else {},
                               "notice": None if errors else "Saved."},
                      status_code=200 if wants_partial(request) else status_code)

    @post("/{number:str}/notes", sync_to_thread=True, status_code=200)
    def add_note(self, request: Request, db: DB, number: ClaimNumber, data: URLEncodedBody[dict[str, Any]]) -> Redirect | ClientRedirect | Template:
        """Add what the customer reports to this (already open) claim instead of filing a duplicate."""
        text = str(data.get("description") or "").strip()
        with db.write() as session:
            claim = service.get_claim(session, number)
            if not text or len(text) > 5_000:
                page = queries.claim_page(session, claim, today=shop_today())
                message = "Write what the customer reports (up to 5,000 characters)."
                return render(request, page="claims/page.html", partial="claims/_claim.html",
                              context={"page": page, "errors": {"note": message}, "form": data}, status_code=200)
            service.add_to_claim(session, claim=claim, text=text, agent_id=request.user.id)
        target = f"/claims/{number.upper()}"
        return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)

    @get("/{number:str}/photos/{photo_id:int}", sync_to_thread=True)
    def photo(self, db: DB, settings: AppSettings, number: ClaimNumber, photo_id: FromPath[int]) -> File:
        """A claim photo, only for signed-in agents, with the type we checked at upload."""
        with db.read() as session:
            claim = service.get_claim(session, number)
            row = queries.photo(session, claim, photo_id)
        if row is None:
            raise NotFoundException("No such photo on this claim.")
        path = photo_store(settings).path(row.stored_name)
        if not path.exists():
            raise NotFoundException("The photo file is missing.")
        return File(path=path, media_type=row.content_type, content_disposition_type="inline",
                    filename=f"{number}-{photo_id}{path.suffix}", headers={"Cache-Control": "private, max-age=3600"})


def _intake_context(db, customer_text: str, line_id: int | None, *, form: dict, errors: dict) -> dict[str, Any]:
    """Everything the intake form needs for what has been entered so far."""
    items, item, message = [], None, None
    customer_code = None
    with db.read() as session:
        if customer_text:
            customer, message = _customer_or_message(session, customer_text)
            if customer is not None:
                customer_code = customer.code
                items = service.claimable_items(session, customer, today=shop_today())
                if line_id:
                    item = next((i for i in items if i.line_id == line_id), None)
                    if item is None and "purchase_line_id" not in errors:
                        errors = {**errors, "purchase_line_id": "That item is not one of this customer's purchases."}
    return {
        "customer_text": customer_text, "customer_code": customer_code, "customer_message": message,
        "items": items, "item": item, "form": form, "errors": errors,
        "new_key": form.get("idempotency_key") or secrets.token_urlsafe(16),
    }

